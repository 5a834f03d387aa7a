/**
 * Families and the unidentified, end to end on real PostgreSQL/PostGIS: a family's search request
 * answered at once with ranked, explained candidates; the request kept matching as graves are
 * added (the job queue's drain, run twice to show it adds nothing twice); officers of the grave's
 * province confirming, rejecting or referring to DNA, with the record, the audit log and the
 * timeline; the public lists; and bad input refused in the page's language with what was typed kept.
 */
import request from 'supertest';
import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drainAllGraveChanges, rankNotice } from '../../server/families/matching.service.js';
import { coverPoints } from '../../server/families/score.js';
import { createTestDatabase, testApp, type TestDatabase } from '../support/services.js';
import { createStaff, signIn, type SignedIn } from '../support/staff.js';

const REQUESTER = { requesterName: 'Trần Thị Người Hỏi', requesterPhone: '0987 654 321', requesterEmail: '', requesterRelation: 'em gái' };
const NOTICE = {
  fullName: 'Nguyễn Văn Kiên', hometown: 'xã Thạch Kim, huyện Thạch Hà, tỉnh Hà Tĩnh', province: '', unit: 'Đại đội 2, Tiểu đoàn 4, Trung đoàn 48, Sư đoàn 320',
  rank: 'Hạ sĩ', birthYear: '1950', deathDate: '15/6/1972', placeOfDeath: 'Mặt trận Quảng Trị',
};

