/**
 * The one visibility rule on issue 14's surfaces: the ambiguous flag, the namesake facets
 * (hometown province, birth decade, cemetery), the typo-variant step and Telex input. A
 * confidential martyr who shares a name with public ones must not be counted, faceted, found
 * through a variant, or make a name look shared; hiding the public namesakes too would fail.
 */
import request from 'supertest';
import type { Express } from 'express';
import { beforeAll, describe, expect, it } from 'vitest';
import { createMeiliClient } from '../../server/search/client.js';
import { syncRecords } from '../../server/search/outbox-drain.js';
import { useSearchSetup } from '../support/search-setup.js';
import { testApp, testConfig, testMeili, type TestDatabase } from '../support/services.js';

type Body = {
  total: number;
  ambiguous: boolean;
  hits: Array<{ id: number; fullName: string | null }>;
  facets: { hometownProvince: { code: string }[]; birthDecade: { decade: number }[]; cemetery: { id: number; name: string }[] };
};

describe('privacy matrix: namesakes, facets and typo variants', () => {
  let t: TestDatabase;
  let app: Express;
  let degradedApp: Express;
  let indexUid: string;
  const ids = { public1: 0, public2: 0, secret: 0, lonePublic: 0, loneSecret: 0, secretCemetery: 0 };

  useSearchSetup('privacy_relevance', (setup) => ({ t, app, indexUid } = setup));
  beforeAll(async () => {
    const insert = async (row: Record<string, unknown>) => Number((await t.db('martyrs').insert({ gender: 'male', ...row }).returning('id'))[0]!.id);
    // A cemetery where only the confidential namesake lies: its name must not come out as a facet.
    const { rows } = await t.db.raw<{ rows: { id: number }[] }>(
      `INSERT INTO cemeteries (name, level, province_code, old_province_code, location, boundary)
       VALUES ('Nghĩa trang Bí Mật Riêng', 'district', '11', '11', ST_SetSRID(ST_MakePoint(105.1, 21.1), 4326), ST_Multi(ST_Expand(ST_SetSRID(ST_MakePoint(105.1, 21.1), 4326), 0.002)))
       RETURNING id`,
    );
    ids.secretCemetery = Number(rows[0]!.id);
    const [grave] = await t.db('graves').insert({ cemetery_id: ids.secretCemetery, row_label: '1', plot_number: '1', state: 'identified', position: t.db.raw('ST_SetSRID(ST_MakePoint(105.1, 21.1), 4326)') }).returning('id');
    ids.public1 = await insert({ full_name: 'Quách Văn Khiêm', birth_year: 1946, hometown_province_code: '42' });
    ids.public2 = await insert({ full_name: 'Quách Văn Khiêm', birth_year: 1948, hometown_province_code: '42' });
    ids.secret = await insert({ full_name: 'Quách Văn Khiêm', birth_year: 1931, hometown_province_code: '11', is_public: false, grave_id: Number(grave!.id), internal_notes: 'Hồ sơ mật' });
    // A name one public and one confidential record carry: for the public it is not shared.
    ids.lonePublic = await insert({ full_name: 'Thái Văn Kính', birth_year: 1950 });
    ids.loneSecret = await insert({ full_name: 'Thái Văn Kính', birth_year: 1930, is_public: false });
    await syncRecords(t.db, testMeili(), indexUid, Object.values(ids).filter((id) => id !== ids.secretCemetery), []);
    degradedApp = await testApp(t.db, { config: testConfig({ MEILI_INDEX: indexUid }), meili: createMeiliClient('http://127.0.0.1:9', 'none', 500) });
  });

  const get = async (target: Express, q: string) => {
    const res = await request(target).get('/api/search').query({ q });
    expect(res.status).toBe(200);
    return res.body as Body;
  };

  it('counts and facets only the public namesakes', async () => {
    const body = await get(app, 'quach van khiem');
    expect(body.ambiguous).toBe(true);
    expect(body.total).toBe(2);
    expect(body.hits.map((h) => h.id).sort()).toEqual([ids.public1, ids.public2].sort());
    expect(body.facets.hometownProvince.map((p) => p.code)).toEqual(['42']);
    expect(body.facets.birthDecade.map((d) => d.decade)).toEqual([1940]);
    expect(body.facets.cemetery.map((c) => c.id)).not.toContain(ids.secretCemetery);
    expect(JSON.stringify(body)).not.toContain('Bí Mật Riêng');
  });

  it('does not call a name shared because a confidential record carries it too', async () => {
    const body = await get(app, 'thai van kinh');
    expect(body.hits.map((h) => h.id)).toEqual([ids.lonePublic]);
    expect(body.ambiguous).toBe(false);
  });

  it('finds no confidential record through a typo variant or Telex', async () => {
    // "tai" is a common syllable: the variant step asks for "thai".
    for (const q of ['tai van kinh', 'thais vawn kinhs', 'quachs vawn khieem']) {
      const body = await get(app, q);
      expect(body.hits.map((h) => h.id)).not.toContain(ids.loneSecret);
      expect(body.hits.map((h) => h.id)).not.toContain(ids.secret);
      expect(JSON.stringify(body)).not.toContain('Hồ sơ mật');
    }
    expect((await get(app, 'tai van kinh')).hits[0]!.id).toBe(ids.lonePublic);
  });

  it('the fallback keeps to the public records too, and calls nothing ambiguous', async () => {
    for (const q of ['quach van khiem', 'thai van kinh', 'tai van kinh']) {
      const body = await get(degradedApp, q);
      expect(body.ambiguous).toBe(false);
      expect(body.hits.map((h) => h.id)).not.toContain(ids.secret);
      expect(body.hits.map((h) => h.id)).not.toContain(ids.loneSecret);
    }
    expect((await get(degradedApp, 'quach van khiem')).hits.map((h) => h.id).sort()).toEqual([ids.public1, ids.public2].sort());
  });
});
