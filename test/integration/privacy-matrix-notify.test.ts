/**
 * The privacy matrix for following, photo requests and remembrance. Followers' and requesters'
 * addresses appear on no public page, API answer, search document, tile, audit row or limit key;
 * a confidential martyr (alone, or beside a public one in a collective grave) can be neither
 * followed nor remembered, no change to a withheld grave is announced, and the messages of a
 * collective grave's followers name nobody. The setup copies the fixtures of privacy-matrix.test.ts.
 */
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scopeOf } from '../../server/accounts/scope.js';
import { runNotifications } from '../../server/notify/notify.job.js';
import { changesForCode, queueNotification } from '../../server/notify/notify.service.js';
import { graveSubjectKeys, martyrSubjectKeys } from '../../server/notify/notify.queries.js';
import { ensureIndex } from '../../server/search/index-writer.js';
import { reindex } from '../../server/search/reindex.js';
import { newTrackingCode } from '../../server/submissions/tracking-code.js';
import { updateGrave } from '../support/notify-helpers.js';
import { loadSearchFixture, type SearchFixture } from '../support/search-fixtures.js';
import { startSmtp, type TestSmtp } from '../support/smtp.js';
import { smtpTransport } from '../../server/notify/mail-sender.js';
import { createStaff } from '../support/staff.js';
import { createTestDatabase, silentLogger, testApp, testConfig, testMeili, type TestDatabase } from '../support/services.js';
import { secretChecker } from '../support/secrets.js';

const CONFIDENTIAL = {
  alone: { full_name: 'Lê Văn Kín Đáo', unit: 'Trung đoàn Kín Đáo 901', hometown_text: 'Xóm Kín Đáo, Hà Tĩnh' },
  collective: { full_name: 'Lý Văn Ẩn Danh', unit: 'Tiểu đoàn Ẩn Danh 903', hometown_text: 'Làng Ẩn Danh, Nghệ An' },
};
const HEADSTONES = { alone: 'LIỆT SĨ LÊ VĂN KÍN ĐÁO 1970', collective: 'MỘ CHUNG: PHAN VĂN CÔNG KHAI, LÝ VĂN ẨN DANH' };
const PUBLIC_NAME = 'Phan Văn Công Khai';
const FOLLOWER = 'nguoi.theo.doi.bi.mat@example.vn';
const REQUESTER = 'nguoi.xin.anh.bi.mat@example.vn';
const SECRETS = [FOLLOWER, REQUESTER, 'bi.mat@example', ...Object.values(CONFIDENTIAL).flatMap((m) => Object.values(m)), ...Object.values(HEADSTONES), 'Kín Đáo', 'Ẩn Danh'];

const expectNoSecret = secretChecker(SECRETS);

