/**
 * What a relative types, and what must come back: each case runs against a real Meilisearch with
 * the portal's settings, on records built from PostgreSQL by the real rebuild.
 */
import request from 'supertest';
import type { Express } from 'express';
import { beforeAll, describe, expect, it } from 'vitest';
import { syncRecords } from '../../server/search/outbox-drain.js';
import type { SearchFixture } from '../support/search-fixtures.js';
import { useSearchSetup } from '../support/search-setup.js';
import { testMeili, type TestDatabase } from '../support/services.js';


describe('search finds what relatives type', () => {
  let t: TestDatabase;
  let fx: SearchFixture;
  let app: Express;
  let indexUid: string;

  useSearchSetup('finds', (setup) => ({ t, fx, app, indexUid } = setup));
  // Namesakes in all but the last word, for the typo and diacritic cases below.
  beforeAll(async () => {
    const distractors = (await t.db('martyrs').insert([{ full_name: 'Nguyễn Văn Long', gender: 'male' }, { full_name: 'Nguyễn Văn Lâm', gender: 'male' }]).returning('id')).map((r) => Number(r.id));
    await syncRecords(t.db, testMeili(), indexUid, distractors, []);
  });

  const search = async (q: string, extra: Record<string, string> = {}) => {
    const res = await request(app).get('/api/search').query({ q, ...extra });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.degraded).toBe(false);
    return res.body as { total: number; hits: Array<{ kind: string; id: number; fullName: string | null; [k: string]: unknown }> };
  };
  const ids = (body: { hits: Array<{ id: number; kind: string }> }, kind = 'martyr') => body.hits.filter((h) => h.kind === kind).map((h) => h.id);

  it("finds Nguyễn Văn Thành from 'nguyen van thanh'", async () => {
    const body = await search('nguyen van thanh');
    expect(body.total).toBeGreaterThan(100);
    expect(body.hits[0]!.fullName?.normalize('NFD').replace(/\p{M}/gu, '')).toBe('Nguyen Van Thanh');
  });

  it("matches đ with d: 'dang van duc' finds Đặng Văn Đức", async () => {
    expect(ids(await search('dang van duc'))[0]).toBe(fx.martyrs.duc);
  });

  /**
   * Every Nguyễn Văn Thành and Nguyễn Văn Thanh, and nothing else: a query that lost its last word
   * ("nguyen van") would also bring the Nguyễn Văn Long and Lâm the test adds.
   */
  const expectAllThanh = async (body: Awaited<ReturnType<typeof search>>) => {
    const { rows } = await t.db.raw<{ rows: { n: string }[] }>("SELECT count(*) AS n FROM public_martyrs WHERE fold_vietnamese(full_name) = 'nguyen van thanh'");
    expect(body.total).toBe(Number(rows[0]!.n));
    const folded = body.hits.map((h) => h.fullName?.normalize('NFD').replace(/\p{M}/gu, ''));
    expect(new Set(folded)).toEqual(new Set(['Nguyen Van Thanh']));
  };

  it("forgives wrongly typed diacritics: 'Nguyên Văn Thanh' finds every Nguyễn Văn Thanh and Thành, and only them", async () => {
    await expectAllThanh(await search('Nguyên Văn Thanh', { perPage: '100' }));
  });

  it("forgives one typo, also in a short syllable: 'nguyen van thnah', 'tran van hug'", async () => {
    await expectAllThanh(await search('nguyen van thnah', { perPage: '100' }));
    expect(ids(await search('tran van hug'))[0]).toBe(fx.martyrs.hung);
    expect(ids(await search('dang van duk'))[0]).toBe(fx.martyrs.duc);
  });

  it('treats i and y alike, and either tone-mark placement, in NFC or NFD input', async () => {
    expect(ids(await search('Bùi Sĩ Quí'))).toContain(fx.martyrs.lietSy);
    expect(ids(await search('le dinh thuy'))).toContain(fx.martyrs.thuyDotBelow);
    expect(ids(await search('Lê Đình Thuỵ'))[0]).toBe(fx.martyrs.thuyDotBelow);
    expect(ids(await search('Phạm Quang Thụy'))[0]).toBe(fx.martyrs.thuyDotOnY);
    expect(ids(await search('Phạm Quang Thụy'.normalize('NFD')))[0]).toBe(fx.martyrs.thuyDotOnY);
    // "liệt sĩ" / "liệt sỹ" before a name narrows nothing away.
    expect(ids(await search('liệt sỹ Phạm Quang Thuỵ'))[0]).toBe(fx.martyrs.thuyDotOnY);
    expect(ids(await search('ls dang van duc'))[0]).toBe(fx.martyrs.duc);
  });

  it('finds partial names: family and given name, the last two syllables, an alias', async () => {
    expect(ids(await search('dang duc'))).toContain(fx.martyrs.duc);
    expect(ids(await search('van duc'))).toContain(fx.martyrs.duc);
    expect(ids(await search('sau dan'))[0]).toBe(fx.martyrs.alias);
    expect(ids(await search('Tư Lâm'))[0]).toBe(fx.martyrs.alias);
  });

  it('ranks a match in the name above one that needs an alias', async () => {
    const found = ids(await search('van dan'));
    expect(found[0]).toBe(fx.martyrs.aliasWordsInName);
    expect(found).toContain(fx.martyrs.alias);
  });

  it('narrows by a year typed in the query: birth or death year', async () => {
    expect(ids(await search('nguyen van thanh 1948'))[0]).toBe(fx.martyrs.thanhHaTinh1948);
    expect(ids(await search('1968 nguyen van thanh'))[0]).toBe(fx.martyrs.thanhHaTinh1948);
  });

  it('narrows by a hometown or cemetery province typed in the query', async () => {
    expect(ids(await search('nguyen van thanh ha tinh'))[0]).toBe(fx.martyrs.thanhHaTinh1948);
    expect(ids(await search('ha tinh nguyen van thanh 1948'))[0]).toBe(fx.martyrs.thanhHaTinh1948);
    expect(ids(await search('dang van duc nghe an'))[0]).toBe(fx.martyrs.duc);
  });

  it('matches a province typed in the query as a place, not as syllables found anywhere', async () => {
    const found = ids(await search('luong van tam ha tinh'));
    expect(found[0]).toBe(fx.martyrs.tamHaTinh);
    expect(found).not.toContain(fx.martyrs.tamAliasHaTinh);
    expect(ids(await search('luong van tam'))).toEqual(expect.arrayContaining([fx.martyrs.tamHaTinh, fx.martyrs.tamAliasHaTinh]));
  });

  it('finds a hometown written "Hà Tây" by today\'s "ha noi", and one written "Hà Nội" by "ha tay"', async () => {
    expect(ids(await search('hoang van khai ha noi'))[0]).toBe(fx.martyrs.haTay);
    expect(ids(await search('vu duc khiem ha tay'))[0]).toBe(fx.martyrs.haNoiWritten);
  });

  it('finds a commune merged in 2025 by its old and its new name', async () => {
    expect(ids(await search('hoang van khai phu chau'))[0]).toBe(fx.martyrs.haTay);
    expect(ids(await search('hoang van khai vat lai'))[0]).toBe(fx.martyrs.haTay);
    // Thái Bình is in Hưng Yên since 2025: the old and the new province both find the record.
    expect(ids(await search('pham quang thuy thai binh'))[0]).toBe(fx.martyrs.thuyDotOnY);
    expect(ids(await search('pham quang thuy hung yen'))[0]).toBe(fx.martyrs.thuyDotOnY);
  });

  it('ranks, among hundreds of namesakes, the one whose hometown, years and unit match', async () => {
    const body = await search('nguyen van thanh ha tinh 1948');
    expect(body.hits[0]!.id).toBe(fx.martyrs.thanhHaTinh1948);
    const byUnit = await search('nguyen van thanh su doan 320 1950');
    expect(byUnit.hits[0]!.id).toBe(fx.martyrs.thanh);
  });

  it('ranks exact diacritics above stripped ones', async () => {
    const marked = await search('Nguyễn Văn Thành', { perPage: '30' });
    const names = marked.hits.map((h) => h.fullName);
    const firstUnmarked = names.indexOf('Nguyễn Văn Thanh');
    const lastMarked = names.lastIndexOf('Nguyễn Văn Thành');
    expect(firstUnmarked === -1 || firstUnmarked > lastMarked).toBe(true);
    const unmarked = await search('Nguyễn Văn Thanh', { perPage: '30' });
    expect(unmarked.hits.slice(0, 10).every((h) => h.fullName === 'Nguyễn Văn Thanh')).toBe(true);
  });

  it('finds graves with partial information, and returns them as kind "grave"', async () => {
    const body = await search('trung doan 209 1972');
    const grave = body.hits.find((h) => h.kind === 'grave');
    expect(grave?.id).toBe(fx.graves.partial);
    expect(grave?.fullName).toBeNull();
    expect(grave?.url).toBe(`/mo/${fx.graves.partial}`);
  });

  it('never shows a confidential record, nor private fields', async () => {
    const body = await search('nguyen van bao mat');
    expect(ids(body)).not.toContain(fx.martyrs.confidential);
    const all = JSON.stringify(await search('', { perPage: '100' }));
    expect(all).not.toContain('Bảo Mật');
    expect(all).not.toContain('Hồ sơ mật');
    expect(all).not.toContain('GCN-SECRET-123');
    const doc = await testMeili().index(indexUid).getDocument(`martyr-${fx.martyrs.noGrave}`);
    expect(Object.keys(doc)).not.toEqual(expect.arrayContaining(['internalNotes']));
    expect(JSON.stringify(doc)).not.toContain('GCN-SECRET-123');
    await expect(testMeili().index(indexUid).getDocument(`martyr-${fx.martyrs.confidential}`)).rejects.toThrow();
  });

  it('returns hits in the documented shape', async () => {
    const body = await search('dang van duc');
    expect(Object.keys(body).sort()).toEqual(['ambiguous', 'degraded', 'facets', 'hits', 'page', 'perPage', 'query', 'tookMs', 'total']);
    expect(body.hits[0]).toMatchObject({
      kind: 'martyr',
      id: fx.martyrs.duc,
      fullName: 'Đặng Văn Đức',
      aliases: [],
      birthDate: '1947',
      deathDate: '1969',
      hometown: 'Hưng Đạo, Hưng Nguyên, Nghệ An',
      hometownProvince: 'Nghệ An',
      cemetery: { id: fx.cemeteries.truongSon, name: 'Nghĩa trang liệt sĩ Quốc gia Trường Sơn' },
      plot: expect.stringMatching(/^Hàng \d+, mộ số \d+$/),
      location: { lat: expect.any(Number), lng: expect.any(Number) },
      photoUrl: null,
      url: `/liet-si/${fx.martyrs.duc}-dang-van-duc`,
    });
    expect(body.hits[0]!.highlights).toMatchObject({ fullName: '<mark>Đặng</mark> <mark>Văn</mark> <mark>Đức</mark>' });
  });
});
