/**
 * Citizen submissions end to end, on real services: send each kind, route it, review it, and see
 * the record, the search index, the audit log and the tracking page change; private data never
 * leaves the staff area; bad input is refused with the form kept.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import exifr from 'exifr';
import request from 'supertest';
import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureIndex } from '../../server/search/index-writer.js';
import { drainOnce } from '../../server/search/outbox-drain.js';
import { reindex } from '../../server/search/reindex.js';
import { normalizeTrackingCode } from '../../server/submissions/tracking-code.js';
import { loadSearchFixture, type SearchFixture } from '../support/search-fixtures.js';
import { createTestDatabase, silentLogger, testApp, testConfig, testMeili, type TestDatabase } from '../support/services.js';
import { createStaff, signIn, type SignedIn } from '../support/staff.js';

const PHONE = '0912 345 678';
const indexUid = `test_submissions_${randomBytes(4).toString('hex')}`;

async function jpegWithGps(): Promise<Buffer> {
  return sharp({ create: { width: 640, height: 480, channels: 3, background: '#8a8a80' } })
    .jpeg()
    .withExif({ IFD0: { Make: 'PhoneMaker', Model: 'X1' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '16/1 57/1 1234/100', GPSLongitudeRef: 'E', GPSLongitude: '106/1 57/1 0/1' } })
    .toBuffer();
}

describe('citizen submissions and officer review', () => {
  let t: TestDatabase;
  let fx: SearchFixture;
  let app: Express;
  let dataDir: string;
  let haTinhOfficer: SignedIn;
  let quangTriOfficer: SignedIn;
  let secondHaTinhOfficer: SignedIn;
  let ipCounter = 0;

  beforeAll(async () => {
    t = await createTestDatabase('submissions');
    fx = await loadSearchFixture(t.db);
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'mls-submissions-'));
    await ensureIndex(testMeili(), indexUid);
    await reindex(t.db, testMeili(), indexUid, silentLogger);
    app = await testApp(t.db, { config: testConfig({ MEILI_INDEX: indexUid, DATA_DIR: dataDir }) });
    const haTinh = await createStaff(t.db, [{ role: 'province_officer', provinceCode: '42', cemeteryId: null }], 'Sở Hà Tĩnh');
    const haTinh2 = await createStaff(t.db, [{ role: 'province_officer', provinceCode: '42', cemeteryId: null }], 'Sở Hà Tĩnh 2');
    const quangTri = await createStaff(t.db, [{ role: 'province_officer', provinceCode: '44', cemeteryId: null }], 'Sở Quảng Trị');
    haTinhOfficer = await signIn(app, haTinh.email);
    secondHaTinhOfficer = await signIn(app, haTinh2.email);
    quangTriOfficer = await signIn(app, quangTri.email);
  });
  afterAll(async () => {
    await testMeili().deleteIndexIfExists(indexUid);
    await t.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** Each send comes from its own address unless told otherwise, so the flood limit stays out of the way. */
  const send = (fields: Record<string, string>, files: Array<{ data: Buffer; name: string }> = [], ip = `10.9.${Math.floor(++ipCounter / 250)}.${ipCounter % 250}`) => {
    let req = request(app).post('/gui-thong-tin').set('X-Forwarded-For', ip);
    for (const [k, v] of Object.entries({ website: '', senderName: 'Nguyễn Thị Hoa', senderContact: PHONE, senderRelation: 'cháu', message: 'Gia đình tôi có giấy báo tử.', ...fields })) req = req.field(k, v);
    for (const f of files) req = req.attach('files', f.data, f.name);
    return req;
  };
  const codeOf = (res: request.Response) => /\/theo-doi\/([0-9A-Z-]+)/.exec(res.headers.location ?? '')![1]!;
  const submissionId = async (code: string) => Number((await t.db('submissions').where({ tracking_code: code }).first()).id);
  const review = async (who: SignedIn, id: number, decision: Record<string, string>) => {
    const page = await who.agent.get(`/quan-ly/thong-tin/${id}`);
    const version = /name="version" value="(\d+)"/.exec(page.text)?.[1] ?? '0';
    return who.agent.post(`/quan-ly/thong-tin/${id}`).type('form').send({ _csrf: who.csrf, version, ...decision });
  };
  const drain = async () => {
    while ((await drainOnce(t.db, testMeili(), indexUid, silentLogger)) > 0);
  };
  const searchHits = async (q: string) => (await request(app).get('/api/search').query({ q })).body.hits as Array<{ id: number; kind: string; deathDate: string; fullName: string }>;

  it('shows the form from a martyr page link, with the current values to correct', async () => {
    const res = await request(app).get('/gui-thong-tin').query({ martyr: String(fx.martyrs.duc) });
    expect(res.status).toBe(200);
    expect(res.text).toContain('Đặng Văn Đức');
    expect(res.text).toMatch(/name="deathDate" value="1969"/);
    expect(res.text).toContain('name="website"');
    expect(res.text).not.toMatch(/<script(?![^>]*\ssrc=")/);
  });

  it('corrects a death date: routed to the grave\'s province, accepted, record, search, audit and tracking page updated', async () => {
    const photo = await jpegWithGps();
    const sent = await send({ martyr: String(fx.martyrs.thanhHaTinh1948), kind: 'martyr_correction', deathDate: '12/05/1968', fullName: 'Nguyễn Văn Thành' }, [{ data: photo, name: 'giay-bao-tu.jpg' }]);
    expect(sent.status).toBe(303);
    const code = codeOf(sent);
    expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{2}$/);
    const row = await t.db('submissions').where({ tracking_code: code }).first();
    expect(row.province_code).toBe('42');
    expect(row.proposed).toEqual({ deathDate: '12/05/1968' });

    // The evidence photo was stored without its GPS position or any other metadata.
    const file = await t.db('submission_files').where({ submission_id: row.id }).first();
    const stored = await readFile(path.join(dataDir, 'private', file.storage_key));
    expect(await exifr.parse(stored, { gps: true }).catch(() => undefined)).toBeFalsy();
    expect((await sharp(stored).metadata()).exif).toBeUndefined();

    const tracking = await request(app).get(`/theo-doi/${code}`);
    expect(tracking.text).toContain('data-status="received"');

    // Another province's officer does not see it, in the queue or directly.
    expect((await quangTriOfficer.agent.get('/quan-ly/thong-tin')).text).not.toContain(code);
    expect((await quangTriOfficer.agent.get(`/quan-ly/thong-tin/${row.id}`)).status).toBe(404);

    const queue = await haTinhOfficer.agent.get('/quan-ly/thong-tin');
    expect(queue.text).toContain(code);
    const page = await haTinhOfficer.agent.get(`/quan-ly/thong-tin/${row.id}`);
    expect(page.text).toContain(PHONE);
    expect(page.text).toMatch(/data-changed="deathDate"/);
    // The page is not kept by any cache: it shows the sender's contact.
    expect(page.headers['cache-control']).toBe('no-store');
    // Opening it only reads: no state change, no audit row, until the officer starts the review.
    expect((await request(app).get(`/theo-doi/${code}`)).text).toContain('data-status="received"');
    expect(await t.db('audit_log').where({ submission_id: row.id, action: 'submission.in_review' })).toHaveLength(0);
    expect((await haTinhOfficer.agent.post(`/quan-ly/thong-tin/${row.id}/xem-xet`).type('form').send({ version: String(row.version) })).status).toBe(403);
    const started = await haTinhOfficer.agent.post(`/quan-ly/thong-tin/${row.id}/xem-xet`).type('form').send({ _csrf: haTinhOfficer.csrf, version: String(row.version) });
    expect(started.status).toBe(303);
    expect((await request(app).get(`/theo-doi/${code}`)).text).toContain('data-status="in_review"');
    const startedRows = await t.db('audit_log').where({ submission_id: row.id, action: 'submission.in_review' });
    expect(startedRows).toHaveLength(1);
    expect(startedRows[0].actor_user_id).not.toBeNull();
    // Started once: a second start (the same page sent again) is a conflict, not a second row.
    expect((await haTinhOfficer.agent.post(`/quan-ly/thong-tin/${row.id}/xem-xet`).type('form').send({ _csrf: haTinhOfficer.csrf, version: String(row.version) })).status).toBe(409);
    expect((await quangTriOfficer.agent.post(`/quan-ly/thong-tin/${row.id}/xem-xet`).type('form').send({ _csrf: quangTriOfficer.csrf, version: String(row.version + 1) })).status).toBe(404);

    const accepted = await review(haTinhOfficer, row.id, { decision: 'accept', value_deathDate: '12/05/1968', note: 'Đã đối chiếu giấy báo tử.' });
    expect(accepted.status).toBe(303);
    const martyr = await t.db('martyrs').where({ id: fx.martyrs.thanhHaTinh1948 }).first();
    expect([martyr.death_year, martyr.death_month, martyr.death_day]).toEqual([1968, 5, 12]);
    expect(martyr.source).toBe('submission');
    const audit = await t.db('audit_log').where({ entity_type: 'martyr', entity_id: fx.martyrs.thanhHaTinh1948, submission_id: row.id }).first();
    expect(audit.after).toMatchObject({ death_month: 5, death_day: 12 });
    expect((await request(app).get(`/theo-doi/${code}`)).text).toContain('data-status="accepted"');
    expect((await request(app).get(`/api/martyrs/${fx.martyrs.thanhHaTinh1948}`)).body.deathDate).toBe('1968-05-12');
    await drain();
    expect((await searchHits('nguyen van thanh ha tinh 1948')).find((h) => h.id === fx.martyrs.thanhHaTinh1948)?.deathDate).toBe('1968-05-12');
  });

  it('never lets the sender\'s contact out: public pages, the public API, search, tracking, logs of the audit', async () => {
    const code = codeOf(await send({ martyr: String(fx.martyrs.duc), kind: 'martyr_correction', unit: 'Trung đoàn 9' }));
    const responses = await Promise.all([
      request(app).get(`/theo-doi/${code}`),
      request(app).get(`/api/martyrs/${fx.martyrs.duc}`),
      request(app).get('/api/search').query({ q: 'dang van duc' }),
      request(app).get(`/liet-si/${fx.martyrs.duc}`).redirects(1),
    ]);
    for (const res of responses) {
      expect(res.text).not.toContain(PHONE);
      expect(res.text).not.toContain('Nguyễn Thị Hoa');
    }
    // Searching for the phone number finds nothing (the response only echoes the query back).
    expect((await request(app).get('/api/search').query({ q: PHONE })).body.total).toBe(0);
    const audit = await t.db('audit_log').where({ action: 'submission.create' }).select('after');
    expect(JSON.stringify(audit)).not.toContain(PHONE);
  });

  it('rejects with a reason that the tracking page shows; a reason is required', async () => {
    const code = codeOf(await send({ martyr: String(fx.martyrs.thanhHaTinh1948), kind: 'martyr_correction', unit: 'Sư đoàn 304' }));
    const id = await submissionId(code);
    const noReason = await review(haTinhOfficer, id, { decision: 'reject', reason: '' });
    expect(noReason.status).toBe(400);
    expect((await review(haTinhOfficer, id, { decision: 'reject', reason: 'Hồ sơ gốc ghi Sư đoàn 320.' })).status).toBe(303);
    const tracking = await request(app).get(`/theo-doi/${code}`);
    expect(tracking.text).toContain('data-status="rejected"');
    expect(tracking.text).toContain('Hồ sơ gốc ghi Sư đoàn 320.');
    expect((await t.db('martyrs').where({ id: fx.martyrs.thanhHaTinh1948 }).first()).unit).not.toBe('Sư đoàn 304');
  });

  it('asks for more information, which the sender answers once on the tracking page', async () => {
    const code = codeOf(await send({ martyr: String(fx.martyrs.thanhHaTinh1948), kind: 'martyr_correction', rank: 'Trung sĩ' }));
    const id = await submissionId(code);
    await review(haTinhOfficer, id, { decision: 'ask', question: 'Xin gửi ảnh bằng Tổ quốc ghi công.' });
    const page = await request(app).get(`/theo-doi/${code}`);
    expect(page.text).toContain('Xin gửi ảnh bằng Tổ quốc ghi công.');
    expect(page.text).toContain('name="answer"');
    expect((await request(app).post(`/theo-doi/${code}/tra-loi`).type('form').send({ answer: 'Tôi sẽ gửi bản quét.' })).status).toBe(303);
    expect((await request(app).post(`/theo-doi/${code}/tra-loi`).type('form').send({ answer: 'Lần hai' })).status).toBe(409);
    expect((await request(app).get(`/theo-doi/${code}`)).text).not.toContain('name="answer"');
    expect((await haTinhOfficer.agent.get(`/quan-ly/thong-tin/${id}`)).text).toContain('Tôi sẽ gửi bản quét.');
  });

  it('gives the second of two officers deciding at once a clear conflict, not a double change', async () => {
    const code = codeOf(await send({ martyr: String(fx.martyrs.thuyDotBelow), kind: 'martyr_correction', unit: 'Trung đoàn 18' }));
    const id = await submissionId(code);
    const pageA = await haTinhOfficer.agent.get(`/quan-ly/thong-tin/${id}`);
    const pageB = await secondHaTinhOfficer.agent.get(`/quan-ly/thong-tin/${id}`);
    const version = (html: string) => /name="version" value="(\d+)"/.exec(html)![1]!;
    const first = await haTinhOfficer.agent.post(`/quan-ly/thong-tin/${id}`).type('form').send({ _csrf: haTinhOfficer.csrf, version: version(pageA.text), decision: 'accept', value_unit: 'Trung đoàn 18' });
    const second = await secondHaTinhOfficer.agent.post(`/quan-ly/thong-tin/${id}`).type('form').send({ _csrf: secondHaTinhOfficer.csrf, version: version(pageB.text), decision: 'reject', reason: 'trùng' });
    expect(first.status).toBe(303);
    expect(second.status).toBe(409);
    expect(second.text).toContain('Một cán bộ khác');
    expect((await t.db('submissions').where({ id }).first()).status).toBe('accepted');
    expect(await t.db('audit_log').where({ submission_id: id, action: 'martyr.update' })).toHaveLength(1);
  });

  it('shows when the record changed since the submission was sent, and decides on the current values', async () => {
    const code = codeOf(await send({ martyr: String(fx.martyrs.thuyDotBelow), kind: 'martyr_correction', placeOfDeath: 'Quảng Trị' }));
    const id = await submissionId(code);
    await t.db('martyrs').where({ id: fx.martyrs.thuyDotBelow }).update({ rank: 'Hạ sĩ' });
    const page = await haTinhOfficer.agent.get(`/quan-ly/thong-tin/${id}`);
    expect(page.text).toContain('Hồ sơ đã thay đổi từ khi thông tin này được gửi');
    await review(haTinhOfficer, id, { decision: 'accept', value_placeOfDeath: 'Mặt trận Quảng Trị' });
    const m = await t.db('martyrs').where({ id: fx.martyrs.thuyDotBelow }).first();
    expect(m.place_of_death).toBe('Mặt trận Quảng Trị');
    expect(m.rank).toBe('Hạ sĩ');
  });

  describe('accepting stays inside the officer\'s jurisdiction and the records\' rules', () => {
    let hungYenOfficer: SignedIn;
    let hungYenCemetery: number;
    let id: number;
    const graves = async () => Number((await t.db('graves').count({ n: '*' }))[0]!.n);
    const accept = (values: Record<string, string>) => review(hungYenOfficer, id, { decision: 'accept', ...values });

    beforeAll(async () => {
      hungYenOfficer = await signIn(app, (await createStaff(t.db, [{ role: 'province_officer', provinceCode: '33', cemeteryId: null }], 'Sở Hưng Yên')).email);
      hungYenCemetery = Number((await t.db('cemeteries').insert({ name: 'Nghĩa trang liệt sĩ Hưng Yên', level: 'province', province_code: '33', location: t.db.raw('ST_SetSRID(ST_MakePoint(106.05, 20.65), 4326)') }).returning('id'))[0]!.id);
      const code = codeOf(await send({ martyr: String(fx.martyrs.noGrave), kind: 'martyr_grave_info', cemeteryId: String(hungYenCemetery), row: '2', number: '5' }));
      id = await submissionId(code);
      expect((await t.db('submissions').where({ id }).first()).province_code).toBe('33');
    });

    it('refuses a cemetery of another province as not found, and writes nothing', async () => {
      const before = await graves();
      const res = await accept({ value_cemeteryId: String(fx.cemeteries.haTinh), value_row: '2', value_number: '5' });
      expect(res.status).toBe(404);
      expect(res.text).toContain('Không có nghĩa trang mang số này trong địa bàn');
      expect(res.text).toContain('name="value_cemeteryId"');
      expect(await graves()).toBe(before);
      expect((await t.db('submissions').where({ id }).first()).status).not.toBe('accepted');
      expect((await t.db('martyrs').where({ id: fx.martyrs.noGrave }).first()).grave_id).toBeNull();
      // An unknown cemetery answers the same.
      expect((await accept({ value_cemeteryId: '987654321' })).status).toBe(404);
    });

    it('refuses adjusted values the records cannot take with the form and a message, never a 500', async () => {
      const before = await graves();
      for (const [values, says] of [
        [{ value_cemeteryId: String(hungYenCemetery), value_lat: '999', value_lng: '106.05' }, 'Vĩ độ'],
        [{ value_cemeteryId: String(hungYenCemetery), value_lat: 'abc', value_lng: '106.05' }, 'không phải một số'],
        [{ value_cemeteryId: String(hungYenCemetery), value_lat: '20.65' }, 'cả vĩ độ và kinh độ'],
        [{ value_cemeteryId: String(hungYenCemetery), value_number: 'x'.repeat(25) }, 'quá dài'],
        [{ value_cemeteryId: '1.5' }, 'số nguyên dương'],
      ] as const) {
        const res = await accept(values);
        expect({ values, status: res.status }).toEqual({ values, status: 400 });
        expect(res.text).toContain(says);
        expect(res.text).toContain('Chưa có gì được lưu');
      }
      expect(await graves()).toBe(before);
      expect((await t.db('submissions').where({ id }).first()).status).not.toBe('accepted');
    });

    it('accepts a cemetery of the province, at a point in Vietnam', async () => {
      expect((await accept({ value_cemeteryId: String(hungYenCemetery), value_row: '2', value_number: '5', value_lat: '20,6501', value_lng: '106.0502' })).status).toBe(303);
      const martyr = await t.db('martyrs').where({ id: fx.martyrs.noGrave }).first();
      const { rows } = await t.db.raw('SELECT cemetery_id, ST_Y(position) AS lat, ST_X(position) AS lng FROM graves WHERE id = ?', [martyr.grave_id]);
      expect(rows[0]).toMatchObject({ cemetery_id: hungYenCemetery, lat: 20.6501, lng: 106.0502 });
      // Put back as the fixture had it, for the tests below.
      await t.db('martyrs').where({ id: fx.martyrs.noGrave }).update({ grave_id: null });
    });
  });

  it('tells where a martyr with no known grave is buried: the grave is made and linked', async () => {
    const code = codeOf(await send({ martyr: String(fx.martyrs.noGrave), kind: 'martyr_grave_info', cemeteryId: String(fx.cemeteries.haTinh), row: '9', number: '77' }));
    const row = await t.db('submissions').where({ tracking_code: code }).first();
    // No grave: routed by the hometown (Hưng Yên, 33), where no test officer works; a ministry officer decides.
    expect(row.province_code).toBe('33');
    const ministry = await signIn(app, (await createStaff(t.db, [{ role: 'ministry_officer', provinceCode: null, cemeteryId: null }])).email);
    expect((await review(ministry, row.id, { decision: 'accept', value_cemeteryId: String(fx.cemeteries.haTinh), value_row: '9', value_number: '77' })).status).toBe(303);
    const martyr = await t.db('martyrs').where({ id: fx.martyrs.noGrave }).first();
    const grave = await t.db('graves').where({ id: martyr.grave_id }).first();
    expect(grave).toMatchObject({ cemetery_id: fx.cemeteries.haTinh, row_label: '9', plot_number: '77', state: 'identified' });
    expect(await t.db('audit_log').where({ submission_id: row.id, entity_type: 'grave', action: 'grave.create' })).toHaveLength(1);
  });

  it('identifies a grave with partial information, and adds a headstone photo without its metadata', async () => {
    const identity = codeOf(await send({ grave: String(fx.graves.partial), kind: 'grave_identity', fullName: 'Lê Văn Hùng', deathDate: '1972', unit: 'Trung đoàn 209' }));
    const identityRow = await t.db('submissions').where({ tracking_code: identity }).first();
    expect(identityRow.province_code).toBe('44');
    expect((await haTinhOfficer.agent.get(`/quan-ly/thong-tin/${identityRow.id}`)).status).toBe(404);
    expect((await review(quangTriOfficer, identityRow.id, { decision: 'accept', value_fullName: 'Lê Văn Hùng', value_deathDate: '1972', value_unit: 'Trung đoàn 209' })).status).toBe(303);
    expect((await t.db('graves').where({ id: fx.graves.partial }).first()).state).toBe('identified');
    await drain();
    expect((await searchHits('le van hung trung doan 209')).some((h) => h.fullName === 'Lê Văn Hùng')).toBe(true);

    const photo = codeOf(await send({ grave: String(fx.graves.ofThanh), kind: 'headstone_photo' }, [{ data: await jpegWithGps(), name: 'bia.jpg' }]));
    const photoRow = await t.db('submissions').where({ tracking_code: photo }).first();
    expect((await review(quangTriOfficer, photoRow.id, { decision: 'accept' })).status).toBe(303);
    const current = await t.db('photos').where({ grave_id: fx.graves.ofThanh, is_current: true }).first();
    expect(current).toBeTruthy();
    const publicCopy = await readFile(path.join(dataDir, 'photos', current.page_key));
    expect((await sharp(publicCopy).metadata()).exif).toBeUndefined();
    expect((await request(app).get(`/api/graves/${fx.graves.ofThanh}`)).body.photo.url).toContain(current.page_key);
  });

  it('takes information about someone not in the records, routed to the province named', async () => {
    const code = codeOf(await send({ kind: 'new_person', fullName: 'Phan Văn Mới', deathDate: '03/1970', hometown: 'Hà Tĩnh', province: '42' }));
    const row = await t.db('submissions').where({ tracking_code: code }).first();
    expect(row.province_code).toBe('42');
    await review(haTinhOfficer, row.id, { decision: 'accept', value_fullName: 'Phan Văn Mới', value_deathDate: '03/1970', value_hometown: 'Hà Tĩnh' });
    expect(await t.db('martyrs').where({ full_name: 'Phan Văn Mới', hometown_province_code: '42', source: 'submission' }).first()).toBeTruthy();
  });

  describe('bad input is refused, with what was typed kept', () => {
    const base = () => ({ martyr: String(fx.martyrs.duc), kind: 'martyr_correction', unit: 'Trung đoàn 66' });
    const countSubmissions = async () => Number((await t.db('submissions').count({ n: '*' }))[0]!.n);

    it('a text file named .jpg, and an SVG with a script', async () => {
      const before = await countSubmissions();
      const fake = await send(base(), [{ data: Buffer.from('this is not an image at all'), name: 'anh.jpg' }]);
      expect(fake.status).toBe(400);
      expect(fake.text).toContain('Chỉ nhận ảnh');
      expect(fake.text).toContain('value="Nguyễn Thị Hoa"');
      expect(fake.text).toContain('Trung đoàn 66');
      const svg = await send(base(), [{ data: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), name: 'bia.svg' }]);
      expect(svg.status).toBe(400);
      expect(await countSubmissions()).toBe(before);
    });

    it('a file over 10 MB, and more than five files', async () => {
      const big = await send(base(), [{ data: Buffer.alloc(11 * 1024 * 1024, 1), name: 'lon.pdf' }]);
      expect(big.status).toBe(413);
      expect(big.text).toContain('10 MB');
      const tiny = await sharp({ create: { width: 10, height: 10, channels: 3, background: '#fff' } }).jpeg().toBuffer();
      const many = await send(base(), Array.from({ length: 6 }, (_, i) => ({ data: tiny, name: `a${i}.jpg` })));
      expect(many.status).toBe(400);
    });

    it('10,000-character fields', async () => {
      const res = await send({ ...base(), message: 'x'.repeat(10_000) });
      expect(res.status).toBe(400);
      expect(res.text).toContain('quá dài');
      const unit = await send({ ...base(), unit: 'y'.repeat(10_000) });
      expect(unit.status).toBe(400);
    });

    it('a missing or filled honeypot', async () => {
      const filled = await send({ ...base(), website: 'http://spam.example' });
      expect(filled.status).toBe(400);
      let missing = request(app).post('/gui-thong-tin').set('X-Forwarded-For', '10.200.0.1');
      for (const [k, v] of Object.entries({ ...base(), senderName: 'A', senderContact: PHONE, message: 'm' })) missing = missing.field(k, v);
      expect((await missing).status).toBe(400);
      // Sent twice, the field is a list: neither one empty text, so refused too.
      let twice = request(app).post('/gui-thong-tin').set('X-Forwarded-For', '10.200.0.2').field('website', '').field('website', 'http://spam.example');
      for (const [k, v] of Object.entries({ ...base(), senderName: 'A', senderContact: PHONE, message: 'm' })) twice = twice.field(k, v);
      const refused = await twice;
      expect(refused.status).toBe(400);
      expect(refused.text).toContain('role="alert"');
      let emptyTwice = request(app).post('/gui-thong-tin').set('X-Forwarded-For', '10.200.0.3').field('website', '').field('website', '');
      for (const [k, v] of Object.entries({ ...base(), senderName: 'A', senderContact: PHONE, message: 'm' })) emptyTwice = emptyTwice.field(k, v);
      expect((await emptyTwice).status).toBe(400);
    });

    it('a date that is not one, and a contact that is neither phone nor email', async () => {
      const date = await send({ ...base(), deathDate: '31/02/1968' });
      expect(date.status).toBe(400);
      expect(date.text).toContain('31/02/1968');
      expect((await send({ ...base(), senderContact: 'ask my uncle' })).status).toBe(400);
    });

    it('a flood from one address gets 429 with Retry-After', async () => {
      const statuses: number[] = [];
      let last: request.Response | undefined;
      for (let i = 0; i < 7; i++) {
        last = await send({ ...base(), unit: `Trung đoàn ${i}` }, [], '10.250.0.9');
        statuses.push(last.status);
      }
      expect(statuses.slice(0, 5).every((s) => s === 303)).toBe(true);
      expect(statuses[5]).toBe(429);
      expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
    });

    it('lets exactly five of twelve submissions sent at once from one address through', async () => {
      const statuses = (await Promise.all(Array.from({ length: 12 }, (_, i) => send({ ...base(), unit: `Tiểu đoàn ${i}` }, [], '10.251.0.12')))).map((r) => r.status);
      expect(statuses.filter((s) => s === 303)).toHaveLength(5);
      expect(statuses.filter((s) => s === 429)).toHaveLength(7);
      expect(Number((await t.db('submissions').where({ sender_ip: '10.251.0.12' }).count({ n: '*' }))[0]!.n)).toBe(5);
    });

    it('does not count a refused submission against its address', async () => {
      const ip = '10.252.0.1';
      for (let i = 0; i < 6; i++) expect((await send({ ...base(), deathDate: 'không rõ' }, [], ip)).status).toBe(400);
      expect((await send(base(), [], ip)).status).toBe(303);
    });

    it('stores nothing for a refused submission', async () => {
      const files = await readdir(path.join(dataDir, 'private', 'submissions')).catch(() => []);
      const withFiles = await t.db('submission_files').countDistinct({ n: 'submission_id' });
      expect(files.length).toBe(Number(withFiles[0]!.n));
    });
  });

  it('reads tracking codes back the way people say them', () => {
    expect(normalizeTrackingCode('k7m2 9xq4 t3')).toBe('K7M2-9XQ4-T3');
    expect(normalizeTrackingCode('K7M2-9XQ4-TO')).toBe('K7M2-9XQ4-T0');
    expect(normalizeTrackingCode('short')).toBeUndefined();
  });

  it('shows officers their queue figures: counts by status, open by province, median days to a decision', async () => {
    const page = await haTinhOfficer.agent.get('/quan-ly/thong-tin').query({ status: 'accepted' });
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/data-status="accepted">[^<]*<strong>\d+/);
    expect(page.text).toMatch(/Thời gian xử lý trung vị \(ngày\): <strong>[\d.,]+</);
    expect((await haTinhOfficer.agent.get('/quan-ly/thong-tin').query({ status: 'bogus' })).status).toBe(400);
  });
});
