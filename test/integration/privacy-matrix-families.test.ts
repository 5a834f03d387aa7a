/**
 * The privacy matrix for families and the unidentified (issue 17): a requester's name, phone and
 * email appear in no public page, API answer, search document, tile or audit row, whatever is
 * searched; the unidentified-graves list, the graveless list, the matching read model and the
 * tracking page read the one visibility rule, so a withheld headstone's clues and a confidential
 * martyr never come out of them. Setup copied from privacy-matrix.test.ts (the partial grave
 * where a confidential martyr lies) and the search fixture.
 */
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drainAllGraveChanges } from '../../server/families/matching.service.js';
import { ensureIndex } from '../../server/search/index-writer.js';
import { drainOnce } from '../../server/search/outbox-drain.js';
import { reindex } from '../../server/search/reindex.js';
import { loadSearchFixture, type SearchFixture } from '../support/search-fixtures.js';
import { createStaff, signIn } from '../support/staff.js';
import { createTestDatabase, silentLogger, testApp, testConfig, testMeili, type TestDatabase } from '../support/services.js';
import { secretChecker } from '../support/secrets.js';

const REQUESTER = { requesterName: 'Đinh Thị Riêng Tư', requesterPhone: '0966 111 222', requesterEmail: 'rieng.tu.917@example.vn', requesterRelation: 'con gái riêng tư' };
const CONFIDENTIAL = { full_name: 'Tạ Văn Giấu Tên', unit: 'Đại đội Giấu Tên 905', hometown_text: 'Thôn Giấu Tên', place_of_death: 'Dốc Giấu Tên 906' };
const HEADSTONE = { inscription: 'LIỆT SĨ GIẤU TÊN E905', known_name: 'Liệt sĩ Giấu Tên Bia', known_unit: 'E905 Bia Giấu', known_hometown: 'Quê Bia Giấu', known_place_of_death: 'Nơi Bia Giấu', known_death_year: 1971 };
const SECRETS = [...Object.values(REQUESTER), '0966111222', ...Object.values(CONFIDENTIAL), ...Object.values(HEADSTONE).filter((v): v is string => typeof v === 'string')];

const expectNoSecret = secretChecker(SECRETS);

