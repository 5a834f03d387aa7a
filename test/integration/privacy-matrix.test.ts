/**
 * The one visibility rule, surface by surface: every public page, API answer, tile, search document
 * and photo file, against three graves where a confidential martyr lies (alone; in a collective
 * grave beside a public martyr; linked to a grave whose headstone carries a partial name). Nothing
 * the confidential records or their headstones say may come out; the public martyr of the
 * collective grave and a public grave's photo must (so hiding everything fails too).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { VectorTile } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';
import request from 'supertest';
import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMeiliClient } from '../../server/search/client.js';
import { ensureIndex } from '../../server/search/index-writer.js';
import { drainOnce } from '../../server/search/outbox-drain.js';
import { newTrackingCode } from '../../server/submissions/tracking-code.js';
import { reindex } from '../../server/search/reindex.js';
import { slugify } from '../../server/text/vietnamese.js';
import { loadSearchFixture, type SearchFixture } from '../support/search-fixtures.js';
import { createStaff, signIn } from '../support/staff.js';
import { createTestDatabase, silentLogger, testApp, testConfig, testMeili, type TestDatabase } from '../support/services.js';
import { binary, tileOf } from '../support/http-body.js';
import { secretChecker } from '../support/secrets.js';

type Feature = { layer: string; id: number | undefined; properties: Record<string, unknown> };

function featuresOf(raw: Buffer): Feature[] {
  if (!raw.length) return [];
  const tile = new VectorTile(new PbfReader(raw));
  return Object.entries(tile.layers).flatMap(([name, layer]) =>
    Array.from({ length: layer.length }, (_, i) => {
      const f = layer.feature(i);
      return { layer: name, id: f.id, properties: f.properties as Record<string, unknown> };
    }),
  );
}

/** What the three confidential records and their headstones say: none of it may leave. */
const CONFIDENTIAL = {
  alone: { full_name: 'Lê Văn Kín Đáo', unit: 'Trung đoàn Kín Đáo 901', hometown_text: 'Xóm Kín Đáo, Hà Tĩnh', place_of_death: 'Đồi Kín Đáo 902' },
  collective: { full_name: 'Lý Văn Ẩn Danh', unit: 'Tiểu đoàn Ẩn Danh 903', hometown_text: 'Làng Ẩn Danh, Nghệ An', place_of_death: 'Suối Ẩn Danh 904' },
  partial: { full_name: 'Tạ Văn Giấu Tên', unit: 'Đại đội Giấu Tên 905', hometown_text: 'Thôn Giấu Tên', place_of_death: 'Dốc Giấu Tên 906' },
};
const HEADSTONES = {
  alone: { inscription: 'LIỆT SĨ LÊ VĂN KÍN ĐÁO 1970' },
  collective: { inscription: 'MỘ CHUNG: PHAN VĂN CÔNG KHAI, LÝ VĂN ẨN DANH' },
  partial: {
    inscription: 'LIỆT SĨ GIẤU TÊN E905',
    known_name: 'Liệt sĩ Giấu Tên Bia',
    known_unit: 'E905 Bia Giấu',
    known_hometown: 'Quê Bia Giấu',
    known_place_of_death: 'Nơi Bia Giấu',
    known_death_year: 1971,
  },
};
const PUBLIC_NAME = 'Phan Văn Công Khai';
const NOTE = 'Ghi chú nội bộ không công bố 907';
/** Photo keys carry a hash; a withheld grave's hash must never be named anywhere public. */
const HASHES = { alone: 'aaaa000000000001', collective: 'bbbb000000000002', partial: 'cccc000000000003', public: 'dddd000000000004' };

const SECRETS = [
  ...Object.values(CONFIDENTIAL).flatMap((m) => Object.values(m)),
  ...Object.values(HEADSTONES).flatMap((h) => Object.values(h).filter((v): v is string => typeof v === 'string')),
  NOTE,
  HASHES.alone, HASHES.collective, HASHES.partial,
];
// A martyr page's address carries the name's slug: a confidential one must not appear as one either.
const SECRET_SLUGS = Object.values(CONFIDENTIAL).map((m) => slugify(m.full_name));
// Every word a relative might guess, as typed into a search box.
const GUESSES = [...Object.values(CONFIDENTIAL).map((m) => m.full_name), HEADSTONES.partial.known_name, 'Giấu Tên', 'Ẩn Danh', 'Kín Đáo'];

