/**
 * Staff accounts against real PostgreSQL: hashes, sessions, CSRF, throttling, disabled accounts,
 * the role x resource matrix, and an audit log that the database itself keeps append-only.
 */
import request from 'supertest';
import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeAudit } from '../../server/audit/audit.js';
import { setDisabled } from '../../server/accounts/users.service.js';
import { loadSearchFixture, type SearchFixture } from '../support/search-fixtures.js';
import { createTestDatabase, testApp, type TestDatabase } from '../support/services.js';
import { createStaff, signIn, signInForm, TEST_PASSWORD } from '../support/staff.js';

/** The session cookie a response sets, if any. */
const sessionCookie = (res: request.Response): string | undefined =>
  ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith('mls_session='));

describe('staff accounts', () => {
  let t: TestDatabase;
  let fx: SearchFixture;
  let app: Express;
  let admin: { id: number; email: string };

  beforeAll(async () => {
    t = await createTestDatabase('accounts');
    fx = await loadSearchFixture(t.db);
    app = await testApp(t.db);
    admin = await createStaff(t.db, [{ role: 'admin', provinceCode: null, cemeteryId: null }], 'Quản trị');
  });
  afterAll(async () => {
    await t.drop();
  });

  it('stores passwords as argon2id hashes, never as given', async () => {
    const row = await t.db('users').where({ id: admin.id }).first();
    expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$/);
    expect(row.password_hash).not.toContain(TEST_PASSWORD);
  });

  it('signs in with email or username, sets a safe cookie, and gives a new session id each time', async () => {
    await t.db('users').where({ id: admin.id }).update({ username: 'quantri' });
    const first = await signIn(app, admin.email);
    const cookie = sessionCookie(first.response)!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).not.toMatch(/Secure/);
    const second = await signIn(app, 'QuanTri');
    const cookie2 = sessionCookie(second.response)!;
    expect(cookie2.split(';')[0]).not.toBe(cookie.split(';')[0]);
    // Over HTTPS (behind the local proxy) the cookie is Secure.
    const agent = request.agent(app);
    const token = await signInForm(agent);
    const secure = await agent.post('/quan-ly/dang-nhap').set('X-Forwarded-Proto', 'https').type('form').send({ identifier: admin.email, password: TEST_PASSWORD, _csrf: token });
    expect(sessionCookie(secure)).toMatch(/Secure/);
    // A session id planted before sign-in is not kept.
    const planted = request.agent(app);
    planted.jar.setCookie('mls_session=planted-session-id-that-is-long-enough', '127.0.0.1', '/');
    const plantedToken = await signInForm(planted);
    const signedIn = await planted.post('/quan-ly/dang-nhap').type('form').send({ identifier: admin.email, password: TEST_PASSWORD, _csrf: plantedToken });
    expect(sessionCookie(signedIn)).not.toContain('planted');
  });

  it('answers a wrong password and an unknown account with the same words', async () => {
    const tryOnce = async (identifier: string) => {
      const agent = request.agent(app);
      const token = await signInForm(agent);
      return agent.post('/quan-ly/dang-nhap').type('form').send({ identifier, password: 'wrong password entirely', _csrf: token });
    };
    const wrong = await tryOnce(admin.email);
    const unknown = await tryOnce('nobody-here@example.vn');
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    const message = (html: string) => /role="alert">([^<]+)</.exec(html)?.[1];
    expect(message(wrong.text)).toBe(message(unknown.text));
    const audit = await t.db('audit_log').where({ action: 'session.sign_in_failed' }).orderBy('id', 'desc').first();
    expect(audit.ip).toBeTruthy();
  });

  it('refuses the sign-in form without its token', async () => {
    const res = await request(app).post('/quan-ly/dang-nhap').type('form').send({ identifier: admin.email, password: TEST_PASSWORD });
    expect(res.status).toBe(403);
  });

  it('throttles sign-in per account with 429 and Retry-After, and per address', async () => {
    const target = await createStaff(t.db, [{ role: 'ministry_officer', provinceCode: null, cemeteryId: null }]);
    const statuses: number[] = [];
    let last: request.Response | undefined;
    for (let i = 0; i < 7; i++) {
      const agent = request.agent(app);
      const token = await signInForm(agent);
      last = await agent.post('/quan-ly/dang-nhap').set('X-Forwarded-For', `10.1.0.${i}`).type('form').send({ identifier: target.email, password: `wrong ${i} password here`, _csrf: token });
      statuses.push(last.status);
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses[5]).toBe(429);
    expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
    // Even the right password waits: the account is throttled, not the guess.
    const agent = request.agent(app);
    const token = await signInForm(agent);
    expect((await agent.post('/quan-ly/dang-nhap').type('form').send({ identifier: target.email, password: TEST_PASSWORD, _csrf: token })).status).toBe(429);
  });

  it('checks exactly five of twenty wrong passwords sent at once for one account; the rest wait (429)', async () => {
    const target = await createStaff(t.db, [{ role: 'ministry_officer', provinceCode: null, cemeteryId: null }]);
    // Each from its own address, so that only the account's limit is at stake.
    const forms = await Promise.all(Array.from({ length: 20 }, async () => { const agent = request.agent(app); return { agent, token: await signInForm(agent) }; }));
    const statuses = (await Promise.all(forms.map(({ agent, token }, i) =>
      agent.post('/quan-ly/dang-nhap').set('X-Forwarded-For', `10.3.0.${i}`).type('form').send({ identifier: target.email, password: `wrong ${i} password here`, _csrf: token }),
    ))).map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(15);
    expect(await t.db('audit_log').where({ action: 'session.sign_in_failed', entity_id: target.id })).toHaveLength(5);
  }, 180_000);

  it('checks exactly twenty of twenty-two sign-ins sent at once from one address', async () => {
    // Twenty password hashes on a busy machine take a while: a longer timeout, no timing asserted.
    const forms = await Promise.all(Array.from({ length: 22 }, async () => { const agent = request.agent(app); return { agent, token: await signInForm(agent) }; }));
    const statuses = (await Promise.all(forms.map(({ agent, token }, i) =>
      agent.post('/quan-ly/dang-nhap').set('X-Forwarded-For', '10.6.0.1').type('form').send({ identifier: `nobody${i}@example.vn`, password: 'wrong password entirely', _csrf: token }),
    ))).map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(20);
    expect(statuses.filter((s) => s === 429)).toHaveLength(2);
  }, 180_000);

  it('counts an account once whether its email or its username is typed', async () => {
    const target = await createStaff(t.db, [{ role: 'ministry_officer', provinceCode: null, cemeteryId: null }]);
    await t.db('users').where({ id: target.id }).update({ username: `canbo${target.id}` });
    const forms = await Promise.all(Array.from({ length: 8 }, async () => { const agent = request.agent(app); return { agent, token: await signInForm(agent) }; }));
    const statuses = (await Promise.all(forms.map(({ agent, token }, i) =>
      agent.post('/quan-ly/dang-nhap').set('X-Forwarded-For', `10.4.0.${i}`).type('form')
        .send({ identifier: i % 2 ? target.email.toUpperCase() : `CanBo${target.id}`, password: `wrong ${i} password here`, _csrf: token }),
    ))).map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(3);
  });

  it('keeps no identifier in the audit log of a failed sign-in that names no account', async () => {
    const agent = request.agent(app);
    const token = await signInForm(agent);
    const typed = 'my secret password typed in the wrong box';
    expect((await agent.post('/quan-ly/dang-nhap').set('X-Forwarded-For', '10.5.0.1').type('form').send({ identifier: typed, password: 'x', _csrf: token })).status).toBe(401);
    const row = await t.db('audit_log').where({ action: 'session.sign_in_failed' }).orderBy('id', 'desc').first();
    expect(row.entity_id).toBeNull();
    expect(JSON.stringify(row)).not.toContain('secret password');
    // Nor in the counters of the sign-in limit, which still count it.
    const hits = (await t.db('rate_limit_hits').pluck('key')) as string[];
    expect(hits.some((key) => key.includes('secret password'))).toBe(false);
    expect(hits.filter((key) => key.startsWith('sign-in:typed:'))).not.toHaveLength(0);
    // For an account, which one was tried is kept.
    const form = await signInForm(agent);
    await agent.post('/quan-ly/dang-nhap').set('X-Forwarded-For', '10.5.0.2').type('form').send({ identifier: admin.email, password: 'not the password at all', _csrf: form });
    expect((await t.db('audit_log').where({ action: 'session.sign_in_failed' }).orderBy('id', 'desc').first()).entity_id).toBe(admin.id);
  });

  it('refuses a state-changing request with a missing or wrong CSRF token (403), form or JSON', async () => {
    const { agent, csrf } = await signIn(app, admin.email);
    const target = await createStaff(t.db, [{ role: 'cemetery_staff', provinceCode: null, cemeteryId: fx.cemeteries.haTinh }]);
    const missing = await agent.post(`/quan-ly/nguoi-dung/${target.id}/khoa`).type('form').send({ action: 'disable' });
    expect(missing.status).toBe(403);
    const wrong = await agent.post(`/quan-ly/nguoi-dung/${target.id}/khoa`).type('form').send({ action: 'disable', _csrf: `${csrf}x` });
    expect(wrong.status).toBe(403);
    const json = await agent.post(`/quan-ly/nguoi-dung/${target.id}/khoa`).set('Accept', 'application/json').send({ action: 'disable' });
    expect(json.status).toBe(403);
    expect(json.body.error.code).toBe('csrf_failed');
    expect((await t.db('users').where({ id: target.id }).first()).disabled_at).toBeNull();
    const ok = await agent.post(`/quan-ly/nguoi-dung/${target.id}/khoa`).type('form').send({ action: 'disable', _csrf: csrf, reason: 'nghỉ hưu' });
    expect(ok.status).toBe(303);
    expect((await t.db('users').where({ id: target.id }).first()).disabled_at).not.toBeNull();
    const header = await agent.post(`/quan-ly/nguoi-dung/${target.id}/khoa`).set('X-CSRF-Token', csrf).send({ action: 'enable' });
    expect(header.status).toBe(303);
  });

  it('stops a disabled account at once, even with a live session', async () => {
    const officer = await createStaff(t.db, [{ role: 'province_officer', provinceCode: '42', cemeteryId: null }]);
    const { agent } = await signIn(app, officer.email);
    expect((await agent.get('/quan-ly')).status).toBe(200);
    await setDisabled(t.db, { userId: admin.id, ip: null }, officer.id, true, 'test');
    const after = await agent.get('/quan-ly');
    expect(after.status).toBe(303);
    expect(after.headers.location).toMatch(/^\/quan-ly\/dang-nhap/);
    // Even if its sessions were not revoked, the account itself is refused.
    await t.db('sessions').where({ user_id: officer.id }).update({ revoked_at: null });
    expect((await agent.get('/quan-ly')).status).toBe(303);
  });

  it('signs out here, or everywhere', async () => {
    const officer = await createStaff(t.db, [{ role: 'ministry_officer', provinceCode: null, cemeteryId: null }]);
    const a = await signIn(app, officer.email);
    const b = await signIn(app, officer.email);
    await a.agent.post('/quan-ly/dang-xuat').type('form').send({ _csrf: a.csrf });
    expect((await a.agent.get('/quan-ly')).status).toBe(303);
    expect((await b.agent.get('/quan-ly')).status).toBe(200);
    const c = await signIn(app, officer.email);
    await c.agent.post('/quan-ly/dang-xuat').type('form').send({ _csrf: c.csrf, everywhere: '1' });
    expect((await b.agent.get('/quan-ly')).status).toBe(303);
  });

  it('ends a session after the idle time and after the absolute time', async () => {
    const officer = await createStaff(t.db, [{ role: 'ministry_officer', provinceCode: null, cemeteryId: null }]);
    const idle = await signIn(app, officer.email);
    await t.db('sessions').where({ user_id: officer.id }).update({ last_seen_at: t.db.raw(`now() - interval '2 hours'`) });
    expect((await idle.agent.get('/quan-ly')).status).toBe(303);
    const absolute = await signIn(app, officer.email);
    await t.db('sessions').where({ user_id: officer.id }).whereNull('revoked_at').update({ expires_at: t.db.raw(`now() - interval '1 second'`) });
    expect((await absolute.agent.get('/quan-ly')).status).toBe(303);
  });

  it('lets an admin create an account and hand over a one-time link; the link works once', async () => {
    const { agent, csrf } = await signIn(app, admin.email);
    const created = await agent.post('/quan-ly/nguoi-dung/moi').type('form').send({
      _csrf: csrf, email: 'Can.Bo.Moi@so.example.vn', displayName: 'Cán bộ mới', role: ['province_officer', ''], province: ['44', ''], cemetery: ['', ''],
    });
    expect(created.status).toBe(201);
    const link = /\/quan-ly\/dat-lai-mat-khau\/([\w-]+)/.exec(created.text)![0];
    const user = await t.db('users').where({ email: 'can.bo.moi@so.example.vn' }).first();
    expect(await t.db('user_roles').where({ user_id: user.id })).toEqual([expect.objectContaining({ role: 'province_officer', province_code: '44' })]);
    // No password works before the link is used.
    const before = request.agent(app);
    const token = await signInForm(before);
    expect((await before.post('/quan-ly/dang-nhap').type('form').send({ identifier: user.email, password: '', _csrf: token })).status).toBe(400);

    expect((await request(app).post(link).type('form').send({ password: 'password123456789', confirm: 'password123456789' })).status).toBe(400);
    expect((await request(app).post(link).type('form').send({ password: 'short', confirm: 'short' })).status).toBe(400);
    const set = await request(app).post(link).type('form').send({ password: 'con đò nhỏ qua sông chiều mưa', confirm: 'con đò nhỏ qua sông chiều mưa' });
    expect(set.status).toBe(303);
    expect((await request(app).get(link)).status).toBe(410);
    await signIn(app, user.email, 'con đò nhỏ qua sông chiều mưa');
  });

  it('lets a user change their own password, which ends their other sessions', async () => {
    const officer = await createStaff(t.db, [{ role: 'ministry_officer', provinceCode: null, cemeteryId: null }]);
    const other = await signIn(app, officer.email);
    const me = await signIn(app, officer.email);
    const wrong = await me.agent.post('/quan-ly/mat-khau').type('form').send({ _csrf: me.csrf, current: 'not it', password: 'trăng rằm tháng tám sáng vằng vặc', confirm: 'trăng rằm tháng tám sáng vằng vặc' });
    expect(wrong.status).toBe(400);
    const ok = await me.agent.post('/quan-ly/mat-khau').type('form').send({ _csrf: me.csrf, current: TEST_PASSWORD, password: 'trăng rằm tháng tám sáng vằng vặc', confirm: 'trăng rằm tháng tám sáng vằng vặc' });
    expect(ok.status).toBe(303);
    expect((await other.agent.get('/quan-ly')).status).toBe(303);
    await signIn(app, officer.email, 'trăng rằm tháng tám sáng vằng vặc');
  });

  it("refuses a new password made of the account's email, its display name or the portal's name", async () => {
    const officer = await createStaff(t.db, [{ role: 'ministry_officer', provinceCode: null, cemeteryId: null }], 'Phạm Thị Thu Hương Hà Tĩnh');
    const me = await signIn(app, officer.email);
    const { display_name: name } = await t.db('users').where({ id: officer.id }).first();
    for (const password of [officer.email, officer.email.toUpperCase(), name, name.normalize('NFD').replace(/\p{M}/gu, '').replace(/\s/g, ''), 'Tìm mộ liệt sĩ Việt Nam', 'timmolietsi2026!!']) {
      const res = await me.agent.post('/quan-ly/mat-khau').type('form').send({ _csrf: me.csrf, current: TEST_PASSWORD, password, confirm: password });
      expect({ password, status: res.status }).toEqual({ password, status: 400 });
      expect(res.text).toContain('không được dựa trên email');
    }
    // Still the old password: nothing was changed.
    await signIn(app, officer.email);
  });

  describe('the role x resource matrix, enforced in the queries', () => {
    type Who = 'admin' | 'ministry' | 'haTinhOfficer' | 'quangTriOfficer' | 'haTinhCemetery' | 'noRole';
    const agents = {} as Record<Who, request.Agent>;

    beforeAll(async () => {
      const make = async (who: Who, grants: Parameters<typeof createStaff>[1]) => {
        const user = await createStaff(t.db, grants, who);
        agents[who] = (await signIn(app, user.email)).agent;
      };
      await make('admin', [{ role: 'admin', provinceCode: null, cemeteryId: null }]);
      await make('ministry', [{ role: 'ministry_officer', provinceCode: null, cemeteryId: null }]);
      await make('haTinhOfficer', [{ role: 'province_officer', provinceCode: '42', cemeteryId: null }]);
      await make('quangTriOfficer', [{ role: 'province_officer', provinceCode: '44', cemeteryId: null }]);
      await make('haTinhCemetery', [{ role: 'cemetery_staff', provinceCode: null, cemeteryId: fx.cemeteries.haTinh }]);
      await make('noRole', []);
    });

    const resources = () => ({
      // A martyr from Hà Tĩnh buried in Hà Tĩnh.
      haTinhMartyr: `/quan-ly/lich-su/martyr/${fx.martyrs.thanhHaTinh1948}`,
      // A martyr from Thái Bình (Hưng Yên today) buried at Trường Sơn (Quảng Trị).
      quangTriMartyr: `/quan-ly/lich-su/martyr/${fx.martyrs.duc}`,
      haTinhCemetery: `/quan-ly/lich-su/cemetery/${fx.cemeteries.haTinh}`,
      truongSonCemetery: `/quan-ly/lich-su/cemetery/${fx.cemeteries.truongSon}`,
      truongSonGrave: `/quan-ly/lich-su/grave/${fx.graves.partial}`,
      users: '/quan-ly/nguoi-dung',
      audit: '/quan-ly/nhat-ky',
    });

    const expected: Record<Who, Record<keyof ReturnType<typeof resources>, number>> = {
      admin: { haTinhMartyr: 200, quangTriMartyr: 200, haTinhCemetery: 200, truongSonCemetery: 200, truongSonGrave: 200, users: 200, audit: 200 },
      ministry: { haTinhMartyr: 200, quangTriMartyr: 200, haTinhCemetery: 200, truongSonCemetery: 200, truongSonGrave: 200, users: 403, audit: 200 },
      haTinhOfficer: { haTinhMartyr: 200, quangTriMartyr: 404, haTinhCemetery: 200, truongSonCemetery: 404, truongSonGrave: 404, users: 403, audit: 403 },
      quangTriOfficer: { haTinhMartyr: 404, quangTriMartyr: 200, haTinhCemetery: 404, truongSonCemetery: 200, truongSonGrave: 200, users: 403, audit: 403 },
      haTinhCemetery: { haTinhMartyr: 200, quangTriMartyr: 404, haTinhCemetery: 200, truongSonCemetery: 404, truongSonGrave: 404, users: 403, audit: 403 },
      noRole: { haTinhMartyr: 404, quangTriMartyr: 404, haTinhCemetery: 404, truongSonCemetery: 404, truongSonGrave: 404, users: 403, audit: 403 },
    };

    for (const who of Object.keys(expected) as Who[]) {
      it(`${who} reaches exactly what their post covers`, async () => {
        const got: Record<string, number> = {};
        for (const [name, path] of Object.entries(resources())) got[name] = (await agents[who].get(path)).status;
        expect(got).toEqual(expected[who]);
      });
    }

    it('counts only what the scope covers on the staff home', async () => {

      const grab = async (who: Who, name: string) => {
        const html = (await agents[who].get('/quan-ly')).text;
        return Number(new RegExp(`data-count="${name}">([\\d.,]+)<`).exec(html)![1]!.replace(/[.,]/g, ''));
      };
      expect(await grab('ministry', 'cemeteries')).toBe(2);
      expect(await grab('haTinhOfficer', 'cemeteries')).toBe(1);
      expect(await grab('haTinhCemetery', 'cemeteries')).toBe(1);
      expect(await grab('noRole', 'cemeteries')).toBe(0);
      const haTinhGraves = Number((await t.db('graves').where({ cemetery_id: fx.cemeteries.haTinh }).count({ n: '*' }))[0]!.n);
      expect(await grab('haTinhOfficer', 'graves')).toBe(haTinhGraves);
      expect(await grab('quangTriOfficer', 'graves')).toBeGreaterThan(haTinhGraves);
    });
  });

  it('refuses a multipart request without the CSRF token: sign-out and a reset link are not done (403)', async () => {
    const { agent } = await signIn(app, admin.email);
    const target = await createStaff(t.db, [{ role: 'ministry_officer', provinceCode: null, cemeteryId: null }]);
    const links = async () => Number((await t.db('password_resets').where({ user_id: target.id }).count({ n: '*' }))[0]!.n);
    const linksBefore = await links();
    const reset = await agent.post(`/quan-ly/nguoi-dung/${target.id}/dat-lai`).field('note', 'x');
    expect(reset.status).toBe(403);
    expect(await links()).toBe(linksBefore);
    const out = await agent.post('/quan-ly/dang-xuat').field('everywhere', '1');
    expect(out.status).toBe(403);
    // Still signed in: the session was not ended.
    expect((await agent.get('/quan-ly')).status).toBe(200);
    // A token in the form body of a multipart request is not read before the route parses it.
    const { csrf } = await signIn(app, admin.email);
    expect((await agent.post('/quan-ly/dang-xuat').field('_csrf', csrf)).status).toBe(403);
  });

  it('refuses a multipart body (415) on every staff route that takes a form: it is never read as an empty form', async () => {
    const { agent, csrf } = await signIn(app, admin.email);
    const target = await createStaff(t.db, [{ role: 'ministry_officer', provinceCode: null, cemeteryId: null }]);
    const routes = [
      '/quan-ly/nguoi-dung/moi', `/quan-ly/nguoi-dung/${target.id}/vai-tro`, `/quan-ly/nguoi-dung/${target.id}/khoa`, `/quan-ly/nguoi-dung/${target.id}/dat-lai`,
      '/quan-ly/mat-khau', '/quan-ly/thong-tin/1', `/quan-ly/mo/${fx.graves.partial}`, `/quan-ly/mo/${fx.graves.partial}/liet-si`,
      `/quan-ly/nghia-trang/${fx.cemeteries.haTinh}/sua`, `/quan-ly/nghia-trang/${fx.cemeteries.haTinh}/khu`, '/quan-ly/anh/duyet',
      '/quan-ly/chi-muc-tim-kiem/thu-lai',
    ];
    for (const route of routes) {
      const res = await agent.post(route).set('X-CSRF-Token', csrf).field('reason', 'thử');
      expect({ route, status: res.status }).toEqual({ route, status: 415 });
    }
    // The account routes take no files: a multipart body is refused there, not read as an empty
    // form that would take every role away or disable the account.
    const other = await createStaff(t.db, [{ role: 'ministry_officer', provinceCode: null, cemeteryId: null }]);
    for (const route of [`/quan-ly/nguoi-dung/${other.id}/vai-tro`, `/quan-ly/nguoi-dung/${other.id}/khoa`, `/quan-ly/nguoi-dung/${other.id}/dat-lai`, '/quan-ly/dang-xuat']) {
      const res = await agent.post(route).set('X-CSRF-Token', csrf).field('reason', 'thử');
      expect({ route, status: res.status }).toEqual({ route, status: 415 });
    }
    expect((await t.db('user_roles').where({ user_id: other.id })).map((r: { role: string }) => r.role)).toEqual(['ministry_officer']);
    expect((await t.db('users').where({ id: other.id }).first()).disabled_at).toBeNull();
    expect((await agent.get('/quan-ly')).status).toBe(200);
  });

  describe('the audit log', () => {
    it('is written in the same transaction: a failed change leaves no audit row and no change', async () => {
      const before = Number((await t.db('audit_log').count({ n: '*' }))[0]!.n);
      await expect(
        t.db.transaction(async (trx) => {
          await trx('martyrs').where({ id: fx.martyrs.duc }).update({ unit: 'Trung đoàn 9' });
          await writeAudit(trx, { actorUserId: admin.id, action: 'martyr.update', entityType: 'martyr', entityId: fx.martyrs.duc, before: { unit: null }, after: { unit: 'Trung đoàn 9' } });
          // The change breaks a rule of the database: everything above is undone with it.
          await trx('martyrs').where({ id: fx.martyrs.duc }).update({ birth_month: 13 });
        }),
      ).rejects.toThrow();
      expect(Number((await t.db('audit_log').count({ n: '*' }))[0]!.n)).toBe(before);
      expect((await t.db('martyrs').where({ id: fx.martyrs.duc }).first()).unit).toBeNull();
    });

    it('refuses UPDATE, DELETE and TRUNCATE in the database itself', async () => {
      const row = await t.db('audit_log').first();
      await expect(t.db('audit_log').where({ id: row.id }).update({ action: 'rewritten' })).rejects.toThrow(/append-only/);
      await expect(t.db('audit_log').where({ id: row.id }).del()).rejects.toThrow(/append-only/);
      await expect(t.db.raw('TRUNCATE audit_log CASCADE')).rejects.toThrow(/append-only/);
    });

    it('records sign-ins, failed sign-ins and role changes, and shows them with filters', async () => {
      const actions = (await t.db('audit_log').distinct('action')).map((r: { action: string }) => r.action);
      expect(actions).toEqual(expect.arrayContaining(['session.sign_in', 'session.sign_in_failed', 'user.create', 'user.disable', 'user.enable']));
      const { agent, csrf } = await signIn(app, admin.email);
      const target = await createStaff(t.db, [{ role: 'ministry_officer', provinceCode: null, cemeteryId: null }]);
      await agent.post(`/quan-ly/nguoi-dung/${target.id}/vai-tro`).type('form').send({ _csrf: csrf, role: ['province_officer'], province: ['42'], cemetery: [''], reason: 'chuyển công tác' });
      const change = await t.db('audit_log').where({ action: 'user.roles', entity_id: target.id }).first();
      expect(change.reason).toBe('chuyển công tác');
      expect(change.before.roles[0].role).toBe('ministry_officer');
      expect(change.after.roles[0]).toMatchObject({ role: 'province_officer', provinceCode: '42' });
      const page = await agent.get('/quan-ly/nhat-ky').query({ entityType: 'user', entityId: String(target.id) });
      expect(page.status).toBe(200);
      expect(page.text).toContain('user.roles');
      expect(page.text).toContain('chuyển công tác');
      const bad = await agent.get('/quan-ly/nhat-ky').query({ from: 'yesterday' });
      expect(bad.status).toBe(400);
    });
  });
});
