/** The public JSON API: filters, facets, suggestions, records, paging, and every bad input as a 400. */
import request from 'supertest';
import type { Express } from 'express';
import { describe, expect, it } from 'vitest';
import { syncRecords } from '../../server/search/outbox-drain.js';
import type { SearchFixture } from '../support/search-fixtures.js';
import { useSearchSetup } from '../support/search-setup.js';
import { testMeili, type TestDatabase } from '../support/services.js';


describe('public API', () => {
  let t: TestDatabase;
  let fx: SearchFixture;
  let app: Express;
  let indexUid: string;

  useSearchSetup('api', (setup) => ({ t, fx, app, indexUid } = setup));

  const get = (path: string, query: Record<string, string> = {}) => request(app).get(path).query(query);

  describe('bad input answers 400 with the error shape and what was wrong', () => {
    const cases: Array<[string, Record<string, string>, RegExp]> = [
      ['an unknown parameter', { q: 'x', colour: 'red' }, /colour: unknown parameter/],
      ['a year range that runs backwards', { deathYear: '1975-1965' }, /deathYear: the range runs backwards/],
      ['a year that is not one', { birthYear: '19x8' }, /birthYear: must be a year/],
      ['a malformed bbox', { bbox: '105,20,106' }, /bbox: must be four numbers/],
      ['a bbox with min above max', { bbox: '106,20,105,21' }, /bbox: min must be below max/],
      ['a bbox outside the world', { bbox: '105,20,106,95' }, /bbox: maxLat must be ≤ 90/],
      ['a malformed near', { near: 'here' }, /near: must be two numbers/],
      ['perPage over 100', { perPage: '101' }, /perPage: must be at most 100/],
      ['a page of zero', { page: '0' }, /page: must be 1 or more/],
      ['q over 200 characters', { q: 'a'.repeat(201) }, /q: must be at most 200 characters/],
      ['an unknown kind', { kind: 'person' }, /kind:/],
      ['an unknown province', { province: 'atlantis' }, /province: unknown province/],
      ['hasPhoto that is not a boolean', { hasPhoto: 'maybe' }, /hasPhoto: must be true or false/],
    ];
    for (const [what, query, message] of cases) {
      it(`/api/search with ${what}`, async () => {
        const res = await get('/api/search', query);
        expect(res.status).toBe(400);
        expect(res.body.error.code).toBe('bad_request');
        expect(res.body.error.message).toMatch(message);
      });
    }

    it('a parameter given twice', async () => {
      const res = await request(app).get('/api/search?q=a&q=b');
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(/^q: /);
    });

    it('/api/suggest without q, or with too long a q', async () => {
      expect((await get('/api/suggest')).status).toBe(400);
      expect((await get('/api/suggest', { q: 'x'.repeat(300) })).status).toBe(400);
    });

    it('record ids that are not ids, and paging out of range', async () => {
      for (const path of ['/api/martyrs/abc', '/api/graves/-1', '/api/cemeteries/1.5', '/api/martyrs/99999999999999999999']) {
        const res = await get(path);
        expect(res.status, path).toBe(400);
        expect(res.body.error.code).toBe('bad_request');
      }
      expect((await get('/api/martyrs', { perPage: '500' })).status).toBe(400);
      expect((await get('/api/graves', { page: '-2' })).status).toBe(400);
      expect((await get('/api/cemeteries', { sort: 'name' })).status).toBe(400);
    });
  });

  describe('filters and facets', () => {
    it('filters by current province, and by a pre-2025 province through its slug', async () => {
      const haTinh = await get('/api/search', { q: 'nguyen van thanh', province: '42', perPage: '50' });
      expect(haTinh.body.hits.map((h: { id: number }) => h.id)).toContain(fx.martyrs.thanhHaTinh1948);
      expect(haTinh.body.hits.every((h: { hometownProvince: string; cemetery: { name: string } | null }) => h.hometownProvince === 'Hà Tĩnh' || h.cemetery?.name.includes('Hà Tĩnh'))).toBe(true);
      // Thái Bình is part of Hưng Yên since 2025: old slug and new code both reach it.
      const old = await get('/api/search', { q: 'pham quang thuy', province: 'thai-binh' });
      expect(old.body.hits[0].id).toBe(fx.martyrs.thuyDotOnY);
      const current = await get('/api/search', { q: 'pham quang thuy', province: 'hung-yen' });
      expect(current.body.hits[0].id).toBe(fx.martyrs.thuyDotOnY);
    });

    it('filters by cemetery, year ranges, kind, photo and known grave', async () => {
      const inHaTinh = await get('/api/search', { cemetery: String(fx.cemeteries.haTinh), perPage: '100' });
      expect(inHaTinh.body.total).toBeGreaterThan(0);
      expect(inHaTinh.body.hits.every((h: { cemetery: { id: number } }) => h.cemetery?.id === fx.cemeteries.haTinh)).toBe(true);

      const years = await get('/api/search', { q: 'nguyen van thanh', birthYear: '1948-1948', deathYear: '1960-1970' });
      expect(years.body.hits.map((h: { id: number }) => h.id)).toContain(fx.martyrs.thanhHaTinh1948);
      expect(years.body.hits.every((h: { birthDate: string }) => h.birthDate.startsWith('1948'))).toBe(true);

      const graves = await get('/api/search', { kind: 'grave' });
      expect(graves.body.hits.length).toBe(2);
      expect(graves.body.hits.every((h: { kind: string }) => h.kind === 'grave')).toBe(true);

      const withoutGrave = await get('/api/search', { q: 'do xuan hoa', hasGrave: 'false' });
      expect(withoutGrave.body.hits[0].id).toBe(fx.martyrs.noGrave);
      expect(withoutGrave.body.hits[0].cemetery).toBeNull();

      // One grave with a current photo: hasPhoto=true finds its martyr and only that; false leaves it out.
      const photo = (size: string) => `graves/${fx.graves.ofThanh}/0123456789abcdef-${size}.jpg`;
      await t.db('photos').insert({
        grave_id: fx.graves.ofThanh, original_key: 'originals/p.jpg', full_key: photo('full'), page_key: photo('page'), thumb_key: photo('thumb'),
        content_hash: '1'.repeat(64), width: 600, height: 800, bytes: 1000, is_current: true,
      });
      try {
        await syncRecords(t.db, testMeili(), indexUid, [fx.martyrs.thanh], []);
        const withPhoto = await get('/api/search', { hasPhoto: 'true' });
        expect(withPhoto.body.hits.map((h: { id: number }) => h.id)).toEqual([fx.martyrs.thanh]);
        expect(withPhoto.body.hits[0].photoUrl).toBe(`/photos/${photo('page')}`);
        const withoutPhoto = await get('/api/search', { q: 'nguyen van thanh', hasPhoto: 'false', perPage: '100' });
        expect(withoutPhoto.body.total).toBeGreaterThan(100);
        expect(withoutPhoto.body.hits.map((h: { id: number }) => h.id)).not.toContain(fx.martyrs.thanh);
      } finally {
        await t.db('photos').where({ grave_id: fx.graves.ofThanh }).delete();
        await syncRecords(t.db, testMeili(), indexUid, [fx.martyrs.thanh], []);
      }
    });

    it('filters by unit, as the facet names it', async () => {
      const res = await get('/api/search', { unit: 'Sư đoàn 320', facets: 'true' });
      expect(res.body.hits.map((h: { id: number }) => h.id).sort()).toEqual([fx.martyrs.thanh, fx.martyrs.thanhHaTinh1948].sort());
      expect(res.body.facets.unit).toEqual(expect.arrayContaining([{ value: 'Sư đoàn 320', count: 2 }]));
    });

    it('limits to a bounding box and sorts by distance from a point', async () => {
      // Around Hà Tĩnh's provincial cemetery only.
      const box = await get('/api/search', { bbox: '105.85,18.30,105.95,18.40', perPage: '100' });
      expect(box.body.total).toBeGreaterThan(0);
      expect(box.body.hits.every((h: { location: { lat: number } }) => h.location.lat > 18.3 && h.location.lat < 18.4)).toBe(true);

      const near = await get('/api/search', { near: '16.95,106.95', perPage: '10' });
      const distances = near.body.hits.map((h: { distanceMeters: number }) => h.distanceMeters);
      expect(distances).toEqual([...distances].sort((a, b) => a - b));
      expect(near.body.hits[0].cemetery.id).toBe(fx.cemeteries.truongSon);
    });

    it('returns facet counts of provinces (current names), kinds, photos and known graves when asked', async () => {
      const without = await get('/api/search', { q: 'nguyen van thanh' });
      expect(without.body.facets.province).toEqual([]);
      const res = await get('/api/search', { q: 'nguyen van thanh', facets: 'true' });
      expect(res.body.facets.province).toEqual(expect.arrayContaining([expect.objectContaining({ code: '33', name: 'Hưng Yên' })]));
      expect(res.body.facets.kind.martyr).toBeGreaterThan(100);
      expect(Object.keys(res.body.facets).sort()).toEqual(['birthDecade', 'cemetery', 'hasGrave', 'hasPhoto', 'hometownProvince', 'kind', 'province', 'unit']);
    });

    it('pages through results', async () => {
      const first = await get('/api/search', { q: 'nguyen van thanh', perPage: '10', page: '1' });
      const second = await get('/api/search', { q: 'nguyen van thanh', perPage: '10', page: '2' });
      expect(first.body.hits).toHaveLength(10);
      expect(second.body.page).toBe(2);
      const overlap = first.body.hits.filter((h: { id: number }) => second.body.hits.some((s: { id: number }) => s.id === h.id));
      expect(overlap).toEqual([]);
    });
  });

  describe('suggestions', () => {
    it('gives at most 8 short suggestions as one types, names first', async () => {
      const res = await get('/api/suggest', { q: 'nguyen van th' });
      expect(res.status).toBe(200);
      expect(res.body.suggestions.length).toBeGreaterThan(0);
      expect(res.body.suggestions.length).toBeLessThanOrEqual(8);
      expect(res.body.suggestions[0]).toMatchObject({ kind: 'martyr', label: expect.stringMatching(/^Nguyễn Văn Th/), url: expect.stringMatching(/^\/liet-si\//) });
      const duc = await get('/api/suggest', { q: 'dang v' });
      expect(duc.body.suggestions[0]).toMatchObject({ id: fx.martyrs.duc, label: 'Đặng Văn Đức', detail: '1947–1969 · Nghệ An' });
    });
  });

  describe('records', () => {
    it('returns a martyr with every public field and its grave, and no private one', async () => {
      const res = await get(`/api/martyrs/${fx.martyrs.thanhHaTinh1948}`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        id: fx.martyrs.thanhHaTinh1948,
        fullName: 'Nguyễn Văn Thành',
        birthDate: '1948',
        deathDate: '1968',
        hometown: 'Thạch Kim, Thạch Hà, Hà Tĩnh',
        hometownPlace: { commune: { code: '18568', name: 'Lộc Hà' }, province: { code: '42', name: 'Hà Tĩnh' }, before2025: { commune: 'Thạch Kim', district: 'Thạch Hà', province: 'Hà Tĩnh' } },
        grave: { cemetery: { id: fx.cemeteries.haTinh, name: 'Nghĩa trang liệt sĩ tỉnh Hà Tĩnh' }, location: { lat: expect.any(Number), lng: expect.any(Number) } },
        url: `/liet-si/${fx.martyrs.thanhHaTinh1948}-nguyen-van-thanh`,
      });
      const withSlug = await get(`/api/martyrs/${fx.martyrs.thanhHaTinh1948}-nguyen-van-thanh`);
      expect(withSlug.body.id).toBe(fx.martyrs.thanhHaTinh1948);
      const noGrave = await get(`/api/martyrs/${fx.martyrs.noGrave}`);
      expect(noGrave.body.grave).toBeNull();
      expect(JSON.stringify(noGrave.body)).not.toContain('GCN-SECRET-123');
      expect(noGrave.body.certificate).toEqual({ date: null });
    });

    it('answers 404 for an unknown or confidential martyr, as for any unknown record', async () => {
      for (const path of [`/api/martyrs/${fx.martyrs.confidential}`, '/api/martyrs/987654321', '/api/graves/987654321', '/api/cemeteries/987654321']) {
        const res = await get(path);
        expect(res.status, path).toBe(404);
        expect(res.body.error.code).toBe('not_found');
      }
    });

    it('returns a grave with partial information, and a grave with its public martyrs only', async () => {
      const partial = await get(`/api/graves/${fx.graves.partial}`);
      expect(partial.body).toMatchObject({ state: 'partial', known: { name: 'Liệt sĩ Hùng', unit: 'Trung đoàn 209, Sư đoàn 312', deathDate: '1972' }, martyrs: [] });
      const confidentialGrave = await t.db('martyrs').where({ id: fx.martyrs.confidential }).first();
      const grave = await get(`/api/graves/${confidentialGrave.grave_id}`);
      expect(grave.status).toBe(200);
      expect(grave.body.martyrs).toEqual([]);
      expect(JSON.stringify(grave.body)).not.toContain('Bảo Mật');
      // Its headstone would name them: no inscription, no photo.
      await t.db('graves').where({ id: confidentialGrave.grave_id }).update({ inscription: 'LIỆT SĨ\nNGUYỄN VĂN BẢO MẬT' });
      const again = await get(`/api/graves/${confidentialGrave.grave_id}`);
      expect(again.body.inscription).toBeNull();
      expect(JSON.stringify(again.body).toLowerCase()).not.toContain('bảo mật');
    });

    it('returns cemeteries with their grave counts, filterable by province', async () => {
      const res = await get('/api/cemeteries');
      expect(res.body.total).toBe(2);
      const truongSon = res.body.items.find((c: { id: number }) => c.id === fx.cemeteries.truongSon);
      expect(truongSon).toMatchObject({ level: 'national', province: { code: '44', name: 'Quảng Trị' }, graves: { partial: 1, unknown: 1 } });
      expect((await get('/api/cemeteries', { province: '42' })).body.items.map((c: { id: number }) => c.id)).toEqual([fx.cemeteries.haTinh]);
      const detail = await get(`/api/cemeteries/${fx.cemeteries.haTinh}`);
      expect(detail.body.boundary.type).toBe('MultiPolygon');
    });

    it('pages martyrs and graves in a stable order with a total, public records only', async () => {
      const total = Number((await t.db('martyrs').where({ is_public: true }).count({ n: '*' }))[0]!.n);
      const seen = new Set<number>();
      for (let page = 1; ; page++) {
        const res = await get('/api/martyrs', { page: String(page), perPage: '100' });
        expect(res.body.total).toBe(total);
        for (const item of res.body.items) seen.add(item.id);
        if (res.body.items.length < 100) break;
      }
      expect(seen.size).toBe(total);
      expect(seen.has(fx.martyrs.confidential)).toBe(false);
      const graves = await get('/api/graves', { perPage: '5' });
      const ids = graves.body.items.map((g: { id: number }) => g.id);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      expect(graves.body.total).toBe(Number((await t.db('graves').count({ n: '*' }))[0]!.n));
    });
  });
});
