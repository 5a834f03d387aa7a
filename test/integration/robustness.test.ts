/**
 * No input reaches a 500 and no request hangs, on real services: NUL bytes and bad encodings are
 * refused at the edge, broken multipart bodies are a 400, natural plot order survives long
 * numbers, impossible dates are refused, a missing evidence file is a 404, an exhausted pool is a
 * quick 503, and search falls back to PostgreSQL only when Meilisearch cannot answer.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import request from 'supertest';
import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMeiliClient } from '../../server/search/client.js';
import { MAX_TOTAL_HITS } from '../../server/search/result-count.js';
import { createDb } from '../../server/db/knex.js';
import { loadProvinceCatalogue } from '../../server/places/province-catalogue.js';
import { gravesOfRow } from '../../server/photos/uploads.queries.js';
import { cemeterySections, rowLabels } from '../../server/upkeep/upkeep.queries.js';
import { scopeOf } from '../../server/accounts/scope.js';
import { searchSetup, type SearchSetup } from '../support/search-setup.js';
import { silentLogger, testApp, testConfig } from '../support/services.js';
import { createStaff, signIn, signInForm, type SignedIn } from '../support/staff.js';

const PHONE = '0912 345 678';

describe('robustness: no input reaches a 500', () => {
  let s: SearchSetup;
  let app: Express;
  let dataDir: string;
  let admin: SignedIn;
  let ip = 0;
  const nextIp = () => `10.77.${Math.floor(++ip / 250)}.${ip % 250}`;

  beforeAll(async () => {
    s = await searchSetup('robust');
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'mls-robust-'));
    app = await testApp(s.t.db, { config: testConfig({ MEILI_INDEX: s.indexUid, DATA_DIR: dataDir }) });
    const account = await createStaff(s.t.db, [{ role: 'admin', provinceCode: null, cemeteryId: null }], 'Quản trị');
    admin = await signIn(app, account.email);
  });
  afterAll(async () => {
    await s.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  describe('NUL bytes and bad encodings are refused at the edge', () => {
    it('answers a NUL in the cemetery page search with a 400 page in Vietnamese, in English when asked', async () => {
      const vi = await request(app).get(`/nghia-trang/${s.fx.cemeteries.haTinh}?q=%00`).set('Accept', 'text/html');
      expect(vi.status).toBe(400);
      expect(vi.type).toBe('text/html');
      expect(vi.text).toContain('ký tự không hợp lệ');
      const en = await request(app).get(`/nghia-trang/${s.fx.cemeteries.haTinh}?q=a%00b&lang=en`).set('Accept', 'text/html');
      expect(en.status).toBe(400);
      expect(en.text).toContain('invalid character');
    });

    it('answers a NUL in an API query with the JSON error invalid_text', async () => {
      const res = await request(app).get('/api/search?q=nguy%00en');
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_text');
    });

    it('refuses a NUL in /api/search while Meilisearch is down, before PostgreSQL sees it', async () => {
      const down = await testApp(s.t.db, { meili: createMeiliClient('http://127.0.0.1:1', 'x'.repeat(16), 500), config: testConfig({ MEILI_INDEX: s.indexUid }) });
      expect((await request(down).get('/api/search?q=%00')).status).toBe(400);
      // And the fallback still answers ordinary text.
      const ok = await request(down).get('/api/search?q=nguyen');
      expect(ok.status).toBe(200);
      expect(ok.body.degraded).toBe(true);
    });

    it('refuses a NUL in the sign-in identifier', async () => {
      const agent = request.agent(app);
      const token = await signInForm(agent);
      const res = await agent.post('/quan-ly/dang-nhap').type('form').send({ identifier: 'a\u0000b@example.vn', password: 'x', _csrf: token });
      expect(res.status).toBe(400);
    });

    it('refuses a NUL in a JSON body, a route parameter and a staff filter', async () => {
      expect((await request(app).post('/api/search').send({ q: 'a\u0000' })).status).toBeLessThan(500);
      expect((await request(app).get('/theo-doi/AB%00CD')).status).toBe(400);
      expect((await admin.agent.get('/quan-ly/nhat-ky?actor=%00')).status).toBe(400);
    });

    it('refuses a NUL in a field of the send-information form, url-encoded or multipart, and stores nothing', async () => {
      const before = Number((await s.t.db('submissions').count({ n: '*' }))[0]!.n);
      const fields = { martyr: String(s.fx.martyrs.duc), kind: 'martyr_correction', website: '', senderName: 'Nguyễn\u0000 Thị Hoa', senderContact: PHONE, message: 'Thông tin', unit: 'Trung đoàn 9' };
      const form = await request(app).post('/gui-thong-tin').set('X-Forwarded-For', nextIp()).type('form').send(fields);
      expect(form.status).toBe(400);
      let multipart = request(app).post('/gui-thong-tin').set('X-Forwarded-For', nextIp());
      for (const [k, v] of Object.entries({ ...fields, senderName: 'Nguyễn Thị Hoa', message: 'x\u0000' })) multipart = multipart.field(k, v);
      const res = await multipart;
      expect(res.status).toBe(400);
      expect(res.text).toContain('ký tự không hợp lệ');
      expect(Number((await s.t.db('submissions').count({ n: '*' }))[0]!.n)).toBe(before);
    });

    it('answers bad percent-encoding and invalid UTF-8 in the path or the query with a 400', async () => {
      for (const url of ['/api/search?q=%E0%A4%A', '/api/search?q=%C3%28', '/tim-kiem?q=%FF', '/nghia-trang/%E0%A4%A', '/liet-si/%C3%28']) {
        const res = await request(app).get(url).set('Accept', 'text/html');
        expect(res.status, url).toBe(400);
      }
    });
  });

  describe('broken multipart bodies are a 400', () => {
    const garbage = (target: request.Test, boundary = 'XyZ') => target.set('Content-Type', `multipart/form-data; boundary=${boundary}`);

    it('answers a truncated multipart body on the public form with a 400 page', async () => {
      const res = await garbage(request(app).post('/gui-thong-tin').set('X-Forwarded-For', nextIp())).send('--XyZ\r\nContent-Disposition: form-data; name="senderName"\r\n\r\nHoa');
      expect(res.status).toBe(400);
      expect(res.text).toContain('không trọn vẹn');
    });

    it('answers a multipart body without a boundary, and one with a broken part header, with a 400', async () => {
      const noBoundary = await request(app).post('/gui-thong-tin').set('X-Forwarded-For', nextIp()).set('Content-Type', 'multipart/form-data').send('abc');
      expect(noBoundary.status).toBe(400);
      const broken = await garbage(request(app).post('/gui-thong-tin').set('X-Forwarded-For', nextIp())).send('--XyZ\r\nnot a header\r\n\r\nx\r\n--XyZ--\r\n');
      expect(broken.status).toBeLessThan(500);
    });

    it('answers a truncated multipart body on the staff photo upload with a 400', async () => {
      const res = await garbage(admin.agent.post('/quan-ly/anh').set('X-CSRF-Token', admin.csrf)).send('--XyZ\r\nContent-Disposition: form-data; name="photo"; filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\n\xff\xd8');
      expect(res.status).toBe(400);
    });
  });

  describe('natural plot order', () => {
    let cemetery: number;
    beforeAll(async () => {
      const { rows } = await s.t.db.raw<{ rows: { id: number }[] }>(
        `INSERT INTO cemeteries (name, level, province_code, old_province_code, location, boundary)
         VALUES ('Nghĩa trang liệt sĩ xã Thạch Kim', 'commune', '42', '42', ST_SetSRID(ST_MakePoint(105.9, 18.4), 4326),
                 ST_Multi(ST_Expand(ST_SetSRID(ST_MakePoint(105.9, 18.4), 4326), 0.002))) RETURNING id`,
      );
      cemetery = Number(rows[0]!.id);
      const graves: Array<[string, string, string]> = [['10', '1', 'Liệt sĩ Mười'], ['2', '10', 'Liệt sĩ Hai Mười'], ['2', '2', 'Liệt sĩ Hai Hai'], ['123456789012', '123456789012', 'Liệt sĩ Dài'], ['2', '10a', 'Liệt sĩ Hai Mười A']];
      for (const [row, plot, name] of graves) {
        await s.t.db('graves').insert({ cemetery_id: cemetery, row_label: row, plot_number: plot, state: 'partial', known_name: name, position: s.t.db.raw('ST_SetSRID(ST_MakePoint(105.9, 18.4), 4326)') });
      }
    });

    it('lists a cemetery whose plot labels have 12 digits, rows and plots in natural order (2 before 10)', async () => {
      const res = await request(app).get(`/nghia-trang/${cemetery}`).redirects(1).set('Accept', 'text/html');
      expect(res.status).toBe(200);
      const at = (name: string) => res.text.indexOf(`>${name}<`) >= 0 ? res.text.indexOf(`>${name}<`) : res.text.indexOf(name);
      const order = ['Liệt sĩ Hai Hai', 'Liệt sĩ Hai Mười', 'Liệt sĩ Hai Mười A', 'Liệt sĩ Mười', 'Liệt sĩ Dài'].map(at);
      expect(order.every((i) => i > 0)).toBe(true);
      expect([...order].sort((a, b) => a - b)).toEqual(order);
    });

    it('orders sections, the staff row picker and a row walk the way the public page does (digits before letters)', async () => {
      for (const code of ['A', '10', '2']) await s.t.db('cemetery_sections').insert({ cemetery_id: cemetery, kind: 'khu', code });
      expect((await cemeterySections(s.t.db, cemetery)).map((x) => x.code)).toEqual(['2', '10', 'A']);
      expect(await rowLabels(s.t.db, cemetery, null)).toEqual(['2', '10', '123456789012']);
      const walk = await gravesOfRow(s.t.db, scopeOf([{ role: 'admin', provinceCode: null, cemeteryId: null }]), { cemeteryId: cemetery, section: null, row: '2', from: null, descending: false });
      expect(walk.map((g) => g.plot_number)).toEqual(['2', '10', '10a']);
    });
  });

  describe('impossible dates', () => {
    it('answers impossible dates in the audit-log filter with a 400 page naming the parameter', async () => {
      for (const query of ['from=2024-13-45', 'to=2023-02-29', 'from=0000-01-01']) {
        const res = await admin.agent.get(`/quan-ly/nhat-ky?${query}`);
        expect(res.status, query).toBe(400);
        expect(res.text).toContain(query.split('=')[0]);
      }
      expect((await admin.agent.get('/quan-ly/nhat-ky?from=2024-02-29&to=2024-12-31')).status).toBe(200);
    });

    it('refuses a correction whose birth year is after the death year on record, and stores nothing', async () => {
      const before = Number((await s.t.db('submissions').count({ n: '*' }))[0]!.n);
      // Đặng Văn Đức died in 1969; the correction changes only the birth date.
      const res = await request(app).post('/gui-thong-tin').set('X-Forwarded-For', nextIp()).type('form')
        .send({ martyr: String(s.fx.martyrs.duc), kind: 'martyr_correction', website: '', senderName: 'Nguyễn Thị Hoa', senderContact: PHONE, message: 'Năm sinh đúng là 1980', birthDate: '1980' });
      expect(res.status).toBe(400);
      expect(res.text).toContain('birthDate');
      expect(Number((await s.t.db('submissions').count({ n: '*' }))[0]!.n)).toBe(before);
    });
  });

  describe('an exhausted pool or a runaway query is a quick 503', () => {
    it('answers 503 with Retry-After, JSON and page, when no pooled connection frees up in time', { timeout: 20_000 }, async () => {
      const small = createDb(s.t.url, 1, silentLogger, { acquireMs: 500 });
      const busyApp = await testApp(small, { provinces: await loadProvinceCatalogue(s.t.db), config: testConfig({ MEILI_INDEX: s.indexUid }) });
      const held = await small.transaction();
      try {
        const api = await request(busyApp).get('/api/martyrs');
        expect(api.status).toBe(503);
        expect(api.headers['retry-after']).toBe('5');
        expect(api.body.error.code).toBe('busy');
        const page = await request(busyApp).get(`/nghia-trang/${s.fx.cemeteries.haTinh}`).set('Accept', 'text/html');
        expect(page.status).toBe(503);
        expect(page.text).toContain('quá tải');
      } finally {
        await held.rollback();
        await small.destroy();
      }
    });

    it('answers 503 with Retry-After when PostgreSQL cancels a query at the statement timeout', { timeout: 20_000 }, async () => {
      const limited = createDb(s.t.url, 2, silentLogger, { statementMs: 300 });
      const slowApp = await testApp(limited, { provinces: await loadProvinceCatalogue(s.t.db), config: testConfig({ MEILI_INDEX: s.indexUid }) });
      const locker = await s.t.db.transaction();
      try {
        await locker.raw('LOCK TABLE martyrs IN ACCESS EXCLUSIVE MODE');
        const res = await request(slowApp).get('/api/martyrs');
        expect(res.status).toBe(503);
        expect(res.headers['retry-after']).toBe('5');
      } finally {
        await locker.rollback();
        await limited.destroy();
      }
    });
  });

  describe('search falls back to PostgreSQL only when Meilisearch cannot answer', () => {
    it('answers from PostgreSQL, degraded, when Meilisearch accepts the connection but never answers', { timeout: 20_000 }, async () => {
      const silent = net.createServer(() => {});
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const sockets = new Set<net.Socket>();
      silent.on('connection', (socket) => sockets.add(socket));
      try {
        const port = (silent.address() as net.AddressInfo).port;
        const slowApp = await testApp(s.t.db, { meili: createMeiliClient(`http://127.0.0.1:${port}`, 'x'.repeat(16), 300), config: testConfig({ MEILI_INDEX: s.indexUid }) });
        const res = await request(slowApp).get('/api/search?q=dang van duc');
        expect(res.status).toBe(200);
        expect(res.body.degraded).toBe(true);
        expect(res.body.hits.map((h: { id: number }) => h.id)).toContain(s.fx.martyrs.duc);
      } finally {
        for (const socket of sockets) socket.destroy();
        await new Promise((resolve) => silent.close(resolve));
      }
    });

    it('does not hide an error Meilisearch answers for a wrong request (an index that does not exist) behind degraded results', async () => {
      const wrongApp = await testApp(s.t.db, { config: testConfig({ MEILI_INDEX: 'test_robust_no_such_index' }) });
      const res = await request(wrongApp).get('/api/search?q=nguyen');
      expect(res.status).toBe(500);
      expect(res.body.degraded).toBeUndefined();
      expect(res.body.error.code).toBe('internal_error');
    });

    it('counts degraded results only up to the cap, which the answer reports as "at least"', { timeout: 30_000 }, async () => {
      await s.t.db.raw(
        `INSERT INTO martyrs (full_name, gender, death_year, hometown_text, hometown_old_province_code, hometown_province_code)
         SELECT 'Phan Văn Cường', 'male', 1970, 'Hà Tĩnh', '42', '42' FROM generate_series(1, 1200)`,
      );
      const down = await testApp(s.t.db, { meili: createMeiliClient('http://127.0.0.1:1', 'x'.repeat(16), 500), config: testConfig({ MEILI_INDEX: s.indexUid }) });
      const res = await request(down).get('/api/search?q=phan van cuong');
      expect(res.status).toBe(200);
      expect(res.body.degraded).toBe(true);
      expect(res.body.total).toBe(MAX_TOTAL_HITS);
      expect(res.body.hits.length).toBeGreaterThan(0);
    });
  });

  describe('bounded public lists: page depth, cursors, cached totals', () => {
    it('refuses a page deeper than 10,000 rows with a 400 that points to the cursor', async () => {
      const res = await request(app).get('/api/martyrs?page=8000&perPage=100');
      expect(res.status).toBe(400);
      expect(res.body.error.message).toContain('cursor');
      expect((await request(app).get('/api/graves?page=101&perPage=100')).status).toBe(400);
      expect((await request(app).get('/api/martyrs?page=100&perPage=100')).status).toBe(200);
    });

    it('walks every public martyr once by cursor, in id order, without the confidential one', async () => {
      const seen: number[] = [];
      let next: string | null = null;
      let pages = 0;
      do {
        const res = await request(app).get('/api/martyrs').query({ perPage: '100', ...(next ? { cursor: next } : {}) });
        expect(res.status).toBe(200);
        seen.push(...res.body.items.map((m: { id: number }) => m.id));
        next = res.body.next;
        pages += 1;
      } while (next && pages < 100);
      const expected = (await s.t.db('martyrs').where({ is_public: true }).orderBy('id').pluck('id')).map(Number);
      expect(seen).toEqual(expected);
      expect(seen).not.toContain(s.fx.martyrs.confidential);
    });

    it('gives the same graves by cursor as by page, inside one cemetery', async () => {
      const byPage = [
        ...(await request(app).get(`/api/graves?cemetery=${s.fx.cemeteries.truongSon}&perPage=5&page=1`)).body.items,
        ...(await request(app).get(`/api/graves?cemetery=${s.fx.cemeteries.truongSon}&perPage=5&page=2`)).body.items,
      ].map((g: { id: number }) => g.id);
      const first = await request(app).get(`/api/graves?cemetery=${s.fx.cemeteries.truongSon}&perPage=5`);
      const second = await request(app).get(`/api/graves?cemetery=${s.fx.cemeteries.truongSon}&perPage=5&cursor=${first.body.next}`);
      expect(second.status).toBe(200);
      expect(second.body.page).toBeNull();
      expect([...first.body.items, ...second.body.items].map((g: { id: number }) => g.id)).toEqual(byPage);
    });

    it('pages cemeteries by cursor in their listed order (province, level, name)', async () => {
      const all = (await request(app).get('/api/cemeteries?perPage=100')).body.items.map((c: { id: number }) => c.id);
      expect(all.length).toBeGreaterThan(1);
      const first = await request(app).get('/api/cemeteries?perPage=1');
      const second = await request(app).get(`/api/cemeteries?perPage=1&cursor=${first.body.next}`);
      expect([first.body.items[0].id, second.body.items[0].id]).toEqual(all.slice(0, 2));
    });

    it('refuses a cursor that is not one of its own, and a cursor with a page number', async () => {
      for (const cursor of ['%00', 'not-a-cursor!', Buffer.from('-5').toString('base64url'), Buffer.from('99999999999999999999').toString('base64url'), 'A'.repeat(41)]) {
        const res = await request(app).get(`/api/martyrs?cursor=${encodeURIComponent(cursor)}`);
        expect(res.status, cursor).toBe(400);
      }
      expect((await request(app).get(`/api/martyrs?cursor=${Buffer.from('5').toString('base64url')}&page=2`)).status).toBe(400);
    });

    it('serves /api/stats and list totals from a short-lived cache instead of counting on every request', async () => {
      const fresh = await testApp(s.t.db, { config: testConfig({ MEILI_INDEX: s.indexUid }) });
      const stats = (await request(fresh).get('/api/stats')).body.martyrs;
      const listed = (await request(fresh).get('/api/martyrs?perPage=1')).body.total;
      await s.t.db('martyrs').insert({ full_name: 'Hồ Văn Mới', gender: 'male', death_year: 1970 });
      expect((await request(fresh).get('/api/stats')).body.martyrs).toBe(stats);
      expect((await request(fresh).get('/api/martyrs?perPage=1&page=2')).body.total).toBe(listed);
    });
  });

  describe('evidence files', () => {
    it('answers a 404 page, and keeps serving, when an evidence file is missing from storage', async () => {
      const jpeg = await sharp({ create: { width: 320, height: 240, channels: 3, background: '#777' } }).jpeg().toBuffer();
      let send = request(app).post('/gui-thong-tin').set('X-Forwarded-For', nextIp());
      for (const [k, v] of Object.entries({ martyr: String(s.fx.martyrs.duc), kind: 'martyr_correction', website: '', senderName: 'Nguyễn Thị Hoa', senderContact: PHONE, message: 'Giấy báo tử', unit: 'Trung đoàn 48' })) send = send.field(k, v);
      const sent = await send.attach('files', jpeg, 'giay.jpg');
      expect(sent.status).toBe(303);
      const code = /\/theo-doi\/([0-9A-Z-]+)/.exec(sent.headers.location!)![1]!;
      const submission = await s.t.db('submissions').where({ tracking_code: code }).first();
      const file = await s.t.db('submission_files').where({ submission_id: submission.id }).first();
      await rm(path.join(dataDir, 'private', file.storage_key));

      const res = await admin.agent.get(`/quan-ly/thong-tin/${submission.id}/tep/${file.id}`);
      expect(res.status).toBe(404);
      expect(res.headers['content-disposition']).toBeUndefined();
      expect(res.text).toContain('kho lưu trữ');
      expect((await request(app).get('/healthz')).status).toBe(200);
    });
  });
});
