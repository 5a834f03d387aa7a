/**
 * The import pages as an officer uses them (upload → preview → mapping → dry run → commit, the
 * dry run and commit run by the real job queue), and who may reach them: a province officer
 * imports into their province only and sees only its batches; cemetery staff and the public never
 * reach them. Imported confidential records stay out of every public surface.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import http from 'node:http';
import request from 'supertest';
import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startJobQueue, type JobQueue } from '../../server/jobs/job-queue.js';
import { registerImportJobs } from '../../server/imports/import.jobs.js';
import { createTestDatabase, silentLogger, testApp, testConfig, type TestDatabase } from '../support/services.js';
import { createStaff, signIn, type SignedIn } from '../support/staff.js';

let t: TestDatabase;
let dir: string;
let app: Express;
let queue: JobQueue;
let stopSweep: () => void;
let officer: SignedIn;
let otherOfficer: SignedIn;
let cemeteryStaff: SignedIn;
let cemeteryId: number;

async function workbook(): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('DS');
  ws.addRow(['Mã', 'Họ tên LS', 'Ngày sinh', 'Quê quán', 'Năm hy sinh', 'Nghĩa trang', 'Hàng', 'Số mộ', 'Bảo mật', 'Điện thoại thân nhân']);
  ws.addRow(['A1', 'Lương Văn Công', '1945', 'xã Thủ Sỹ, huyện Tiên Lữ, tỉnh Hưng Yên', '1968', 'Nghĩa trang liệt sĩ huyện Tiên Lữ', '1', '1', '', '0987654321']);
  ws.addRow(['A2', 'Lương Văn Kín', '1946', 'xã Thủ Sỹ, huyện Tiên Lữ, tỉnh Hưng Yên', '1969', 'Nghĩa trang liệt sĩ huyện Tiên Lữ', '1', '2', 'Mật', '']);
  ws.addRow(['A3', 'Lương Văn Sai', '13/13/1946', 'Hưng Yên', '1969', '', '', '', '', '']);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

const until = async (check: () => Promise<boolean>, ms = 30_000) => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
};

beforeAll(async () => {
  t = await createTestDatabase('impmatrix');
  dir = await mkdtemp(path.join(os.tmpdir(), 'mls-impmatrix-'));
  const config = testConfig({ DATA_DIR: dir });
  app = await testApp(t.db, { config });
  queue = await startJobQueue(t.url, silentLogger, { schedule: false });
  stopSweep = await registerImportJobs(queue.boss, t.db, { dir: path.join(dir, 'imports') }, silentLogger, { databaseUrl: t.url, heapMb: 256, logLevel: 'silent' });
  const { rows } = await t.db.raw<{ rows: { id: string }[] }>(
    `INSERT INTO cemeteries (name, level, province_code, location) VALUES ('Nghĩa trang liệt sĩ huyện Tiên Lữ', 'district', '33', ST_SetSRID(ST_MakePoint(106.1, 20.6), 4326)) RETURNING id`,
  );
  cemeteryId = Number(rows[0]!.id);
  const a = await createStaff(t.db, [{ role: 'province_officer', provinceCode: '33', cemeteryId: null }], 'Cán bộ Hưng Yên');
  const b = await createStaff(t.db, [{ role: 'province_officer', provinceCode: '01', cemeteryId: null }], 'Cán bộ Hà Nội');
  const c = await createStaff(t.db, [{ role: 'cemetery_staff', provinceCode: null, cemeteryId }], 'Quản trang');
  officer = await signIn(app, a.email);
  otherOfficer = await signIn(app, b.email);
  cemeteryStaff = await signIn(app, c.email);
});

afterAll(async () => {
  stopSweep?.();
  await queue?.stop();
  await t?.drop();
  await rm(dir, { recursive: true, force: true });
});

describe('the officer flow on /quan-ly/nhap-du-lieu', () => {
  let batchUrl: string;

  it('uploads, previews and proposes the mapping', async () => {
    const res = await officer.agent.post(`/quan-ly/nhap-du-lieu?_csrf=${officer.csrf}`).field('province', '33').field('source', 'Phần mềm mộ 2019').attach('file', await workbook(), 'danh-sach.xlsx');
    expect(res.status).toBe(303);
    batchUrl = res.headers.location!;
    const page = await officer.agent.get(batchUrl);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Lương Văn Công');
    expect(page.text).toMatch(/<option value="full_name" selected>/);
    expect(page.text).toMatch(/<option value="confidential" selected>/);
  });

  it('runs the dry run on the job queue, then commits, with progress readable as JSON', async () => {
    const fields = ['source_id', 'full_name', 'birth', 'hometown', 'death', 'cemetery', 'row', 'plot_number', 'confidential', ''];
    const res = await officer.agent.post(`${batchUrl}/ghep-cot`).type('form').send(`_csrf=${officer.csrf}&headerRow=1&visibility=public&${fields.map((f) => `field=${f}&columnEncoding=unicode`).join('&')}`);
    expect(res.status).toBe(303);
    expect(await until(async () => (await officer.agent.get(`${batchUrl}/tien-do`)).body.state === 'dry_run')).toBe(true);
    const page = await officer.agent.get(batchUrl);
    expect(page.text).toContain('tháng trong «13/13/1946» không hợp lệ');
    expect(page.text).toContain('loi.xlsx');
    const xlsx = await officer.agent.get(`${batchUrl}/loi.xlsx`).buffer(true).parse((r, cb) => { const chunks: Buffer[] = []; r.on('data', (c: Buffer) => chunks.push(c)); r.on('end', () => cb(null, Buffer.concat(chunks))); });
    expect(xlsx.status).toBe(200);
    expect(xlsx.headers['content-type']).toContain('spreadsheetml');
    const commit = await officer.agent.post(`${batchUrl}/ghi`).type('form').send({ _csrf: officer.csrf });
    expect(commit.status).toBe(303);
    expect(await until(async () => (await officer.agent.get(`${batchUrl}/tien-do`)).body.state === 'committed')).toBe(true);
    const done = await officer.agent.get(batchUrl);
    expect(done.text).toContain('id="import-done"');
    expect(await t.db('martyrs').where({ full_name: 'Lương Văn Công' }).first()).toMatchObject({ is_public: true, hometown_province_code: '33' });
    expect(JSON.stringify(await t.db('martyrs').select('*'))).not.toContain('0987654321');
  });

  it('the record history shows where each field came from', async () => {
    const m = await t.db('martyrs').where({ full_name: 'Lương Văn Công' }).first();
    const history = await officer.agent.get(`/quan-ly/lich-su/martyr/${m.id}`);
    expect(history.status).toBe(200);
    expect(history.text).toMatch(/data-field="full_name" data-source="import"/);
    expect(history.text).toContain('danh-sach.xlsx');
  });

  it('a second commit request of the same batch is refused', async () => {
    const again = await officer.agent.post(`${batchUrl}/ghi`).type('form').send({ _csrf: officer.csrf });
    expect(again.status).toBe(409);
  });

  it('an empty upload and an upload for another province get a clear page, not a 500', async () => {
    const empty = await officer.agent.post(`/quan-ly/nhap-du-lieu?_csrf=${officer.csrf}`).field('province', '33').field('source', 'X').attach('file', Buffer.alloc(0), 'rong.csv');
    expect(empty.status).toBe(400);
    expect(empty.text).toContain('Tệp rỗng.');
    const elsewhere = await officer.agent.post(`/quan-ly/nhap-du-lieu?_csrf=${officer.csrf}`).field('province', '01').field('source', 'X').attach('file', await workbook(), 'a.xlsx');
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.text).toContain('Bạn không được nhập dữ liệu cho tỉnh này.');
  });

  it('a 2 GB upload is refused on its announced length, before its body is read', async () => {
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const { port } = server.address() as { port: number };
    const setCookie = officer.response.headers['set-cookie'] as unknown as string[];
    const cookie = setCookie.map((c) => c.split(';')[0]).join('; ');
    const status = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: `/quan-ly/nhap-du-lieu?_csrf=${officer.csrf}`, headers: {
        'Content-Type': 'multipart/form-data; boundary=x', 'Content-Length': String(2 * 1024 ** 3), Cookie: cookie,
      } }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    server.closeAllConnections();
    server.close();
    expect(status.status).toBe(400);
    expect(status.body).toContain('Tệp quá lớn');
  });
});

describe('who reaches the imports', () => {
  it('another province officer sees neither the batch nor its rejects', async () => {
    const batch = await t.db('import_batches').first();
    expect((await otherOfficer.agent.get(`/quan-ly/nhap-du-lieu/${batch.id}`)).status).toBe(404);
    expect((await otherOfficer.agent.get(`/quan-ly/nhap-du-lieu/${batch.id}/loi.xlsx`)).status).toBe(404);
    expect((await otherOfficer.agent.get(`/quan-ly/nhap-du-lieu/${batch.id}/tien-do`)).status).toBe(404);
    const list = await otherOfficer.agent.get('/quan-ly/nhap-du-lieu');
    expect(list.text).not.toContain('danh-sach.xlsx');
  });

  it('cemetery staff and the public do not reach the import pages', async () => {
    expect([403, 404]).toContain((await cemeteryStaff.agent.get('/quan-ly/nhap-du-lieu')).status);
    const anonymous = await request(app).get('/quan-ly/nhap-du-lieu');
    expect([302, 303, 401, 403]).toContain(anonymous.status);
  });

  it('an imported confidential record reaches no public page, API or view; its grave shows no name', async () => {
    const secret = await t.db('martyrs').where({ full_name: 'Lương Văn Kín' }).first();
    expect(secret.is_public).toBe(false);
    expect((await request(app).get(`/api/martyrs/${secret.id}`)).status).toBe(404);
    expect((await request(app).get(`/liet-si/${secret.id}-luong-van-kin`)).status).toBe(404);
    const list = await request(app).get('/api/martyrs?q=kin');
    expect(JSON.stringify(list.body)).not.toContain('Kín');
    const grave = await request(app).get(`/api/graves/${secret.grave_id}`);
    expect(JSON.stringify(grave.body)).not.toContain('Kín');
    expect(await t.db('public_martyrs').where({ id: secret.id }).first()).toBeUndefined();
  });
});
