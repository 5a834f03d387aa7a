/**
 * Issue 14's table, row by row, against a real Meilisearch with the portal's settings: a name
 * typed with one slip must come before strangers who merely come from a commune of that name,
 * have an alias of it, or served in a unit that shares a word; common syllables typed with a slip
 * find the name meant; a bare name shared by namesakes says so and brings the facets that split
 * them; Telex and VNI find the name as if typed with diacritics. The PostgreSQL fallback answers
 * the same cases.
 */
import request from 'supertest';
import type { Express } from 'express';
import { beforeAll, describe, expect, it } from 'vitest';
import { createMeiliClient } from '../../server/search/client.js';
import { syncRecords } from '../../server/search/outbox-drain.js';
import { forgetMiddleNames } from '../../server/search/middle-names.js';
import { toDiacritics } from '../../server/text/input-methods.js';
import { useSearchSetup } from '../support/search-setup.js';
import { testApp, testConfig, testMeili, type TestDatabase } from '../support/services.js';

type Hit = { kind: string; id: number; fullName: string | null; hometown: string | null };
type Body = { total: number; ambiguous: boolean; degraded: boolean; hits: Hit[]; facets: Record<string, unknown> & { hometownProvince: { code: string; count: number }[]; birthDecade: { decade: number; count: number }[]; cemetery: { id: number; name: string; count: number }[] } };

/** The issue's rows: what was typed, who was meant, and the stranger who came first. */
const ROWS = [
  { typed: 'tran tanh', meant: 'Trần Thanh', stranger: 'Trần Trọng Quân', strangerHometown: 'xã Đồng Kho, huyện Tánh Linh, tỉnh Bình Thuận' },
  { typed: 'trung xuan chinh', meant: 'Trương Xuân Chính', stranger: 'Phan Văn Hùng', strangerAliases: ['Trung'], strangerHometown: 'xã Xuân Chính, huyện Nông Cống' },
  { typed: 'hang van manh', meant: 'Hoàng Văn Mạnh', stranger: 'Lý Văn Mạnh', strangerHometown: 'phường Hàng Bồ, quận Hoàn Kiếm' },
  { typed: 'trong the quan', meant: 'Trương Thế Quân', stranger: 'Lê Trọng Hợp', strangerHometown: 'xã Quảng Thế, huyện Quảng Trạch', strangerUnit: 'Trung đoàn 18, Quân đoàn 4' },
  { typed: 'hong van phuc', meant: 'Hoàng Văn Phúc', stranger: 'Nguyễn Văn Phúc', strangerHometown: 'xã Hồng Phong, huyện Ninh Giang' },
  { typed: 'tai van minh', meant: 'Thái Văn Minh', stranger: 'Nguyễn Văn Minh', strangerHometown: 'xã Tài Văn, huyện Trần Đề' },
] as const;

