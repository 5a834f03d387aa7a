/**
 * Remembrance on a martyr's page: incense counted once per visitor per Vietnamese day with a
 * random cookie and no address kept; messages that show only once staff in scope approve them;
 * the ngày giỗ beside the date of death; and the follow form.
 */
import request from 'supertest';
import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSearchFixture, type SearchFixture } from '../support/search-fixtures.js';
import { createStaff, signIn } from '../support/staff.js';
import { createTestDatabase, testApp, type TestDatabase } from '../support/services.js';

describe('remembrance on a martyr’s page', () => {
  let t: TestDatabase;
  let fx: SearchFixture;
  let app: Express;
  let page: string;

  beforeAll(async () => {
    t = await createTestDatabase('remember');
    fx = await loadSearchFixture(t.db);
    app = await testApp(t.db);
    await t.db('martyrs').where({ id: fx.martyrs.thanh }).update({ death_year: 1968, death_month: 1, death_day: 31 });
    page = (await request(app).get(`/liet-si/${fx.martyrs.thanh}`)).headers.location ?? `/liet-si/${fx.martyrs.thanh}`;
  });
  afterAll(async () => t?.drop());

  it('counts one stick per visitor per day, by a random cookie, keeping no address', async () => {
    const visitor = request.agent(app);
    const first = await visitor.post(`/liet-si/${fx.martyrs.thanh}/thap-huong`).set('X-Forwarded-For', '203.0.113.9').type('form').send({});
    expect(first.status).toBe(303);
    expect(first.headers.location).toContain('incense=lit');
    const cookie = String(first.headers['set-cookie']);
    expect(cookie).toMatch(/visitor=[0-9a-f]{32}; Max-Age=\d+;.*HttpOnly/);
    const again = await visitor.post(`/liet-si/${fx.martyrs.thanh}/thap-huong`).type('form').send({});
    expect(again.headers.location).toContain('incense=already');
    const other = await request(app).post(`/liet-si/${fx.martyrs.thanh}/thap-huong`).set('Accept', 'application/json').type('form').send({});
    expect(other.body).toEqual({ lit: true, sticks: 2 });
    const shown = await visitor.get(`${page}?incense=already`);
    expect(shown.text).toContain('data-incense="2"');
    expect(shown.text).toContain('Hôm nay quý vị đã thắp hương');
    const stored = JSON.stringify(await t.db('incense_lights').select('*'));
    expect(stored).not.toContain('203.0.113.9');
    expect(stored).not.toContain('127.0.0.1');
    expect(stored).not.toContain(cookie.match(/visitor=([0-9a-f]{32})/)![1]);
    expect((await request(app).post(`/liet-si/${fx.martyrs.confidential}/thap-huong`).type('form').send({})).status).toBe(404);
    expect((await request(app).post('/liet-si/abc/thap-huong').type('form').send({})).status).toBe(400);
  });

  it('shows a message only after a moderator in scope approved it', async () => {
    const sent = await request(app).post(`/liet-si/${fx.martyrs.thanh}/loi-tuong-niem`).type('form').send({ body: 'Đời đời nhớ ơn liệt sĩ.', authorName: 'Cháu nội' });
    expect(sent.status).toBe(303);
    expect((await request(app).get(`${page}?message=sent`)).text).not.toContain('Đời đời nhớ ơn liệt sĩ.');

    const graveCemetery = Number((await t.db('graves').where({ id: fx.graves.ofThanh }).first()).cemetery_id);
    const elsewhere = await createStaff(t.db, [{ role: 'cemetery_staff', provinceCode: null, cemeteryId: graveCemetery === fx.cemeteries.haTinh ? fx.cemeteries.truongSon : fx.cemeteries.haTinh }]);
    const outsider = await signIn(app, elsewhere.email);
    expect((await outsider.agent.get('/quan-ly/loi-tuong-niem')).text).not.toContain('Đời đời nhớ ơn');
    const id = (await t.db('remembrance_messages').first('id')).id;
    expect((await outsider.agent.post(`/quan-ly/loi-tuong-niem/${id}`).type('form').send({ action: 'approve', _csrf: outsider.csrf })).status).toBe(404);

    const keeper = await createStaff(t.db, [{ role: 'cemetery_staff', provinceCode: null, cemeteryId: graveCemetery }]);
    const staff = await signIn(app, keeper.email);
    const queue = await staff.agent.get('/quan-ly/loi-tuong-niem');
    expect(queue.text).toContain('Đời đời nhớ ơn liệt sĩ.');
    expect((await staff.agent.get('/quan-ly')).text).toMatch(/data-count="messages-pending"><a href="\/quan-ly\/loi-tuong-niem">1</);
    expect((await staff.agent.post(`/quan-ly/loi-tuong-niem/${id}`).type('form').send({ action: 'approve' })).status).toBe(403);
    expect((await staff.agent.post(`/quan-ly/loi-tuong-niem/${id}`).type('form').send({ action: 'approve', _csrf: staff.csrf })).status).toBe(303);
    const shown = await request(app).get(page);
    expect(shown.text).toContain('Đời đời nhớ ơn liệt sĩ.');
    expect(shown.text).toContain('Cháu nội');
    // The decision is audited on the martyr, by whom, without copying the message or its author.
    const audit = await t.db('audit_log').where({ action: 'remembrance.approved' });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ entity_type: 'martyr', entity_id: fx.martyrs.thanh, actor_user_id: expect.any(Number) });
    expect(JSON.stringify(audit[0])).not.toMatch(/Đời đời|Cháu nội/);
  });

  it('refuses empty, long and flooding messages clearly', async () => {
    const empty = await request(app).post(`/liet-si/${fx.martyrs.duc}/loi-tuong-niem`).type('form').send({ body: '   ' });
    expect(empty.status).toBe(400);
    expect(empty.text).toContain('từ 1 đến 1000 ký tự');
    expect((await request(app).post(`/liet-si/${fx.martyrs.duc}/loi-tuong-niem`).type('form').send({ body: 'x'.repeat(1001) })).status).toBe(400);
    const flood = () => request(app).post(`/liet-si/${fx.martyrs.duc}/loi-tuong-niem`).set('X-Forwarded-For', '198.51.100.7').type('form').send({ body: 'Tưởng nhớ' });
    for (let i = 0; i < 5; i++) expect((await flood()).status).toBe(303);
    const limited = await flood();
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBeDefined();
    expect((await request(app).post(`/liet-si/${fx.martyrs.confidential}/loi-tuong-niem`).type('form').send({ body: 'x' })).status).toBe(404);
    const english = await request(app).post(`/liet-si/${fx.martyrs.duc}/loi-tuong-niem?lang=en`).type('form').send({ body: '' });
    expect(english.text).toContain('A message needs 1 to 1000 characters');
  });

  it('gives the ngày giỗ by the Vietnamese lunar calendar beside a full date of death, and nothing for a partial one', async () => {
    const shown = await request(app).get(page);
    expect(shown.text).toContain('Ngày giỗ (âm lịch)');
    expect(shown.text).toContain('Ngày 3 tháng 1 năm Mậu Thân');
    await t.db('martyrs').where({ id: fx.martyrs.thanh }).update({ death_day: null });
    expect((await request(app).get(page)).text).not.toContain('Ngày giỗ');
    expect((await request(app).get(page)).text).toContain('action="/theo-doi-thu"');
  });
});
