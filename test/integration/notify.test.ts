/**
 * Following by email end to end, against a real SMTP server (smtp-server) reading what arrives:
 * double opt-in, the change notice with one-click unsubscribe, digests, one message per address,
 * photo requests fulfilled by a photo, saved searches asked of the real index, the tracking page,
 * limits and refusals, and the staff view of waiting mail when SMTP is not configured.
 */
import request from 'supertest';
import type { Express } from 'express';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { scopeOf } from '../../server/accounts/scope.js';
import { startJobs } from '../../server/jobs/jobs.js';
import { writeAudit } from '../../server/audit/audit.js';
import { smtpTransport, type MailTransport } from '../../server/notify/mail-sender.js';
import { runNotifications, type NotifyRunDeps } from '../../server/notify/notify.job.js';
import { makeDigests, queueNotification } from '../../server/notify/notify.service.js';
import { searchMatcher } from '../../server/notify/search-match.js';
import { placeOnGrave } from '../../server/photos/grave-photo.js';
import { loadProvinceCatalogue } from '../../server/places/province-catalogue.js';
import { ensureIndex } from '../../server/search/index-writer.js';
import { drainOnce } from '../../server/search/outbox-drain.js';
import { reindex } from '../../server/search/reindex.js';
import { updateGrave, updateCemeteryFor } from '../support/notify-helpers.js';
import { loadSearchFixture, type SearchFixture } from '../support/search-fixtures.js';
import { newTrackingCode } from '../../server/submissions/tracking-code.js';
import { eventually } from '../support/processes.js';
import { startSmtp, type TestSmtp } from '../support/smtp.js';
import { createStaff, signIn } from '../support/staff.js';
import { createTestDatabase, silentLogger, testApp, testConfig, testMeili, type TestDatabase } from '../support/services.js';

const BASE = 'http://portal.test';