const expectNoSecret = secretChecker(SECRETS, SECRET_SLUGS);

describe('one visibility rule on every public surface', () => {
  let t: TestDatabase;
  let fx: SearchFixture;
  let app: Express;
  let degradedApp: Express;
  let dataDir: string;
  let indexUid: string;
  const graves = { alone: 0, collective: 0, partial: 0 };
  const martyrs = { alone: 0, collective: 0, partial: 0, public: 0 };
  const positions: Record<keyof typeof graves, { lng: number; lat: number }> = {
    alone: { lng: 105.8951, lat: 18.3451 },
    collective: { lng: 105.8953, lat: 18.3451 },
    partial: { lng: 105.8955, lat: 18.3451 },
  };

  beforeAll(async () => {
    t = await createTestDatabase('privacy');
    fx = await loadSearchFixture(t.db);
    const { db } = t;
    let plot = 900;
    const grave = async (kind: keyof typeof graves, extra: Record<string, unknown>) => {
      const [row] = await db('graves')
        .insert({ cemetery_id: fx.cemeteries.haTinh, row_label: '90', plot_number: String(++plot), position: db.raw('ST_SetSRID(ST_MakePoint(?, ?), 4326)', [positions[kind].lng, positions[kind].lat]), ...extra })
        .returning('id');
      return Number(row!.id);
    };
    graves.alone = await grave('alone', { state: 'identified', ...HEADSTONES.alone });
    graves.collective = await grave('collective', { state: 'identified', is_collective: true, ...HEADSTONES.collective });
    graves.partial = await grave('partial', { state: 'partial', ...HEADSTONES.partial });
    const martyr = async (fields: Record<string, unknown>) => Number((await db('martyrs').insert({ gender: 'male', death_year: 1970, ...fields }).returning('id'))[0]!.id);
    martyrs.public = await martyr({ full_name: PUBLIC_NAME, hometown_text: 'Hà Tĩnh', grave_id: graves.collective });
    martyrs.alone = await martyr({ ...CONFIDENTIAL.alone, is_public: false, internal_notes: NOTE, grave_id: graves.alone });
    martyrs.collective = await martyr({ ...CONFIDENTIAL.collective, is_public: false, internal_notes: NOTE, grave_id: graves.collective });
    martyrs.partial = await martyr({ ...CONFIDENTIAL.partial, is_public: false, internal_notes: NOTE, grave_id: graves.partial });

    // A headstone photo on each of the three graves, and one on a public grave (Thành's) that must stay public.
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'mls-privacy-'));
    const photo = async (graveId: number, hash: string) => {
      const key = (size: string) => `graves/${graveId}/${hash}-${size}.jpg`;
      await db('photos').insert({
        grave_id: graveId, original_key: `originals/${hash}.jpg`, full_key: key('full'), page_key: key('page'), thumb_key: key('thumb'),
        content_hash: hash.padEnd(64, '0'), width: 600, height: 800, bytes: 1000, is_current: true,
      });
      await mkdir(path.join(dataDir, 'photos', 'graves', String(graveId)), { recursive: true });
      for (const size of ['full', 'page', 'thumb']) await writeFile(path.join(dataDir, 'photos', key(size)), Buffer.from(`jpeg ${size}`));
    };
    await photo(graves.alone, HASHES.alone);
    await photo(graves.collective, HASHES.collective);
    await photo(graves.partial, HASHES.partial);
    await photo(fx.graves.ofThanh, HASHES.public);

    indexUid = `test_privacy_${randomBytes(4).toString('hex')}`;
    await ensureIndex(testMeili(), indexUid);
    await reindex(db, testMeili(), indexUid, silentLogger);
    const config = testConfig({ MEILI_INDEX: indexUid, DATA_DIR: dataDir });
    app = await testApp(db, { config });
    // Nothing listens on port 9: every search falls back to PostgreSQL.
    degradedApp = await testApp(db, { config, meili: createMeiliClient('http://127.0.0.1:9', 'none', 500) });
  });
  afterAll(async () => {
    await testMeili().deleteIndexIfExists(indexUid);
    await t.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const page = async (url: string) => {
    const res = await request(app).get(url).set('Accept', 'text/html').redirects(2);
    return Object.assign(res, { text: res.text.replace(/&#x3D;/g, '=') });
  };

  describe('pages', () => {
    it('martyr pages: a confidential martyr has none; the public one beside it shows no withheld photo or companion', async () => {
      for (const kind of ['alone', 'collective', 'partial'] as const) {
        expect((await page(`/liet-si/${martyrs[kind]}`)).status, kind).toBe(404);
      }
      for (const url of [`/liet-si/${martyrs.public}`, `/liet-si/${martyrs.public}?print=1`]) {
        const res = await page(url);
        expect(res.status, url).toBe(200);
        expect(res.text).toContain(PUBLIC_NAME);
        expect(res.text).not.toContain('/photos/');
        expectNoSecret(url, res.text);
      }
      // The control: a public grave's photo is on its martyr's page.
      expect((await page(`/liet-si/${fx.martyrs.thanh}`)).text).toContain(`/photos/graves/${fx.graves.ofThanh}/${HASHES.public}-page.jpg`);
    });

    it('grave pages and their print sheets show the place and the public martyr, not the headstone', async () => {
      for (const kind of ['alone', 'collective', 'partial'] as const) {
        for (const url of [`/mo/${graves[kind]}`, `/mo/${graves[kind]}?print=1`]) {
          const res = await page(url);
          expect(res.status, url).toBe(200);
          expect(res.text).toContain('Nghĩa trang liệt sĩ tỉnh Hà Tĩnh');
          expect(res.text).not.toContain('/photos/');
          expectNoSecret(url, res.text);
        }
      }
      expect((await page(`/mo/${graves.collective}`)).text).toContain(PUBLIC_NAME);
    });

    it("the cemetery page lists the graves, and its search finds the public martyr but answers no guess of a withheld name", async () => {
      const list = await page(`/nghia-trang/${fx.cemeteries.haTinh}?q=${encodeURIComponent('hàng 90')}`);
      expect(list.status).toBe(200);
      for (const kind of ['alone', 'collective', 'partial'] as const) expect(list.text).toContain(`href="/mo/${graves[kind]}"`);
      expectNoSecret('cemetery page', list.text);
      const found = await page(`/nghia-trang/${fx.cemeteries.haTinh}?q=${encodeURIComponent(PUBLIC_NAME)}`);
      expect(found.text).toContain(`href="/mo/${graves.collective}"`);
      for (const guess of GUESSES) {
        const res = await page(`/nghia-trang/${fx.cemeteries.haTinh}?q=${encodeURIComponent(guess)}`);
        expect(res.status).toBe(200);
        for (const kind of ['alone', 'collective', 'partial'] as const) expect(res.text, `"${guess}" finds the ${kind} grave`).not.toContain(`href="/mo/${graves[kind]}"`);
      }
    });

    it('the search results page answers no guess of a withheld record, and finds the public martyr', async () => {
      for (const guess of GUESSES) {
        const res = await page(`/tim-kiem?q=${encodeURIComponent(guess)}`);
        expect(res.status).toBe(200);
        for (const kind of ['alone', 'collective', 'partial'] as const) {
          expect(res.text, guess).not.toContain(`/liet-si/${martyrs[kind]}-`);
          expect(res.text, guess).not.toContain(`href="/mo/${graves[kind]}"`);
        }
        // The page repeats what was typed; nothing else the records say may be on it.
        expectNoSecret(`/tim-kiem "${guess}"`, res.text.replaceAll(guess, '').replaceAll(encodeURIComponent(guess), ''));
      }
      expect((await page(`/tim-kiem?q=${encodeURIComponent(PUBLIC_NAME)}`)).text).toContain(`/liet-si/${martyrs.public}-`);
    });

    it('the province page, home page, counts and sitemaps count and list only public records', async () => {
      for (const url of ['/tinh', '/tinh/ha-tinh', '/', '/api/stats']) {
        const res = await page(url);
        expect(res.status, url).toBe(200);
        expectNoSecret(url, res.text);
      }
      const stats = (await request(app).get('/api/stats')).body as { martyrs: number; photos: number };
      const publicMartyrs = Number((await t.db('martyrs').where({ is_public: true }).count({ n: '*' }))[0]!.n);
      expect(stats.martyrs).toBe(publicMartyrs);
      // Thành's photo is public; the three others are withheld.
      expect(stats.photos).toBe(1);

      const sitemap = await request(app).get('/sitemap.xml');
      const files = [...sitemap.text.matchAll(/<loc>[^<]*(\/sitemaps\/[^<]+)<\/loc>/g)].map((m) => m[1]!);
      const bodies = [sitemap.text, ...(await Promise.all(files.map(async (f) => (await request(app).get(f)).text)))].join('\n');
      expect(bodies).toContain(`/liet-si/${martyrs.public}-`);
      for (const kind of ['alone', 'collective', 'partial'] as const) expect(bodies).not.toContain(`/liet-si/${martyrs[kind]}-`);
      expectNoSecret('sitemap', bodies);
    });
  });

  describe('sending information and following it', () => {
    it('the send-information form knows no confidential record, and shows no withheld headstone of a grave', async () => {
      for (const kind of ['alone', 'collective', 'partial'] as const) {
        const about = await page(`/gui-thong-tin?martyr=${martyrs[kind]}`);
        expect(about.status, kind).toBe(404);
        expectNoSecret(`/gui-thong-tin?martyr (${kind})`, about.text);
        const grave = await page(`/gui-thong-tin?grave=${graves[kind]}`);
        expect(grave.status, kind).toBeLessThan(500);
        expectNoSecret(`/gui-thong-tin?grave (${kind})`, grave.text);
      }
      expect((await page(`/gui-thong-tin?martyr=${martyrs.public}`)).text).toContain(PUBLIC_NAME);
    });

    it("the tracking page of a submission about a confidential martyr names neither the martyr nor the sender's contact", async () => {
      const code = newTrackingCode();
      const sender = { sender_name: 'Người Gửi Riêng Tư 908', sender_contact: '0988 000 908' };
      await t.db('submissions').insert({ tracking_code: code, kind: 'martyr_correction', martyr_id: martyrs.alone, message: 'Thông tin bổ sung.', ...sender });
      const tracked = await page(`/theo-doi/${code}`);
      expect(tracked.status).toBe(200);
      expectNoSecret('/theo-doi/:code', tracked.text);
      for (const value of Object.values(sender)) expect(tracked.text).not.toContain(value);
    });
  });

  describe('JSON API', () => {
    it('/api/martyrs/:id: no confidential record, and no withheld photo on the public martyr of a collective grave', async () => {
      for (const kind of ['alone', 'collective', 'partial'] as const) expect((await request(app).get(`/api/martyrs/${martyrs[kind]}`)).status).toBe(404);
      const res = await request(app).get(`/api/martyrs/${martyrs.public}`);
      expect(res.status).toBe(200);
      expect(res.body.fullName).toBe(PUBLIC_NAME);
      expect(res.body.grave.id).toBe(graves.collective);
      expect(res.body.grave.photo).toBeNull();
      expectNoSecret('/api/martyrs/:id', res.body);
      expect((await request(app).get(`/api/martyrs/${fx.martyrs.thanh}`)).body.grave.photo.url).toBe(`/photos/graves/${fx.graves.ofThanh}/${HASHES.public}-page.jpg`);
    });

    it('/api/martyrs and /api/graves: every page, nothing withheld', async () => {
      for (const base of ['/api/martyrs', `/api/graves?cemetery=${fx.cemeteries.haTinh}`]) {
        let total = Infinity;
        const seen: unknown[] = [];
        for (let p = 1; (p - 1) * 100 < total; p++) {
          const res = await request(app).get(`${base}${base.includes('?') ? '&' : '?'}perPage=100&page=${p}`);
          expect(res.status).toBe(200);
          total = res.body.total;
          seen.push(...res.body.items);
        }
        expect(seen.length).toBe(total);
        expectNoSecret(base, seen);
        if (base === '/api/martyrs') expect(seen.some((m) => (m as { id: number }).id === martyrs.public)).toBe(true);
      }
    });

    it('/api/graves/:id: the place and the public martyrs, no inscription, known fields or photo', async () => {
      for (const kind of ['alone', 'collective', 'partial'] as const) {
        const res = await request(app).get(`/api/graves/${graves[kind]}`);
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({ inscription: null, known: null, photo: null, location: positions[kind] });
        expectNoSecret(`/api/graves/${kind}`, res.body);
      }
      expect((await request(app).get(`/api/graves/${graves.collective}`)).body.martyrs.map((m: { fullName: string }) => m.fullName)).toEqual([PUBLIC_NAME]);
    });

    it('/api/cemeteries and /api/cemeteries/:id', async () => {
      for (const url of ['/api/cemeteries?perPage=100', `/api/cemeteries/${fx.cemeteries.haTinh}`]) {
        const res = await request(app).get(url);
        expect(res.status).toBe(200);
        expectNoSecret(url, res.body);
      }
    });

    for (const mode of ['Meilisearch', 'the PostgreSQL fallback'] as const) {
      it(`/api/search and /api/suggest from ${mode}: no guess finds a withheld record, the public martyr is found without its photo`, async () => {
        const target = mode === 'Meilisearch' ? app : degradedApp;
        const degraded = mode !== 'Meilisearch';
        for (const guess of GUESSES) {
          const res = await request(target).get('/api/search').query({ q: guess, perPage: '100' });
          expect(res.status).toBe(200);
          expect(res.body.degraded).toBe(degraded);
          const ids = res.body.hits.map((h: { kind: string; id: number }) => `${h.kind}-${h.id}`);
          for (const kind of ['alone', 'collective', 'partial'] as const) {
            expect(ids, guess).not.toContain(`martyr-${martyrs[kind]}`);
            expect(ids, guess).not.toContain(`grave-${graves[kind]}`);
          }
          expectNoSecret(`search "${guess}"`, res.body.hits);
          const suggest = await request(target).get('/api/suggest').query({ q: guess });
          expect(suggest.status).toBe(200);
          expectNoSecret(`suggest "${guess}"`, suggest.body.suggestions);
        }
        // The partial headstone's name is not even counted (the fallback counts candidates before building documents).
        if (degraded) expect((await request(target).get('/api/search').query({ q: 'giau ten bia', kind: 'grave' })).body.total).toBe(0);

        const found = await request(target).get('/api/search').query({ q: PUBLIC_NAME });
        expect(found.body.hits[0]).toMatchObject({ kind: 'martyr', id: martyrs.public, photoUrl: null });
        const withPhoto = await request(target).get('/api/search').query({ hasPhoto: 'true', perPage: '100' });
        expect(withPhoto.body.hits.map((h: { id: number }) => h.id)).toEqual([fx.martyrs.thanh]);
        expectNoSecret('search hasPhoto', withPhoto.body);
        expect((await request(target).get('/api/suggest').query({ q: 'phan van cong' })).body.suggestions[0].label).toBe(PUBLIC_NAME);
      });
    }
  });

  it('search documents in the index hold nothing withheld', async () => {
    const { results } = await testMeili().index(indexUid).getDocuments({ limit: 10_000 });
    expect(results.length).toBeGreaterThan(300);
    expectNoSecret('the index', results);
    const publicDoc = results.find((d) => d.id === `martyr-${martyrs.public}`);
    expect(publicDoc).toMatchObject({ fullName: PUBLIC_NAME, hasPhoto: false, photoUrl: null });
    for (const kind of ['alone', 'collective', 'partial'] as const) {
      expect(results.find((d) => d.id === `martyr-${martyrs[kind]}`)).toBeUndefined();
      expect(results.find((d) => d.id === `grave-${graves[kind]}`)).toBeUndefined();
    }
  });

  describe('tiles', () => {
    const fetchTile = async (layer: string, z: number, x: number, y: number) => {
      const res = await request(app).get(`/tiles/${layer}/${z}/${x}/${y}.mvt`).buffer(true).parse(binary);
      expect([200, 204]).toContain(res.status);
      return featuresOf(res.body as Buffer);
    };

    it('the graves layer, in the tile that holds each grave at every zoom band, and the cemeteries layer', async () => {
      for (const kind of ['alone', 'collective', 'partial'] as const) {
        for (const z of [4, 7, 8, 12, 13, 14, 15, 17, 22]) {
          const at = tileOf(positions[kind].lng, positions[kind].lat, z);
          const features = [...(await fetchTile('graves', at.z, at.x, at.y)), ...(await fetchTile('cemeteries', at.z, at.x, at.y))];
          expect(features.length, `${kind} z${z}`).toBeGreaterThan(0);
          expectNoSecret(`${kind} tile z${z}`, features);
          if (z >= 15) {
            const own = features.find((f) => f.layer === 'graves' && f.id === graves[kind]);
            expect(own, `${kind} z${z}`).toBeDefined();
            expect(own!.properties.photo).toBe(false);
            if (kind === 'collective') expect(own!.properties.name).toBe(PUBLIC_NAME);
            else expect(own!.properties.name).toBeUndefined();
          }
        }
      }
      const { rows } = await t.db.raw('SELECT ST_X(position) AS lng, ST_Y(position) AS lat FROM graves WHERE id = ?', [fx.graves.ofThanh]);
      const thanh = tileOf(Number(rows[0].lng), Number(rows[0].lat), 17);
      const control = (await fetchTile('graves', thanh.z, thanh.x, thanh.y)).find((f) => f.id === fx.graves.ofThanh);
      expect(control?.properties.photo).toBe(true);
    });
  });

  it('/photos serves no file of a withheld headstone, and a public one for good', async () => {
    for (const kind of ['alone', 'collective', 'partial'] as const) {
      for (const size of ['thumb', 'page', 'full']) {
        const hash = HASHES[kind];
        expect((await request(app).get(`/photos/graves/${graves[kind]}/${hash}-${size}.jpg`)).status, `${kind} ${size}`).toBe(404);
      }
    }
    const control = await request(app).get(`/photos/graves/${fx.graves.ofThanh}/${HASHES.public}-page.jpg`);
    expect(control.status).toBe(200);
    expect(control.headers['cache-control']).toMatch(/immutable/);
  });

  it("staff whose scope has the grave still see its withheld photo at the same address, privately; other staff do not", async () => {
    const mine = await createStaff(t.db, [{ role: 'cemetery_staff', provinceCode: null, cemeteryId: fx.cemeteries.haTinh }]);
    const theirs = await createStaff(t.db, [{ role: 'cemetery_staff', provinceCode: null, cemeteryId: fx.cemeteries.truongSon }]);
    const url = `/photos/graves/${graves.collective}/${HASHES.collective}-thumb.jpg`;
    const own = await (await signIn(app, mine.email)).agent.get(url);
    expect(own.status).toBe(200);
    expect(own.headers['cache-control']).toBe('private, no-store');
    expect((await (await signIn(app, theirs.email)).agent.get(url)).status).toBe(404);
  });

  it('a martyr made confidential later takes the photo off the documents of the others in the grave', async () => {
    const grave = Number((await t.db('graves').insert({ cemetery_id: fx.cemeteries.haTinh, row_label: '91', plot_number: '1', state: 'identified', is_collective: true }).returning('id'))[0]!.id);
    // In this order: the grave's display name stays the first's, so no change of the grave itself wakes the outbox.
    const insert = async (full_name: string) => Number((await t.db('martyrs').insert({ full_name, gender: 'male', grave_id: grave }).returning('id'))[0]!.id);
    const first = await insert('Đinh Văn Trước');
    const second = await insert('Đinh Văn Sau');
    await t.db('photos').insert({
      grave_id: grave, original_key: 'originals/e.jpg', full_key: `graves/${grave}/eeee-full.jpg`, page_key: `graves/${grave}/eeee-page.jpg`, thumb_key: `graves/${grave}/eeee-thumb.jpg`,
      content_hash: 'e'.repeat(64), width: 1, height: 1, bytes: 1, is_current: true,
    });
    const drain = async () => {
      while ((await drainOnce(t.db, testMeili(), indexUid, silentLogger)) > 0);
    };
    await drain();
    const doc = async (id: number) => testMeili().index(indexUid).getDocument(`martyr-${id}`);
    expect((await doc(first)).hasPhoto).toBe(true);

    await t.db('martyrs').where({ id: second }).update({ is_public: false });
    await drain();
    expect(await doc(first)).toMatchObject({ hasPhoto: false, photoUrl: null });
    await expect(doc(second)).rejects.toThrow();
  });
});