describe('families: one visibility rule, and requesters stay private', () => {
  let t: TestDatabase;
  let fx: SearchFixture;
  let app: Express;
  let indexUid: string;
  let code = '';
  let withheldGrave = 0;
  let openGrave = 0;

  beforeAll(async () => {
    t = await createTestDatabase('privacy_families');
    fx = await loadSearchFixture(t.db);
    const { db } = t;
    const [w] = await db('graves').insert({ cemetery_id: fx.cemeteries.haTinh, row_label: '91', plot_number: '1', state: 'partial', ...HEADSTONE }).returning('id');
    withheldGrave = Number(w.id);
    await db('martyrs').insert({ gender: 'male', death_year: 1971, ...CONFIDENTIAL, is_public: false, grave_id: withheldGrave });
    const [o] = await db('graves').insert({ cemetery_id: fx.cemeteries.haTinh, row_label: '91', plot_number: '2', state: 'partial', known_unit: 'Trung đoàn 905', known_death_year: 1971 }).returning('id');
    openGrave = Number(o.id);
    await db('martyrs').insert({ gender: 'male', full_name: 'Lục Văn Không Mộ Kín', is_public: false, hometown_province_code: '42' });
    await drainAllGraveChanges(db);
    indexUid = `test_privacy_families_${randomBytes(4).toString('hex')}`;
    await ensureIndex(testMeili(), indexUid);
    app = await testApp(db, { config: testConfig({ MEILI_INDEX: indexUid }) });
    const sent = await request(app).post('/tim-mo').set('X-Forwarded-For', '10.18.0.1').type('form').send({
      website: '', fullName: 'Kha Văn Công Bố', hometown: 'Hà Tĩnh', province: '42', unit: 'Trung đoàn 905', deathDate: '1971', placeOfDeath: 'Mặt trận Hà Tĩnh', ...REQUESTER,
    });
    expect(sent.status).toBe(303);
    code = /\/theo-doi\/([0-9A-Z-]+)/.exec(String(sent.headers.location))![1]!;
    // Confirm the open grave, so that the audit rows and record writes of a confirmation exist too.
    const officer = await signIn(app, (await createStaff(db, [{ role: 'province_officer', provinceCode: '42', cemeteryId: null }], 'Sở Hà Tĩnh')).email);
    const candidate = await db('family_request_candidates').where({ grave_id: openGrave }).first();
    await officer.agent.post(`/quan-ly/tim-mo/${candidate.id}`).type('form').send({ _csrf: officer.csrf, version: String(candidate.version), decision: 'confirm' }).expect(303);
    await reindex(db, testMeili(), indexUid, silentLogger);
    while ((await drainOnce(db, testMeili(), indexUid, silentLogger)) > 0);
  });
  afterAll(async () => {
    await testMeili().deleteIndexIfExists(indexUid);
    await t?.drop();
  });

  it('the tracking page shows the notice and the candidates, never the requester, the withheld grave or the confidential record', async () => {
    const res = await request(app).get(`/theo-doi/${code}`);
    expect(res.status).toBe(200);
    expect(res.text).toContain(`data-grave="${openGrave}"`);
    expect(res.text).not.toContain(`data-grave="${withheldGrave}"`);
    // The record the confirmation made is public: the family's martyr, named as the notice names him.
    expect(res.text).toContain('Kha Văn Công Bố');
    for (const s of [...Object.values(REQUESTER), CONFIDENTIAL.unit, CONFIDENTIAL.hometown_text, HEADSTONE.known_unit, HEADSTONE.inscription]) expect(res.text).not.toContain(s);
  });

  it('the matching read model holds nothing of a withheld headstone', async () => {
    const row = await t.db('grave_clues').where({ grave_id: withheldGrave }).first();
    expect(row.unit_keys).toEqual([]);
    expect(row.name_words).toEqual([]);
    expect(row.death_year).toBeNull();
    expect(row.place_key).toBeNull();
  });

  it('public pages and lists show none of it', async () => {
    for (const url of ['/mo-chua-xac-dinh', '/mo-chua-xac-dinh?province=42', `/mo-chua-xac-dinh?unit=${encodeURIComponent('E905')}`, '/liet-si-chua-tim-thay-mo', '/liet-si-chua-tim-thay-mo?province=42',
      `/mo/${withheldGrave}`, `/mo/${openGrave}`, '/', '/tim-mo']) {
      const res = await request(app).get(url);
      expect(res.status, url).toBeLessThan(400);
      expectNoSecret(url, res.text);
    }
    expect((await request(app).get('/liet-si-chua-tim-thay-mo?province=42')).text).not.toContain('Lục Văn Không Mộ Kín');
  });

  it('the API and the search index answer no guess of a requester or a withheld clue', async () => {
    for (const q of [REQUESTER.requesterName, 'Riêng Tư', REQUESTER.requesterPhone, REQUESTER.requesterEmail, HEADSTONE.known_unit, 'Giấu Tên']) {
      const res = await request(app).get('/api/search').query({ q });
      expect(res.status, q).toBe(200);
      // The answer echoes the query itself; what it found must hold none of it.
      expectNoSecret(`/api/search?q=${q}`, { ...res.body, query: undefined });
      const suggest = await request(app).get('/api/suggest').query({ q });
      expectNoSecret(`/api/suggest?q=${q}`, { ...suggest.body, query: undefined });
    }
    for (const url of ['/api/martyrs?perPage=100', '/api/graves?perPage=100', `/api/graves/${withheldGrave}`, `/api/graves/${openGrave}`, '/api/stats']) {
      const res = await request(app).get(url);
      expectNoSecret(url, res.body);
    }
    const documents = await testMeili().index(indexUid).getDocuments({ limit: 1000 });
    expectNoSecret('search documents', documents.results);
  });

  it('no audit row names the requester, and no record the confirmation wrote does', async () => {
    const audit = await t.db('audit_log').select('action', 'before', 'after', 'reason');
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['family_request.create', 'family_request.confirm', 'martyr.create']));
    for (const s of Object.values(REQUESTER)) expect(JSON.stringify(audit)).not.toContain(s);
    const martyr = await t.db('martyrs').where({ grave_id: openGrave }).first();
    for (const s of Object.values(REQUESTER)) expect(JSON.stringify(martyr)).not.toContain(s);
  });

  it('tiles of the cemetery carry none of it', async () => {
    const cemetery = await t.db('cemeteries').where({ id: fx.cemeteries.haTinh }).first(t.db.raw('ST_X(location) AS lng, ST_Y(location) AS lat'));
    const z = 14;
    const n = 2 ** z;
    const r = (cemetery.lat * Math.PI) / 180;
    const x = Math.floor(((cemetery.lng + 180) / 360) * n);
    const y = Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n);
    for (const layer of ['graves', 'cemeteries']) {
      const res = await request(app).get(`/tiles/${layer}/${z}/${x}/${y}.mvt`).buffer(true).parse((response, callback) => {
        const chunks: Buffer[] = [];
        response.on('data', (c: Buffer) => chunks.push(c));
        response.on('end', () => callback(null, Buffer.concat(chunks)));
      });
      expect(res.status).toBeLessThan(300);
      const text = (res.body as Buffer).toString('latin1') + (res.body as Buffer).toString('utf8');
      for (const s of SECRETS) expect(text, `${layer} tile`).not.toContain(s);
    }
  });
});