describe('search relevance: a slip in the name beats exact words in places', () => {
  let t: TestDatabase;
  let app: Express;
  let degradedApp: Express;
  let indexUid: string;
  const meant = new Map<string, number>();
  const strangers = new Map<string, number>();
  let namesakes: number[] = [];

  useSearchSetup('relevance', (setup) => ({ t, app, indexUid } = setup));
  beforeAll(async () => {
    const insert = async (row: Record<string, unknown>) => Number((await t.db('martyrs').insert({ gender: 'male', ...row }).returning('id'))[0]!.id);
    for (const row of ROWS) {
      meant.set(row.typed, await insert({ full_name: row.meant, birth_year: 1950, death_year: 1972, hometown_text: 'xã Yên Thái, huyện Yên Mô, tỉnh Ninh Bình' }));
      strangers.set(
        row.typed,
        await insert({
          full_name: row.stranger,
          aliases: 'strangerAliases' in row ? [...row.strangerAliases] : [],
          hometown_text: row.strangerHometown,
          unit: 'strangerUnit' in row ? row.strangerUnit : null,
          birth_year: 1948,
        }),
      );
    }
    // Namesakes of the strangers and of the names meant, so each query has company.
    const crowd = ['Nguyễn Văn Minh', 'Nguyễn Văn Phúc', 'Lý Văn Mạnh', 'Trần Trọng Quân', 'Lê Văn Hợp', 'Trần Văn Thanh', 'Hoàng Văn Minh'];
    const ids: number[] = [];
    for (const [i, full_name] of crowd.entries()) ids.push(await insert({ full_name, birth_year: 1940 + i, hometown_text: 'xã Thạch Kim, huyện Thạch Hà, tỉnh Hà Tĩnh' }));
    // Twelve Lê Văn Chiến, from three provinces, born in two decades: a bare name shared by namesakes.
    namesakes = [];
    for (let i = 0; i < 12; i++) {
      namesakes.push(
        await insert({ full_name: 'Lê Văn Chiến', birth_year: i < 8 ? 1945 + (i % 5) : 1952, hometown_province_code: ['42', '40', '38'][i % 3], hometown_text: null }),
      );
    }
    await syncRecords(t.db, testMeili(), indexUid, [...meant.values(), ...strangers.values(), ...ids, ...namesakes], []);
    degradedApp = await testApp(t.db, { config: testConfig({ MEILI_INDEX: indexUid }), meili: createMeiliClient('http://127.0.0.1:9', 'none', 500) });
  });

  const get = async (target: Express, q: string, extra: Record<string, string> = {}) => {
    const res = await request(target).get('/api/search').query({ q, ...extra });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body as Body;
  };

  for (const row of ROWS) {
    it(`'${row.typed}' puts ${row.meant} first, before ${row.stranger}`, async () => {
      const body = await get(app, row.typed);
      expect(body.degraded).toBe(false);
      expect(body.hits[0]?.fullName, JSON.stringify(body.hits.slice(0, 3).map((h) => h.fullName))).toBe(row.meant);
      expect(body.hits[0]!.id).toBe(meant.get(row.typed));
      const strangerAt = body.hits.findIndex((h) => h.id === strangers.get(row.typed));
      expect(strangerAt === -1 || strangerAt > 0).toBe(true);
    });
  }

  it('still puts the exact name first when it exists: the typo variants never outrank what was typed', async () => {
    // "Nguyễn Văn Minh" exists: "nguyen van minh" must not bring a Mạnh or a Thái first.
    const body = await get(app, 'nguyen van minh');
    expect(body.hits[0]!.fullName).toBe('Nguyễn Văn Minh');
    // And "hoang van minh" is Hoàng Văn Minh, not Hoàng Văn Mạnh.
    expect((await get(app, 'hoang van minh')).hits[0]!.fullName).toBe('Hoàng Văn Minh');
  });

  it("puts, for family + given name, the likeliest full names first: 'nguyen thanh' brings Nguyễn Văn Thành before Nguyễn Thanh Hải", async () => {
    const insert = async (row: Record<string, unknown>) => Number((await t.db('martyrs').insert({ gender: 'male', ...row }).returning('id'))[0]!.id);
    // Thirty "Nguyễn Thanh X": each would come before any Nguyễn Văn Thành by the engine's word positions.
    const others: number[] = [];
    for (let i = 0; i < 30; i++) others.push(await insert({ full_name: `Nguyễn Thanh ${['Hải', 'Tùng', 'Bình', 'Sơn', 'Long', 'Nam'][i % 6]}`, birth_year: 1940 + i }));
    await syncRecords(t.db, testMeili(), indexUid, others, []);
    const body = await get(app, 'nguyen thanh');
    const names = body.hits.map((h) => h.fullName?.normalize('NFD').replace(/\p{M}/gu, '').replace(/đ/gi, 'd'));
    expect(names.slice(0, 10)).toContain('Nguyen Van Thanh');
    const firstOther = names.findIndex((n) => n?.startsWith('Nguyen Thanh '));
    expect(firstOther === -1 || names.indexOf('Nguyen Van Thanh') < firstOther).toBe(true);
    // The total still counts every record the words match, once.
    expect(body.total).toBeGreaterThan(130);
  });

  it("shows, for family + given name, each full name the records give once on the first page, however many share the two words alone", async () => {
    const insert = async (row: Record<string, unknown>) => Number((await t.db('martyrs').insert({ gender: 'male', ...row }).returning('id'))[0]!.id);
    // At a million records a family + given name is a hundred "Hồ Sĩ Lực" (the two words, exactly)
    // and hundreds with a middle name: the exact two-word name must not fill the first page.
    const ids: number[] = [];
    for (let i = 0; i < 30; i++) ids.push(await insert({ full_name: 'Đàm Lực', birth_year: 1930 + i }));
    for (const [middle, n] of [['Văn', 30], ['Đình', 4], ['Hữu', 3], ['Xuân', 2]] as const) {
      for (let i = 0; i < n; i++) ids.push(await insert({ full_name: `Đàm ${middle} Lực`, birth_year: 1930 + i }));
    }
    // And twenty "Đàm Lực X", whom the engine puts first by word position.
    for (let i = 0; i < 20; i++) ids.push(await insert({ full_name: `Đàm Lực ${['Hải', 'Tùng', 'Bình', 'Sơn'][i % 4]}`, birth_year: 1940 + i }));
    await syncRecords(t.db, testMeili(), indexUid, ids, []);
    forgetMiddleNames(t.db);
    const body = await get(app, 'dam luc');
    const names = body.hits.map((h) => h.fullName);
    expect(names).toHaveLength(20);
    // The two words exactly first, then the middle names by how many records carry them.
    expect(names.slice(0, 5)).toEqual(['Đàm Lực', 'Đàm Văn Lực', 'Đàm Đình Lực', 'Đàm Hữu Lực', 'Đàm Xuân Lực']);
    // Then the namesakes take turns: the commonest full names again, no "Đàm Lực X" before them.
    expect(names.filter((n) => n === 'Đàm Văn Lực').length).toBeGreaterThan(names.filter((n) => n === 'Đàm Đình Lực').length);
    expect(names.some((n) => n?.startsWith('Đàm Lực '))).toBe(false);
    expect(body.ambiguous).toBe(true);
  });

  it("puts, for a two-word name typed with a slip, that very name first: 'truonng minh' is Trương Minh, before Trương Minh X and Trương Văn Minh", async () => {
    const insert = async (row: Record<string, unknown>) => Number((await t.db('martyrs').insert({ gender: 'male', ...row }).returning('id'))[0]!.id);
    const ids: number[] = [];
    for (let i = 0; i < 25; i++) ids.push(await insert({ full_name: `Trương Minh ${['Việt', 'Hải', 'Tùng', 'Sơn', 'Long'][i % 5]}`, birth_year: 1940 + i }));
    for (let i = 0; i < 5; i++) ids.push(await insert({ full_name: 'Trương Văn Minh', birth_year: 1940 + i }));
    const meantId = await insert({ full_name: 'Trương Minh', birth_year: 1950 });
    await syncRecords(t.db, testMeili(), indexUid, [...ids, meantId], []);
    const body = await get(app, 'truonng minh');
    expect(body.hits[0]?.fullName, JSON.stringify(body.hits.slice(0, 3).map((h) => h.fullName))).toBe('Trương Minh');
    expect(body.hits[0]!.id).toBe(meantId);
    // Without the slip the engine's own order already does it.
    expect((await get(app, 'truong minh')).hits[0]!.id).toBe(meantId);
  });

  it("finds the name meant for slips seen at 300,000 records: 'mi van hai' is Mai Văn Hải, 'lu huu loi' Lưu Hữu Lợi", async () => {
    const insert = async (row: Record<string, unknown>) => Number((await t.db('martyrs').insert({ gender: 'male', ...row }).returning('id'))[0]!.id);
    // Hà Văn My of a Hải place: "mi" is My (the index's i/y spelling), "hai" only in the place;
    // the engine forgives no typo in "hai", so his Hà is no match for it.
    const strangerMy = await insert({ full_name: 'Hà Văn My', hometown_text: 'xã Hải Thượng, huyện Hải Lăng, tỉnh Quảng Trị', birth_year: 1950 });
    const mai = await insert({ full_name: 'Mai Văn Hải', birth_year: 1951 });
    // Lữ Hữu Liêm carries "lu" and "huu" as typed; two letters take no typo in the engine.
    const strangerLu = await insert({ full_name: 'Lữ Hữu Liêm', hometown_text: 'xã Hưng Lợi, huyện Hưng Nguyên', birth_year: 1949 });
    const luu = await insert({ full_name: 'Lưu Hữu Lợi', birth_year: 1947 });
    await syncRecords(t.db, testMeili(), indexUid, [strangerMy, mai, strangerLu, luu], []);
    const my = await get(app, 'mi van hai');
    expect(my.hits[0]?.id, JSON.stringify(my.hits.slice(0, 3).map((h) => h.fullName))).toBe(mai);
    const lu = await get(app, 'lu huu loi');
    expect(lu.hits[0]?.id, JSON.stringify(lu.hits.slice(0, 3).map((h) => h.fullName))).toBe(luu);
  });

  it('sends a page of results gzipped when the client asks for it, and as it is otherwise', async () => {
    const zipped = await request(app).get('/api/search').query({ q: 'nguyen van', perPage: '40' }).set('Accept-Encoding', 'gzip, br');
    expect(zipped.status).toBe(200);
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers['vary']).toMatch(/Accept-Encoding/i);
    const plain = await request(app).get('/api/search').query({ q: 'nguyen van', perPage: '40' }).set('Accept-Encoding', 'identity');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers['content-type']).toMatch(/^application\/json/);
    // The same answer either way (supertest decodes the gzipped one), tookMs aside.
    expect({ ...zipped.body, tookMs: 0 }).toEqual({ ...plain.body, tookMs: 0 });
    expect(plain.body.hits.length).toBeGreaterThan(10);
    // A short answer (a suggestion list) is not worth compressing.
    const short = await request(app).get('/api/suggest').query({ q: 'tran' }).set('Accept-Encoding', 'gzip');
    expect(short.headers['content-encoding']).toBeUndefined();
  });

  it('says the engine calls it made (Server-Timing): one when the first answer is right, two with typo variants', async () => {
    const one = await request(app).get('/api/search').query({ q: 'tran van thanh' });
    expect(one.headers['server-timing']).toMatch(/^engine;dur=\d+(\.\d)?;desc="1 calls"$/);
    const two = await request(app).get('/api/search').query({ q: 'tai van minh' });
    expect(two.headers['server-timing']).toMatch(/desc="2 calls"/);
  });

  it('pages through a merged answer without repeating or losing a record', async () => {
    const all = await get(app, 'hong van phuc', { perPage: '40' });
    const first = await get(app, 'hong van phuc', { perPage: '2', page: '1' });
    const second = await get(app, 'hong van phuc', { perPage: '2', page: '2' });
    expect([...first.hits, ...second.hits].map((h) => h.id)).toEqual(all.hits.slice(0, 4).map((h) => h.id));
  });

  it('answers a bare name shared by namesakes as ambiguous, with the facets that split them', async () => {
    const body = await get(app, 'le van chien');
    expect(body.ambiguous).toBe(true);
    expect(body.total).toBe(12);
    expect(body.facets.hometownProvince.map((p) => [p.code, p.count])).toEqual([['38', 4], ['40', 4], ['42', 4]].sort((a, b) => Number(b[1]) - Number(a[1]) || 0));
    expect(body.facets.birthDecade).toEqual([{ decade: 1940, count: 8 }, { decade: 1950, count: 4 }]);
    // The hometown choice narrows to exactly what its count said, in the engine and in the fallback.
    const fromNgheAn = await get(app, 'le van chien', { hometown: '40' });
    expect(fromNgheAn.total).toBe(4);
    expect((await get(degradedApp, 'le van chien', { hometown: '40' })).total).toBe(4);
    // On the page, the chosen hometown shows as a chip that takes it away again.
    const page = await request(app).get('/tim-kiem').query({ q: 'le van chien', hometown: '40' });
    expect(page.status).toBe(200);
    const chip = /<a class="facet-chip facet-chip-set" href="([^"]+)">Quê Nghệ An /.exec(page.text);
    expect(chip, 'a chip for the hometown filter').not.toBeNull();
    expect(chip![1]!.replace(/&amp;/g, '&').replace(/&#x3D;/g, '=')).toBe('/tim-kiem?q=le+van+chien');
    expect((await request(app).get('/tim-kiem').query({ q: 'le van chien', hometown: '40', lang: 'en' })).text).toContain('From Nghệ An');
    const refused = await request(app).get('/api/search').query({ q: 'le van chien', hometown: 'nowhere' });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toMatch(/hometown/);
    // Not ambiguous once narrowed, nor for a name only one record carries.
    expect((await get(app, 'le van chien 1952')).ambiguous).toBe(false);
    expect((await get(app, 'truong xuan chinh')).ambiguous).toBe(false);
  });

  it('offers the cemetery as a namesake facet, by name', async () => {
    const body = await get(app, 'nguyen van thanh');
    expect(body.ambiguous).toBe(true);
    expect(body.facets.cemetery.length).toBeGreaterThan(0);
    expect(body.facets.cemetery[0]).toMatchObject({ id: expect.any(Number), name: expect.stringContaining('Nghĩa trang'), count: expect.any(Number) });
  });

  it('reads Telex and VNI typed with the input method off as the name with diacritics', async () => {
    expect(toDiacritics('nguyeenx vawn thanhf')).toBe('nguyễn văn thành');
    expect(toDiacritics('nguye6n4 va8n tha2nh')).toBe('nguyễn văn thành');
    expect(toDiacritics('truowngf xuaan chinhs')).toBe('trường xuân chính');
    // Words that are no Telex or VNI stay as typed: names without marks, years, unit numbers, "ls".
    expect(toDiacritics('ls nguyen van thanh 1968 f304 c2 tphcm daklak')).toBe('ls nguyen van thanh 1968 f304 c2 tphcm daklak');
    for (const typed of ['truowng xuaan chinhs', 'truo7ng xua6n chi1nh', 'hoangf vawn manhj', 'hoa2ng va8n ma5nh']) {
      const body = await get(app, typed);
      expect(['Trương Xuân Chính', 'Hoàng Văn Mạnh'], typed).toContain(body.hits[0]!.fullName);
      expect(body.hits[0]!.fullName!.startsWith(typed.startsWith('truo') ? 'Trương' : 'Hoàng')).toBe(true);
    }
    const marked = await get(app, 'nguyeenx vawn thanhf', { perPage: '30' });
    // As typed with diacritics: Thành before Thanh.
    const names = marked.hits.map((h) => h.fullName);
    const firstUnmarked = names.indexOf('Nguyễn Văn Thanh');
    expect(names[0]).toBe('Nguyễn Văn Thành');
    expect(firstUnmarked === -1 || firstUnmarked > names.lastIndexOf('Nguyễn Văn Thành')).toBe(true);
  });

  describe('the PostgreSQL fallback, on the same cases', () => {
    for (const row of ROWS) {
      // "tran tanh" is 9 letters: one slip leaves it a trigram word similarity of 0.58 with "tran
      // thanh", under pg_trgm's 0.6, so the fallback finds nobody (and no stranger) for it.
      const findsIt = row.typed !== 'tran tanh';
      it(`'${row.typed}' ${findsIt ? `finds ${row.meant} on the first page` : 'puts no stranger first'}, and answers degraded`, async () => {
        const body = await get(degradedApp, row.typed);
        expect(body.degraded).toBe(true);
        expect(body.ambiguous).toBe(false);
        const at = body.hits.findIndex((h) => h.id === meant.get(row.typed));
        if (findsIt) expect(at, JSON.stringify(body.hits.slice(0, 5).map((h) => h.fullName))).toBeGreaterThanOrEqual(0);
        // The fallback matches names only: a stranger from a commune of that name never comes first.
        expect(body.hits[0]?.id).not.toBe(strangers.get(row.typed));
      });
    }

    it('reads Telex too', async () => {
      const body = await get(degradedApp, 'truowngf xuaan chinhs');
      expect(body.hits.map((h) => h.fullName)).toContain('Trương Xuân Chính');
    });
  });
});