describe('following by email, told through a real SMTP server', () => {
  let t: TestDatabase;
  let fx: SearchFixture;
  let smtp: TestSmtp;
  let transport: MailTransport;
  let app: Express;
  let deps: NotifyRunDeps;
  let indexUid: string;
  let adminId: number;

  const follow = (fields: Record<string, string | number>) => request(app).post('/theo-doi-thu').type('form').send(fields);
  const run = () => runNotifications(deps);
  const mailRows = (email: string) => t.db('outgoing_mail as m').join('follows as f', 'f.id', 'm.follow_id').where('f.email', email).orderBy('m.id').select('m.*');
  const confirmLinkOf = (mail: { links: string[] }) => new URL(mail.links.find((l) => l.includes('/theo-doi-thu/xac-nhan/'))!).pathname;
  const to = (email: string) => smtp.received.filter((m) => m.to.includes(email));

  async function confirmedFollow(email: string, fields: Record<string, string | number>) {
    const before = smtp.received.length;
    expect((await follow({ ...fields, email })).status).toBe(200);
    await run();
    await smtp.waitFor(before + 1);
    const confirm = to(email).at(-1)!;
    expect((await request(app).get(confirmLinkOf(confirm))).status).toBe(200);
  }

  beforeAll(async () => {
    t = await createTestDatabase('notify');
    fx = await loadSearchFixture(t.db);
    smtp = await startSmtp();
    transport = smtpTransport(smtp.url);
    indexUid = `notify_${Date.now()}`;
    await ensureIndex(testMeili(), indexUid);
    await reindex(t.db, testMeili(), indexUid, silentLogger);
    const config = testConfig({ SMTP_URL: smtp.url, PUBLIC_BASE_URL: BASE, MEILI_INDEX: indexUid, MAIL_FROM: 'Cổng tìm mộ <thu@portal.test>' });
    app = await testApp(t.db, { config });
    const provinces = await loadProvinceCatalogue(t.db);
    deps = {
      db: t.db, site: { baseUrl: BASE, from: config.mail.from }, transport, maxAttempts: 5, logger: silentLogger,
      matchSearch: searchMatcher({ meili: testMeili(), indexUid, provinces }),
    };
    adminId = (await createStaff(t.db, [{ role: 'admin', provinceCode: null, cemeteryId: null }])).id;
  });

  afterAll(async () => {
    transport?.close();
    await smtp?.close();
    await testMeili().deleteIndex(indexUid).catch(() => undefined);
    await t?.drop();
  });

  beforeEach(() => {
    smtp.onData = null;
  });

  it('asks the address to confirm, sends nothing else until it does, then tells it of a correction with one-click unsubscribe', async () => {
    const email = 'Gia.Dinh@Example.VN';
    const page = await follow({ target: 'martyr', id: fx.martyrs.thanh, email, cadence: 'immediate' });
    expect(page.status).toBe(200);
    expect(page.text).toContain('Đã gửi thư xác nhận');
    expect(page.text).not.toContain('gia.dinh@example.vn');
    const stored = await t.db('follows').where({ email: 'gia.dinh@example.vn' }).first();
    expect(stored.status).toBe('pending');

    // A change before confirming: the confirmation goes, the notice does not.
    await updateGrave(t.db, adminId, fx.graves.ofThanh, { inscription: 'LIỆT SĨ NGUYỄN VĂN THÀNH (sửa lần 1)' });
    await run();
    await smtp.waitFor(1);
    const mine = to('gia.dinh@example.vn');
    expect(mine).toHaveLength(1);
    const confirm = mine[0]!;
    expect(confirm.subject).toContain('Xác nhận nhận thư về Nguyễn Văn Thành');
    expect(confirm.headers.has('list-unsubscribe')).toBe(false);
    expect(confirm.messageId).toBe((await mailRows('gia.dinh@example.vn'))[0].message_id);
    const notices = await t.db('notifications').where({ follow_id: stored.id });
    expect(notices).toHaveLength(0);

    const confirmed = await request(app).get(confirmLinkOf(confirm));
    expect(confirmed.status).toBe(200);
    expect(confirmed.text).toContain('Nguyễn Văn Thành');
    expect((await t.db('follows').where({ id: stored.id }).first()).status).toBe('active');

    await updateGrave(t.db, adminId, fx.graves.ofThanh, { inscription: 'LIỆT SĨ NGUYỄN VĂN THÀNH (sửa lần 2)' });
    await run();
    await smtp.waitFor(2);
    const notice = to('gia.dinh@example.vn')[1]!;
    expect(notice.subject).toBe('Hồ sơ đã được cập nhật: Nguyễn Văn Thành');
    expect(notice.headers.get('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    const unsubscribeUrl = /<([^>]+)>/.exec(notice.headers.get('list-unsubscribe') ?? '')![1]!;
    expect(unsubscribeUrl.startsWith(`${BASE}/huy-theo-doi/`)).toBe(true);
    expect(notice.text).toContain(`${BASE}/liet-si/${fx.martyrs.thanh}-nguyen-van-thanh`);
    expect(notice.headers.get('from')).toContain('thu@portal.test');

    // A plain visit (a mail scanner) changes nothing; the client's one-click POST unsubscribes.
    const path = new URL(unsubscribeUrl).pathname;
    expect((await request(app).get(path)).text).toContain('Hủy nhận thư về Nguyễn Văn Thành?');
    expect((await t.db('follows').where({ id: stored.id }).first()).status).toBe('active');
    const oneClick = await request(app).post(path).type('form').send('List-Unsubscribe=One-Click');
    expect(oneClick.status).toBe(200);
    const after = await t.db('follows').where({ id: stored.id }).first();
    expect(after.status).toBe('ended');
    expect(after.email).toBeNull();

    await updateGrave(t.db, adminId, fx.graves.ofThanh, { inscription: 'LIỆT SĨ NGUYỄN VĂN THÀNH (sửa lần 3)' });
    await run();
    await new Promise((r) => setTimeout(r, 300));
    expect(smtp.received.filter((m) => m.to.includes('gia.dinh@example.vn'))).toHaveLength(2);
    expect((await request(app).post(path).type('form').send({})).status).toBe(200);
  });

  it('writes one message per address when the address follows the grave and its cemetery', async () => {
    const email = 'hai.dau@example.vn';
    await confirmedFollow(email, { target: 'grave', id: fx.graves.partial, cadence: 'immediate' });
    const graveCemetery = Number((await t.db('graves').where({ id: fx.graves.partial }).first('cemetery_id')).cemetery_id);
    await confirmedFollow(email, { target: 'cemetery', id: graveCemetery, cadence: 'immediate' });
    const before = to(email).length;
    await updateGrave(t.db, adminId, fx.graves.partial, { inscription: 'BIA MỘ GHI MỘT PHẦN (sửa)' });
    await run();
    await smtp.waitFor(smtp.received.length);
    await new Promise((r) => setTimeout(r, 300));
    expect(to(email).length).toBe(before + 1);
  });

  it('gathers a daily follower’s changes into one digest', async () => {
    const email = 'moi.ngay@example.vn';
    await confirmedFollow(email, { target: 'cemetery', id: fx.cemeteries.truongSon, cadence: 'daily' });
    await updateCemeteryFor(t.db, adminId, fx.cemeteries.truongSon, 'Mô tả mới 1');
    await updateCemeteryFor(t.db, adminId, fx.cemeteries.truongSon, 'Mô tả mới 2');
    await run();
    const before = to(email).length;
    expect(await makeDigests(t.db, deps.site)).toBe(1);
    expect(await makeDigests(t.db, deps.site)).toBe(0);
    await run();
    await smtp.waitFor(smtp.received.length);
    const digest = to(email).at(-1)!;
    expect(to(email).length).toBe(before + 1);
    expect(digest.subject).toContain('Các thay đổi trong ngày');
    expect(digest.text.match(/Thông tin nghĩa trang đã được cập nhật/g)).toHaveLength(2);
  });

  it('puts a photo request on the cemetery’s work list and tells the requester once the photo is placed, then forgets the address', async () => {
    const graveId = fx.graves.unknown;
    const email = 'xin.anh@example.vn';
    const asked = await request(app).post(`/mo/${graveId}/yeu-cau-anh`).type('form').send({ email });
    expect(asked.status).toBe(201);
    expect((await request(app).post(`/mo/${graveId}/yeu-cau-anh`).type('form').send({})).status).toBe(201);
    await run();
    await smtp.waitFor(smtp.received.length);
    const confirm = to(email).at(-1)!;
    expect(confirm.subject).toContain('Xác nhận');
    await request(app).get(confirmLinkOf(confirm)).expect(200);

    const admin = await signIn(app, (await t.db('users').where({ id: adminId }).first()).email);
    const cemeteryId = Number((await t.db('graves').where({ id: graveId }).first()).cemetery_id);
    const list = await admin.agent.get(`/quan-ly/nghia-trang/${cemeteryId}/yeu-cau-anh`);
    expect(list.status).toBe(200);
    expect(list.text).toContain(`data-grave-id="${graveId}"`);
    const dashboard = await admin.agent.get(`/quan-ly/nghia-trang/${cemeteryId}`);
    expect(dashboard.text).toMatch(/data-count="photo-requests">1</);

    await t.db.transaction(async (trx) => {
      await placeOnGrave(trx, (entry) => writeAudit(trx, { ...entry, actorUserId: adminId }), {
        graveId, originalKey: 'originals/x.jpg', keys: { full: 'g/x-full.jpg', page: 'g/x-page.jpg', thumb: 'g/x-thumb.jpg' }, contentHash: 'e'.repeat(64),
        width: 100, height: 100, bytes: 1000, takenAt: null, latitude: null, longitude: null, direction: null, uploadedBy: adminId,
      }, { method: 'grave_page' });
    });
    const requests = await t.db('photo_requests').where({ grave_id: graveId });
    expect(requests.every((r) => r.status === 'fulfilled')).toBe(true);
    const before = to(email).length;
    await run();
    await smtp.waitFor(smtp.received.length);
    expect(to(email).length).toBe(before + 1);
    expect(to(email).at(-1)!.subject).toContain('Ảnh bia mộ quý vị yêu cầu đã có');
    const f = await t.db('follows').where({ target_type: 'photo_request' }).first();
    expect(f.status).toBe('ended');
    expect(f.email).toBeNull();
    // The grave has its photo now: no more requests.
    expect((await request(app).post(`/mo/${graveId}/yeu-cau-anh`).type('form').send({})).status).toBe(409);
  });

  it('tells a saved search of a new record it finds, asked of the real index, and no other', async () => {
    const email = 'tim.kiem@example.vn';
    await confirmedFollow(email, { target: 'search', q: 'hoang van moi', cadence: 'immediate' });
    await confirmedFollow('khac@example.vn', { target: 'search', q: 'tran thi khac', cadence: 'immediate' });
    const [row] = await t.db('martyrs').insert({ full_name: 'Hoàng Văn Mới', death_year: 1972, source: 'staff' }).returning('id');
    const martyrId = Number(row.id);
    await t.db.transaction((trx) => queueNotification(trx, { kind: 'new_record', subjects: [], details: { martyrId, name: 'Hoàng Văn Mới', path: `/liet-si/${martyrId}` } }));
    // Not in the index yet: the event waits for the search outbox.
    const early = await run();
    expect(early.events).toBe(0);
    while ((await drainOnce(t.db, testMeili(), indexUid, silentLogger)) > 0);
    const before = to(email).length;
    await run();
    await smtp.waitFor(smtp.received.length);
    expect(to(email).length).toBe(before + 1);
    expect(to(email).at(-1)!.text).toContain('Hồ sơ mới: Hoàng Văn Mới');
    expect(to('khac@example.vn').filter((m) => m.subject.includes('khớp'))).toHaveLength(0);
  });

  it('shows on the tracking page what changed since the last visit', async () => {
    const code = newTrackingCode();
    const [s] = await t.db('submissions').insert({ tracking_code: code, kind: 'martyr_correction', martyr_id: fx.martyrs.duc, sender_name: 'A', sender_contact: 'a@example.vn', message: 'x' }).returning('id');
    await t.db.transaction((trx) => queueNotification(trx, { kind: 'submission_update', subjects: [`submission:${s.id}`], details: { status: 'in_review' } }));
    const first = await request(app).get(`/theo-doi/${code}`);
    expect(first.status).toBe(200);
    expect(first.text).toContain('Mới từ lần xem trước');
    expect(first.text).toContain('Đang xem xét');
    // Next day: what was seen at the last visit is no longer marked new.
    await t.db('notification_events').whereRaw('subjects && ?::text[]', [[`submission:${s.id}`]]).update({ created_at: t.db.raw("now() - interval '2 hours'") });
    await t.db('tracking_visits').update({ last_visit_at: t.db.raw("now() - interval '1 hour'") });
    const later = await request(app).get(`/theo-doi/${code}`);
    expect(later.text).toContain('Đang xem xét');
    expect(later.text).not.toContain('Mới từ lần xem trước');
    expect(later.text).toContain('action="/theo-doi-thu"');
  });

  it('refuses bad input in the page’s language, never a 500, and limits follows per email', async () => {
    const bad = await follow({ target: 'martyr', id: fx.martyrs.hung, email: 'không phải email' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('Địa chỉ email chưa đúng');
    const en = await request(app).post('/theo-doi-thu?lang=en').type('form').send({ target: 'martyr', id: fx.martyrs.hung, email: 'nope' });
    expect(en.status).toBe(400);
    expect(en.text).toContain('does not look right');
    expect((await follow({ target: 'martyr', id: fx.martyrs.confidential, email: 'x@example.vn' })).status).toBe(404);
    expect((await follow({ target: 'nothing', id: 1, email: 'x@example.vn' })).status).toBe(400);
    expect((await follow({ target: 'martyr', id: 'abc', email: 'x@example.vn' })).status).toBe(400);
    expect((await request(app).get('/theo-doi-thu/xac-nhan/khong-co-ma-nay-dau-nhe-123')).status).toBe(404);
    expect((await request(app).get('/huy-theo-doi/khong-co-ma-nay-dau-nhe-123')).status).toBe(404);
    for (let i = 0; i < 5; i++) expect((await follow({ target: 'martyr', id: fx.martyrs.hung, email: 'nhieu@example.vn' })).status).toBe(200);
    const limited = await follow({ target: 'martyr', id: fx.martyrs.hung, email: 'nhieu@example.vn' });
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBeDefined();
    // The limit names the address by a hash, never the address itself.
    const keys = (await t.db('rate_limit_hits').select('key')).map((r) => r.key as string);
    expect(keys.some((k) => k.includes('@'))).toBe(false);
    // Following again while pending sends the confirmation again, one follow.
    expect(await t.db('follows').where({ email: 'nhieu@example.vn' }).count<{ count: string }[]>('id as count').first().then((r) => Number(r?.count))).toBe(1);
  });
});

describe('without SMTP configured', () => {
  let t: TestDatabase;
  let fx: SearchFixture;
  let app: Express;

  beforeAll(async () => {
    t = await createTestDatabase('nosmtp');
    fx = await loadSearchFixture(t.db);
    app = await testApp(t.db);
  });
  afterAll(async () => t?.drop());

  it('keeps working, and shows admins what waits without showing whole addresses', async () => {
    expect((await request(app).post('/theo-doi-thu').type('form').send({ target: 'martyr', id: fx.martyrs.thanh, email: 'cho.doi@example.vn' })).status).toBe(200);
    await runNotifications({ db: t.db, site: { baseUrl: BASE, from: 'a@portal.test' }, transport: undefined, maxAttempts: 3, logger: silentLogger });
    const admin = await createStaff(t.db, [{ role: 'admin', provinceCode: null, cemeteryId: null }]);
    const staff = await signIn(app, admin.email);
    const page = await staff.agent.get('/quan-ly/thu-cho-gui');
    expect(page.status).toBe(200);
    expect(page.text).toContain('data-smtp="off"');
    expect(page.text).toMatch(/data-count="mail-waiting">1</);
    expect(page.text).not.toContain('cho.doi@example.vn');
    expect(page.text).toContain('c***@e***.vn');
    const home = await staff.agent.get('/quan-ly');
    expect(home.text).toMatch(/data-count="mail-waiting"><a href="\/quan-ly\/thu-cho-gui">1</);
    const cemeteryStaff = await createStaff(t.db, [{ role: 'cemetery_staff', provinceCode: null, cemeteryId: fx.cemeteries.haTinh }]);
    expect((await (await signIn(app, cemeteryStaff.email)).agent.get('/quan-ly/thu-cho-gui')).status).toBe(403);
    void scopeOf;
  });
});

describe('on the job queue', () => {
  let t: TestDatabase;
  let fx: SearchFixture;
  let smtp: TestSmtp;

  beforeAll(async () => {
    t = await createTestDatabase('notifyjobs');
    fx = await loadSearchFixture(t.db);
    smtp = await startSmtp();
  });
  afterAll(async () => {
    await smtp?.close();
    await t?.drop();
  });

  it('a committed change nudges the queue, which fans it out and sends it without anyone calling it', { timeout: 180_000 }, async () => {
    const config = testConfig({ SMTP_URL: smtp.url, PUBLIC_BASE_URL: BASE, DATABASE_URL: t.url });
    const jobs = await startJobs(config, t.db, silentLogger, testMeili());
    try {
      const app = await testApp(t.db, { config });
      expect((await request(app).post('/theo-doi-thu').type('form').send({ target: 'cemetery', id: fx.cemeteries.haTinh, email: 'hang.doi@example.vn' })).status).toBe(200);
      const [confirm] = await smtp.waitFor(1, 75_000);
      await request(app).get(new URL(confirm!.links.find((l) => l.includes('/xac-nhan/'))!).pathname).expect(200);
      const admin = await createStaff(t.db, [{ role: 'admin', provinceCode: null, cemeteryId: null }]);
      await updateCemeteryFor(t.db, admin.id, fx.cemeteries.haTinh, 'Nhà bia tưởng niệm mới');
      const all = await smtp.waitFor(2, 75_000);
      expect(all[1]!.subject).toContain('Thông tin nghĩa trang đã được cập nhật');
      // Recorded just after the server's 250: nothing is left waiting.
      const waiting = () => t.db('outgoing_mail').whereNull('sent_at').count<{ count: string }[]>('id as count').first().then((r) => Number(r?.count));
      expect(await eventually(async () => (await waiting()) === 0, 10_000)).toBe(true);
    } finally {
      await jobs.stop();
    }
  });
});