describe('family search requests', () => {
  let t: TestDatabase;
  let app: Express;
  let quangTri: SignedIn;
  let haTinh: SignedIn;
  let haNoi: SignedIn;
  let ip = 0;
  const g: Record<string, number> = {};
  let martyrNoGrave = 0;

  const post = (fields: Record<string, string>, from = `10.17.0.${++ip}`) =>
    request(app).post('/tim-mo').set('X-Forwarded-For', from).type('form').send({ website: '', ...NOTICE, ...REQUESTER, ...fields });
  const codeOf = (res: request.Response) => /\/theo-doi\/([0-9A-Z-]+)/.exec(res.headers.location ?? '')![1]!;

  async function cemetery(name: string, province: string, oldProvince: string, lng: number, lat: number): Promise<number> {
    const { rows } = await t.db.raw(`INSERT INTO cemeteries (name, level, province_code, old_province_code, location) VALUES (?, 'province', ?, ?, ST_SetSRID(ST_MakePoint(?, ?), 4326)) RETURNING id`, [name, province, oldProvince, lng, lat]);
    return Number(rows[0].id);
  }
  async function grave(cemeteryId: number, plot: number, fields: Record<string, unknown>): Promise<number> {
    const [row] = await t.db('graves').insert({ cemetery_id: cemeteryId, row_label: '1', plot_number: String(plot), state: 'partial', ...fields }).returning('id');
    return Number(row.id);
  }

  beforeAll(async () => {
    t = await createTestDatabase('families');
    app = await testApp(t.db);
    const qt = await cemetery('Nghĩa trang liệt sĩ Quốc gia Đường 9', '44', '45', 106.95, 16.83);
    const hn = await cemetery('Nghĩa trang liệt sĩ Mai Dịch', '01', '01', 105.78, 21.04);
    g.truth = await grave(qt, 1, { known_unit: 'E48, F320', known_death_year: 1972, known_death_month: 6, inscription: 'LIỆT SĨ\nĐơn vị: E48, F320\nHy sinh tháng 6/1972' });
    g.division = await grave(qt, 2, { known_unit: 'Sư đoàn 320', known_death_year: 1972 });
    g.otherRegiment = await grave(qt, 3, { known_unit: 'Trung đoàn 64, Sư đoàn 320', known_death_year: 1968 });
    g.far = await grave(hn, 1, { known_unit: 'Trung đoàn 48', known_death_year: 1972 });
    g.unknown = await grave(qt, 4, { state: 'unknown', inscription: 'LIỆT SĨ\nCHƯA BIẾT TÊN' });
    g.identified = await grave(qt, 5, { state: 'identified', known_unit: 'E48, F320', known_death_year: 1972 });
    // Stones naming a cover: Đoàn 559 on many, one commune's guerrillas on one (no hometown, place or month to share).
    for (let i = 0; i < 40; i++) await grave(hn, 100 + i, { known_unit: 'Sư đoàn 470, Đoàn 559', known_death_year: 1966 });
    g.guerrilla = await grave(hn, 200, { known_unit: 'Du kích xã Thạch Kim', known_death_year: 1966 });
    await t.db('martyrs').insert({ full_name: 'Lê Văn Đã Yên', grave_id: g.identified, unit: 'Trung đoàn 48', death_year: 1972 });
    const [m] = await t.db('martyrs').insert({ full_name: 'Phạm Văn Chưa Mộ', hometown_text: 'Hà Tĩnh', hometown_province_code: '42', unit: 'Trung đoàn 48, Sư đoàn 320', death_year: 1972 }).returning('id');
    martyrNoGrave = Number(m.id);
    await t.db('martyrs').insert({ full_name: 'Hoàng Văn Kín', hometown_province_code: '42', is_public: false });
    // The graves' trigger queued them; the job's drain parses them into grave_clues.
    expect(await drainAllGraveChanges(t.db)).toBeGreaterThanOrEqual(5);
    quangTri = await signIn(app, (await createStaff(t.db, [{ role: 'province_officer', provinceCode: '44', cemeteryId: null }], 'Sở Quảng Trị')).email);
    haTinh = await signIn(app, (await createStaff(t.db, [{ role: 'province_officer', provinceCode: '42', cemeteryId: null }], 'Sở Hà Tĩnh')).email);
    haNoi = await signIn(app, (await createStaff(t.db, [{ role: 'province_officer', provinceCode: '01', cemeteryId: null }], 'Sở Hà Nội')).email);
  });
  afterAll(async () => {
    await t?.drop();
  });

  it('ranks the grave of the same regiment, month and place first, with its reasons, and never an identified grave', async () => {
    const ranked = await rankNotice(t.db, { fullName: NOTICE.fullName, hometown: NOTICE.hometown, unit: NOTICE.unit, placeOfDeath: NOTICE.placeOfDeath, death: { year: 1972, month: 6, day: 15 } });
    expect(ranked[0]!.graveId).toBe(g.truth);
    expect(ranked.map((r) => r.graveId)).not.toContain(g.identified);
    expect(ranked.map((r) => r.graveId)).not.toContain(g.unknown);
    expect(ranked[0]!.reasons.map((r) => r.code)).toEqual(expect.arrayContaining(['sameRegiment', 'sameDivision', 'sameMonth', 'buriedInPlace']));
    const far = ranked.find((r) => r.graveId === g.far)!;
    expect(far.reasons.find((r) => r.code === 'buriedNear' || r.code === 'buriedInPlace')).toBeUndefined();
    expect(ranked.findIndex((r) => r.graveId === g.far)).toBeGreaterThan(0);
  });

  it('scores a shared cover name by how rare it is on stones: a commune\'s guerrillas above Đoàn 559', async () => {
    const unitStones = Number((await t.db.raw(`SELECT count(*) AS n FROM grave_clues WHERE unit_keys <> '{}'`)).rows[0].n);
    const cover = async (unit: string) => {
      const ranked = await rankNotice(t.db, { fullName: 'Bùi Văn Lạ', hometown: null, unit, placeOfDeath: null, death: { year: 1966, month: null, day: null } });
      return ranked[0]!.reasons.find((r) => r.code === 'sameCover')!.points;
    };
    const guerrilla = await cover('Du kích xã Thạch Kim');
    const truongSon = await cover('Tiểu đoàn 3, Đoàn 559');
    expect(guerrilla).toBe(coverPoints(unitStones, 1));
    expect(truongSon).toBe(coverPoints(unitStones, 40));
    expect(guerrilla).toBeGreaterThan(truongSon);
  });

  it('answers a request at once: tracking code, candidates with reasons in words, and nothing of the requester', async () => {
    const res = await post({});
    expect(res.status).toBe(303);
    const page = await request(app).get(`/theo-doi/${codeOf(res)}?moi=1`);
    expect(page.status).toBe(200);
    expect(page.headers['cache-control']).toBe('no-store');
    const first = page.text.indexOf(`data-grave="${g.truth}"`);
    expect(first).toBeGreaterThan(0);
    expect(page.text.indexOf(`data-grave="${g.division}"`)).toBeGreaterThan(first);
    expect(page.text).toContain('Cùng trung đoàn: Trung đoàn 48');
    expect(page.text).toContain('Hy sinh cùng tháng');
    expect(page.text).toContain('An táng ngay tại nơi hy sinh (Quảng Trị)');
    expect(page.text).not.toContain(`data-grave="${g.identified}"`);
    for (const secret of [REQUESTER.requesterName, REQUESTER.requesterPhone, 'em gái']) expect(page.text).not.toContain(secret);
    const row = await t.db('family_requests').where({ tracking_code: codeOf(res) }).first();
    // Routed by the hometown: Thạch Hà is in Hà Tĩnh.
    expect(row.province_code).toBe('42');
    expect(await t.db('family_request_events').where({ request_id: row.id }).pluck('kind')).toEqual(['received', 'candidates_found']);
  });

  it('finds the martyr\'s own record and links it from the tracking page', async () => {
    const res = await post({ fullName: 'Phạm Văn Chưa Mộ', hometown: 'Hà Tĩnh', province: '42' });
    const page = await request(app).get(`/theo-doi/${codeOf(res)}`);
    expect(page.text).toContain(`/liet-si/${martyrNoGrave}-`);
    // A confidential record is never named back, even when its name is typed exactly.
    const secret = await post({ fullName: 'Hoàng Văn Kín', province: '42' });
    const secretPage = await request(app).get(`/theo-doi/${codeOf(secret)}`);
    expect(secretPage.text).not.toContain('/liet-si/');
    expect((await t.db('family_requests').where({ tracking_code: codeOf(secret) }).first()).martyr_id).toBeNull();
  });

  it('keeps matching: a grave added later that scores well is added once, shown as found later, with its timeline event', async () => {
    const res = await post({ fullName: 'Đỗ Văn Sau Này', deathDate: '3/8/1972', unit: 'Tiểu đoàn 9, Trung đoàn 52, Sư đoàn 320' });
    const code = codeOf(res);
    const request_ = await t.db('family_requests').where({ tracking_code: code }).first();
    const before = await t.db('family_request_candidates').where({ request_id: request_.id }).count<{ count: number }[]>('* as count');
    const qt = (await t.db('graves').where({ id: g.truth }).first()).cemetery_id;
    const later = await grave(qt, 20, { known_unit: 'd9, E52', known_death_year: 1972, known_death_month: 8 });
    expect(await t.db('grave_match_outbox').where({ grave_id: later }).whereNull('processed_at').count<{ count: number }[]>('* as count')).toEqual([{ count: 1 }]);
    await drainAllGraveChanges(t.db);
    // Delivered again (a retried job): nothing doubles.
    await t.db('grave_match_outbox').insert({ grave_id: later });
    await drainAllGraveChanges(t.db);
    const candidates = await t.db('family_request_candidates').where({ request_id: request_.id, grave_id: later });
    expect(candidates).toHaveLength(1);
    expect(candidates[0].found_by).toBe('grave_change');
    expect(Number((await t.db('family_request_candidates').where({ request_id: request_.id }).count<{ count: number }[]>('* as count'))[0]!.count)).toBe(Number(before[0]!.count) + 1);
    expect(await t.db('family_request_events').where({ request_id: request_.id, kind: 'candidate_added' }).count<{ count: number }[]>('* as count')).toEqual([{ count: 1 }]);
    const page = await request(app).get(`/theo-doi/${code}`);
    expect(page.text).toContain(`data-grave="${later}"`);
    expect(page.text).toContain('tìm thấy sau khi gửi');
    // A grave changed so that it no longer says anything matching stays, with its reasons brought up to date.
    await t.db('graves').where({ id: later }).update({ known_unit: null });
    await drainAllGraveChanges(t.db);
    expect((await t.db('grave_clues').where({ grave_id: later }).first()).unit_keys).toEqual([]);
  });

  it('lets the grave\'s province confirm: the martyr is linked, the grave identified, audit rows and the timeline written', async () => {
    const res = await post({ fullName: 'Bùi Văn Xác Nhận' });
    const code = codeOf(res);
    const req = await t.db('family_requests').where({ tracking_code: code }).first();
    const candidate = await t.db('family_request_candidates').where({ request_id: req.id, grave_id: g.truth }).first();
    // The queue of the grave's province holds it; the hometown's officers see it (and the phone) but do not decide; another province sees nothing.
    expect((await quangTri.agent.get('/quan-ly/tim-mo')).text).toContain(`data-candidate="${candidate.id}"`);
    const hometownView = await haTinh.agent.get(`/quan-ly/tim-mo/${candidate.id}`);
    expect(hometownView.status).toBe(200);
    expect(hometownView.text).toContain(REQUESTER.requesterPhone);
    expect(hometownView.text).not.toContain('name="decision" value="confirm"');
    expect((await haNoi.agent.get(`/quan-ly/tim-mo/${candidate.id}`)).status).toBe(404);
    expect((await haTinh.agent.post(`/quan-ly/tim-mo/${candidate.id}`).type('form').send({ _csrf: haTinh.csrf, version: String(candidate.version), decision: 'confirm' })).status).toBe(404);
    expect((await request(app).get(`/quan-ly/tim-mo/${candidate.id}`)).status).toBe(303);

    const view = await quangTri.agent.get(`/quan-ly/tim-mo/${candidate.id}`);
    expect(view.text).toContain(REQUESTER.requesterPhone);
    expect(view.text).toContain('Cùng trung đoàn: Trung đoàn 48');
    const outboxBefore = Number((await t.db('search_outbox').count<{ count: number }[]>('* as count'))[0]!.count);
    const done = await quangTri.agent.post(`/quan-ly/tim-mo/${candidate.id}`).type('form').send({ _csrf: quangTri.csrf, version: String(candidate.version), decision: 'confirm', note: 'Đã đối chiếu với gia đình.' });
    expect(done.status).toBe(303);
    const martyr = await t.db('martyrs').where({ grave_id: g.truth }).first();
    expect(martyr.full_name).toBe('Bùi Văn Xác Nhận');
    expect((await t.db('graves').where({ id: g.truth }).first()).state).toBe('identified');
    expect((await t.db('family_requests').where({ id: req.id }).first()).status).toBe('found');
    const actions = await t.db('audit_log').where('at', '>=', req.created_at).pluck('action');
    expect(actions).toEqual(expect.arrayContaining(['martyr.create', 'martyr.update', 'grave.update', 'family_request.confirm']));
    expect(Number((await t.db('search_outbox').count<{ count: number }[]>('* as count'))[0]!.count)).toBeGreaterThan(outboxBefore);
    // Other requests' proposals of this grave are withdrawn; the family reads the confirmation.
    expect(await t.db('family_request_candidates').where({ grave_id: g.truth, status: 'proposed' })).toEqual([]);
    const page = await request(app).get(`/theo-doi/${code}`);
    expect(page.text).toContain('Cán bộ đã xác nhận phần mộ');
    expect(page.text).toContain('Đã đối chiếu với gia đình.');
    // A second confirmation of the same version is a conflict, shown on the page.
    const again = await quangTri.agent.post(`/quan-ly/tim-mo/${candidate.id}`).type('form').send({ _csrf: quangTri.csrf, version: String(candidate.version), decision: 'confirm' });
    expect(again.status).toBe(409);
    // The grave is identified now: its clues leave the read model once the job has run.
    await drainAllGraveChanges(t.db);
    expect(await t.db('grave_clues').where({ grave_id: g.truth }).first()).toBeUndefined();
  });

  it('rejects only with a reason, and refers to DNA identification with the programmes\' addresses shown to the family', async () => {
    const res = await post({ fullName: 'Vũ Văn Giám Định', unit: 'Sư đoàn 320', deathDate: '1972' });
    const code = codeOf(res);
    const req = await t.db('family_requests').where({ tracking_code: code }).first();
    const [a, b] = await t.db('family_request_candidates').where({ request_id: req.id, status: 'proposed' }).orderBy('score', 'desc');
    const noReason = await quangTri.agent.post(`/quan-ly/tim-mo/${a.id}`).type('form').send({ _csrf: quangTri.csrf, version: String(a.version), decision: 'reject', reason: ' ' });
    expect(noReason.status).toBe(400);
    expect(noReason.text).toContain('Cần ghi lý do khi từ chối.');
    expect((await t.db('family_request_candidates').where({ id: a.id }).first()).status).toBe('proposed');
    await quangTri.agent.post(`/quan-ly/tim-mo/${a.id}`).type('form').send({ _csrf: quangTri.csrf, version: String(a.version), decision: 'reject', reason: 'Năm hy sinh không khớp hồ sơ quy tập.' }).expect(303);
    await quangTri.agent.post(`/quan-ly/tim-mo/${b.id}`).type('form').send({ _csrf: quangTri.csrf, version: String(b.version), decision: 'dna' }).expect(303);
    const page = await request(app).get(`/theo-doi/${code}`);
    expect(page.text).toContain('Năm hy sinh không khớp hồ sơ quy tập.');
    expect(page.text).toContain('Giám định ADN');
    expect(page.text).toContain('Cục Người có công');
    expect(await t.db('family_request_events').where({ request_id: req.id }).pluck('kind')).toEqual(expect.arrayContaining(['rejected', 'dna_referred']));
  });

  it('refuses bad input with a clear message in the page\'s language, keeping what was typed, and writes nothing', async () => {
    const count = async () => Number((await t.db('family_requests').count<{ count: number }[]>('* as count'))[0]!.count);
    const before = await count();
    const noContact = await post({ requesterPhone: '', requesterEmail: '' });
    expect(noContact.status).toBe(400);
    expect(noContact.text).toContain('Xin nhập số điện thoại hoặc thư điện tử');
    expect(noContact.text).toContain('value="Nguyễn Văn Kiên"');
    expect(noContact.text).toContain('value="Đại đội 2, Tiểu đoàn 4, Trung đoàn 48, Sư đoàn 320"');
    const badDate = await post({ deathDate: '31/2/1972' });
    expect(badDate.status).toBe(400);
    expect(badDate.text).toMatch(/id="f-deathDate"[^>]*aria-invalid="true"/);
    const english = await request(app).post('/tim-mo').set('Cookie', 'lang=en').set('X-Forwarded-For', '10.17.9.9').type('form').send({ website: '', ...NOTICE, ...REQUESTER, requesterPhone: '12' });
    expect(english.status).toBe(400);
    expect(english.text).toContain('The phone number is not right');
    const nowhere = await post({ hometown: 'Làng Không Có Thật', province: '' });
    expect(nowhere.status).toBe(400);
    expect(nowhere.text).toContain('xin chọn tỉnh, thành phố');
    const unknownProvince = await post({ province: '99' });
    expect(unknownProvince.status).toBe(400);
    const tooLong = await post({ unit: 'x'.repeat(301) });
    expect(tooLong.status).toBe(400);
    expect(tooLong.text).toContain('dài quá 300 ký tự');
    expect(await count()).toBe(before);
  });

  it('limits requests per address, answering with the form and the time to wait', async () => {
    const from = '10.17.200.1';
    for (let i = 0; i < 5; i++) expect((await post({ fullName: `Người Thứ ${i + 1}` }, from)).status).toBe(303);
    const refused = await post({ fullName: 'Người Thứ Sáu' }, from);
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toMatch(/^\d+$/);
    expect(refused.text).toContain('Đã gửi nhiều yêu cầu từ địa chỉ này');
    expect(refused.text).toContain('value="Người Thứ Sáu"');
    expect((await post({ fullName: 'Người Khác' }, '10.17.200.2')).status).toBe(303);
  });

  it('lists unidentified graves with their clues, filtered by unit however it is written, and graveless martyrs by hometown province', async () => {
    // Unfiltered, the page counts by province (a nationwide list would sort every unidentified grave).
    const national = await request(app).get('/mo-chua-xac-dinh');
    expect(national.text).toMatch(/href="\/mo-chua-xac-dinh\?province=44">[^<]+<\/a>: 4</);
    const list = await request(app).get('/mo-chua-xac-dinh').query({ province: '44' });
    expect(list.status).toBe(200);
    expect(list.text).toContain(`data-grave="${g.division}"`);
    expect(list.text).not.toContain(`data-grave="${g.identified}"`);
    for (const unit of ['E64', 'Trung đoàn 64', 'e 64']) {
      const byUnit = await request(app).get('/mo-chua-xac-dinh').query({ unit });
      expect(byUnit.text, unit).toContain(`data-grave="${g.otherRegiment}"`);
      expect(byUnit.text, unit).not.toContain(`data-grave="${g.division}"`);
    }
    expect((await request(app).get('/mo-chua-xac-dinh').query({ year: 'abc' })).status).toBe(400);
    const graveless = await request(app).get('/liet-si-chua-tim-thay-mo').query({ province: '42' });
    expect(graveless.status).toBe(200);
    expect(graveless.text).toContain(`data-martyr="${martyrNoGrave}"`);
    expect(graveless.text).not.toContain('Hoàng Văn Kín');
    const grave = await request(app).get(`/mo/${g.division}`);
    expect(grave.text).toContain('href="/tim-mo"');
  });
});