describe('the privacy matrix of following, photo requests and remembrance', () => {
  let t: TestDatabase;
  let fx: SearchFixture;
  let app: Express;
  let smtp: TestSmtp;
  let indexUid: string;
  const graves = { alone: 0, collective: 0 };
  const martyrs = { alone: 0, collective: 0, public: 0 };
  let code = '';

  beforeAll(async () => {
    t = await createTestDatabase('privnotify');
    fx = await loadSearchFixture(t.db);
    const { db } = t;
    let plot = 900;
    const grave = async (extra: Record<string, unknown>) => Number((await db('graves').insert({ cemetery_id: fx.cemeteries.haTinh, row_label: '90', plot_number: String(++plot), position: db.raw('ST_SetSRID(ST_MakePoint(105.8951, 18.3451), 4326)'), ...extra }).returning('id'))[0]!.id);
    graves.alone = await grave({ state: 'identified', inscription: HEADSTONES.alone });
    graves.collective = await grave({ state: 'identified', is_collective: true, inscription: HEADSTONES.collective });
    const martyr = async (fields: Record<string, unknown>) => Number((await db('martyrs').insert({ gender: 'male', death_year: 1970, death_month: 3, death_day: 2, ...fields }).returning('id'))[0]!.id);
    martyrs.public = await martyr({ full_name: PUBLIC_NAME, hometown_text: 'Hà Tĩnh', grave_id: graves.collective });
    martyrs.alone = await martyr({ ...CONFIDENTIAL.alone, is_public: false, grave_id: graves.alone });
    martyrs.collective = await martyr({ ...CONFIDENTIAL.collective, is_public: false, grave_id: graves.collective });

    smtp = await startSmtp();
    indexUid = `test_privnotify_${randomBytes(4).toString('hex')}`;
    await ensureIndex(testMeili(), indexUid);
    app = await testApp(db, { config: testConfig({ MEILI_INDEX: indexUid, SMTP_URL: smtp.url }) });

    // A follower of every public thing, confirmed; a requester of a photo; a tracking code about the confidential martyr.
    for (const [target, id] of [['martyr', martyrs.public], ['grave', graves.collective], ['grave', graves.alone], ['cemetery', fx.cemeteries.haTinh], ['grave', fx.graves.partial]] as const) {
      expect((await request(app).post('/theo-doi-thu').type('form').send({ target, id, email: FOLLOWER })).status, `${target} ${id}`).toBe(200);
    }
    await db('follows').update({ status: 'active', confirmed_at: db.fn.now() });
    expect((await request(app).post(`/mo/${fx.graves.partial}/yeu-cau-anh`).type('form').send({ email: REQUESTER })).status).toBe(201);
    code = newTrackingCode();
    await db('submissions').insert({ tracking_code: code, kind: 'martyr_correction', martyr_id: martyrs.alone, grave_id: graves.alone, sender_name: 'A', sender_contact: FOLLOWER, message: 'x' });
    await reindex(db, testMeili(), indexUid, silentLogger);
  });

  afterAll(async () => {
    await smtp?.close();
    await testMeili().deleteIndexIfExists(indexUid);
    await t?.drop();
  });

  it('a confidential martyr can be neither followed nor remembered, alone or in a collective grave', async () => {
    for (const id of [martyrs.alone, martyrs.collective]) {
      expect((await request(app).post('/theo-doi-thu').type('form').send({ target: 'martyr', id, email: 'a@example.vn' })).status).toBe(404);
      expect((await request(app).post(`/liet-si/${id}/thap-huong`).type('form').send({})).status).toBe(404);
      expect((await request(app).post(`/liet-si/${id}/loi-tuong-niem`).type('form').send({ body: 'x' })).status).toBe(404);
      expect(await martyrSubjectKeys(t.db, id)).toEqual([]);
    }
    // A withheld headstone cannot be asked for and its changes are not announced.
    expect((await request(app).post(`/mo/${graves.alone}/yeu-cau-anh`).type('form').send({})).status).toBe(404);
    expect(await graveSubjectKeys(t.db, graves.alone)).toEqual([]);
    expect(await graveSubjectKeys(t.db, graves.collective)).toEqual([]);
  });

  it('followers’ and requesters’ addresses appear on no public page or API answer', async () => {
    const urls = [
      `/liet-si/${martyrs.public}`, `/mo/${graves.collective}`, `/mo/${graves.alone}`, `/mo/${fx.graves.partial}`, `/nghia-trang/${fx.cemeteries.haTinh}`,
      `/theo-doi/${code}`, '/tim-kiem?q=phan+van+cong+khai', `/api/search?q=${encodeURIComponent(PUBLIC_NAME)}`, `/api/martyrs/${martyrs.public}`,
      `/api/graves/${graves.collective}`, `/api/graves?cemetery=${fx.cemeteries.haTinh}`, '/sitemap.xml',
    ];
    for (const url of urls) {
      const res = await request(app).get(url).redirects(2);
      expect(res.status, url).toBeLessThan(500);
      expectNoSecret(url, res.text);
    }
    const follow = await request(app).post('/theo-doi-thu').type('form').send({ target: 'martyr', id: martyrs.public, email: FOLLOWER });
    expectNoSecret('the follow answer', follow.text);
  });

  it('no search document, tile, audit row or limit key holds an address', async () => {
    const docs = await testMeili().index(indexUid).getDocuments({ limit: 1000 });
    expectNoSecret('search documents', docs.results);
    for (const z of [8, 14]) {
      const n = 2 ** z;
      const x = Math.floor(((105.8951 + 180) / 360) * n);
      const r = (18.3451 * Math.PI) / 180;
      const y = Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n);
      const tile = await request(app).get(`/tiles/graves/${z}/${x}/${y}.mvt`).buffer(true).parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks)));
      });
      expect((tile.body as Buffer).toString('latin1')).not.toContain(FOLLOWER);
    }
    const audit = JSON.stringify(await t.db('audit_log').select('*'));
    expect(audit).not.toContain(FOLLOWER);
    expect(audit).not.toContain(REQUESTER);
    const keys = JSON.stringify(await t.db('rate_limit_hits').select('key'));
    expect(keys).not.toContain('@');
    const mailBodies = JSON.stringify(await t.db('outgoing_mail').select('subject', 'text_body', 'html_body', 'unsubscribe_url'));
    expect(mailBodies).not.toContain(FOLLOWER);
    expect(mailBodies).not.toContain(REQUESTER);
  });

  it('messages about a collective grave name nobody, and the tracking code of a confidential record shows no change', async () => {
    const admin = await createStaff(t.db, [{ role: 'admin', provinceCode: null, cemeteryId: null }]);
    await updateGrave(t.db, admin.id, graves.collective, { inscription: `${HEADSTONES.collective} (sửa)` });
    await updateGrave(t.db, admin.id, graves.alone, { inscription: `${HEADSTONES.alone} (sửa)` });
    await updateGrave(t.db, admin.id, fx.graves.partial, { inscription: 'BIA SỬA' });
    // A caller that asks to announce a withheld grave's keys by hand gets them refused at the source: none.
    await t.db.transaction((trx) => queueNotification(trx, { kind: 'record_corrected', subjects: [] }));
    const transport = smtpTransport(smtp.url);
    await runNotifications({ db: t.db, site: { baseUrl: 'http://portal.test', from: 'thu@portal.test' }, transport, maxAttempts: 3, logger: silentLogger });
    transport.close();
    await smtp.waitFor(1);
    for (const m of smtp.received) expectNoSecret(`mail "${m.subject}"`, { subject: m.subject, text: m.text.replace(FOLLOWER, '') });
    expect(smtp.received.some((m) => m.subject.includes('Hồ sơ đã được cập nhật'))).toBe(true);
    const events = await t.db('notification_events').select('subjects');
    expect(events.flatMap((e) => e.subjects)).not.toContain(`grave:${graves.alone}`);
    expect(events.flatMap((e) => e.subjects)).not.toContain(`grave:${graves.collective}`);
    expect(await changesForCode(t.db, code, { martyrId: martyrs.alone, graveId: graves.alone })).toEqual([]);
    void scopeOf;
  });
});
