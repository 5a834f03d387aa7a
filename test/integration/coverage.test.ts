/**
 * The coverage page on real PostgreSQL: its figures against direct SQL counts of the same fixture
 * rows, the monthly series against what happened when, the scope of each role, the CSV and XLSX
 * files, bad input, and the refresh as a job of the real queue.
 */
import ExcelJS from 'exceljs';
import request from 'supertest';
import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshCoverageViews } from '../../server/coverage/coverage-views.queries.js';
import { COVERAGE_JOB } from '../../server/coverage/coverage.job.js';
import { startJobs } from '../../server/jobs/jobs.js';
import { newTrackingCode } from '../../server/submissions/tracking-code.js';
import { loadSearchFixture, type SearchFixture } from '../support/search-fixtures.js';
import { createStaff, signIn, type SignedIn } from '../support/staff.js';
import { createTestDatabase, silentLogger, testApp, testConfig, testMeili, type TestDatabase } from '../support/services.js';
import { binary } from '../support/http-body.js';

const DAY = 86_400_000;
const monthsAgo = (n: number, day = 10) => {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - n, day, 5));
};

/** A CSV as rows of cells (RFC 4180: quoted cells may hold commas and doubled quotes). */
function parseCsv(text: string): string[][] {
  expect(text.charCodeAt(0)).toBe(0xfeff);
  return text
    .slice(1)
    .trimEnd()
    .split('\r\n')
    .map((line) => {
      const cells: string[] = [];
      let cell = '';
      let quoted = false;
      for (let i = 0; i < line.length; i++) {
        const c = line[i]!;
        if (quoted && c === '"' && line[i + 1] === '"') (cell += '"'), i++;
        else if (c === '"') quoted = !quoted;
        else if (c === ',' && !quoted) cells.push(cell), (cell = '');
        else cell += c;
      }
      cells.push(cell);
      return cells;
    });
}

describe('coverage at a glance', () => {
  let t: TestDatabase;
  let fx: SearchFixture;
  let app: Express;
  let national: SignedIn;
  let haTinhOfficer: SignedIn;
  let truongSonStaff: SignedIn;
  let oldGrave: number;

  beforeAll(async () => {
    t = await createTestDatabase('coverage');
    fx = await loadSearchFixture(t.db);
    const { db } = t;
    // Some graves lose their position, one gains it back by an edit two months ago; photos on three.
    await db('graves').where({ id: fx.graves.partial }).update({ position: null });
    const noPosition = await db('graves').where({ cemetery_id: fx.cemeteries.truongSon }).orderBy('id').limit(5).pluck('id');
    await db('graves').whereIn('id', noPosition).update({ position: null });
    oldGrave = Number(
      (await db('graves').insert({ cemetery_id: fx.cemeteries.haTinh, row_label: '70', plot_number: '1', state: 'unknown', created_at: monthsAgo(3), position: db.raw('ST_SetSRID(ST_MakePoint(105.89, 18.34), 4326)') }).returning('id'))[0]!.id,
    );
    await db('audit_log').insert({ at: monthsAgo(2), action: 'grave.update', entity_type: 'grave', entity_id: oldGrave, before: JSON.stringify({ position: null }), after: JSON.stringify({ position: '18.3400000,105.8900000' }) });
    await db('graves').where({ id: oldGrave }).update({ created_at: monthsAgo(3) });
    let n = 0;
    for (const graveId of [fx.graves.ofThanh, fx.graves.unknown, oldGrave]) {
      n += 1;
      await db('photos').insert({
        grave_id: graveId, original_key: `o/${n}.jpg`, full_key: `f/${n}.jpg`, page_key: `p/${n}.jpg`, thumb_key: `t/${n}.jpg`,
        content_hash: `${'a'.repeat(63)}${n}`, width: 10, height: 10, bytes: 10, is_current: true,
        created_at: graveId === oldGrave ? monthsAgo(1) : new Date(),
      });
    }
    // Submissions: open ones in both provinces, decided ones with known durations in Hà Tĩnh.
    const submission = async (fields: Record<string, unknown>) =>
      db('submissions').insert({ tracking_code: newTrackingCode(), kind: 'martyr_correction', sender_name: 'Người gửi', sender_contact: 'nguoigui@example.vn', message: 'Thông tin', ...fields });
    await submission({ province_code: '42', status: 'received', cemetery_id: fx.cemeteries.haTinh });
    await submission({ province_code: '42', status: 'in_review', grave_id: fx.graves.ofThanh });
    await submission({ province_code: '44', status: 'needs_info', cemetery_id: fx.cemeteries.truongSon });
    const decided = (days: number, status: 'accepted' | 'rejected') => {
      const decidedAt = new Date(Date.now() - 5 * DAY);
      return submission({ province_code: '42', status, cemetery_id: fx.cemeteries.haTinh, created_at: new Date(decidedAt.getTime() - days * DAY), decided_at: decidedAt, decision_reason: status === 'rejected' ? 'Không đủ căn cứ' : null });
    };
    await decided(2, 'accepted');
    await decided(4, 'rejected');
    await decided(9, 'accepted');
    // Decided two years ago: outside the twelve months the median covers.
    await submission({ province_code: '42', status: 'accepted', created_at: new Date(Date.now() - 800 * DAY), decided_at: new Date(Date.now() - 700 * DAY) });
    await refreshCoverageViews(db);

    app = await testApp(db);
    national = await signIn(app, (await createStaff(db, [{ role: 'ministry_officer', provinceCode: null, cemeteryId: null }], 'Bộ')).email);
    haTinhOfficer = await signIn(app, (await createStaff(db, [{ role: 'province_officer', provinceCode: '42', cemeteryId: null }], 'Sở Hà Tĩnh')).email);
    truongSonStaff = await signIn(app, (await createStaff(db, [{ role: 'cemetery_staff', provinceCode: null, cemeteryId: fx.cemeteries.truongSon }], 'Trường Sơn')).email);
  });
  afterAll(async () => {
    await t?.drop();
  });

  /** What direct SQL counts for the cemeteries matching `where` (on c). */
  async function direct(where: string, bindings: unknown[]) {
    const { rows } = await t.db.raw(
      `SELECT count(*)::int AS graves,
              count(*) FILTER (WHERE g.position IS NOT NULL)::int AS graves_with_position,
              count(*) FILTER (WHERE EXISTS (SELECT 1 FROM photos p WHERE p.grave_id = g.id AND p.is_current))::int AS graves_with_photo,
              count(*) FILTER (WHERE g.state = 'identified')::int AS graves_identified
       FROM graves g JOIN cemeteries c ON c.id = g.cemetery_id WHERE ${where}`,
      bindings as never[],
    );
    return rows[0] as Record<string, number>;
  }

  async function csv(agent: SignedIn['agent'], query: string) {
    const res = await agent.get(`/quan-ly/tong-quan.csv?${query}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="tong-quan-/);
    const [header, ...rows] = parseCsv(res.text);
    return rows.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i]!])));
  }

  it('counts graves, positions, photos and identified graves per province as direct SQL does', async () => {
    const rows = await csv(national.agent, 'level=province&lang=en');
    expect(rows).toHaveLength(34);
    for (const code of ['42', '44', '01']) {
      const row = rows.find((r) => r.Code === code)!;
      const want = await direct('c.province_code = ?', [code]);
      expect(Number(row.Graves), code).toBe(want.graves);
      expect(Number(row['Graves with a position']), code).toBe(want.graves_with_position);
      expect(Number(row['Graves with a headstone photo']), code).toBe(want.graves_with_photo);
      expect(Number(row['Identified graves']), code).toBe(want.graves_identified);
      const share = want.graves ? Math.round((want.graves_with_position! / want.graves) * 1000) / 10 : null;
      expect(row['Graves with a position (% of graves)'] === '' ? null : Number(row['Graves with a position (% of graves)'])).toBe(share);
    }
    expect((await direct('c.province_code = ?', ['42'])).graves).toBeGreaterThan(0);
  });

  it('counts per cemetery and per province of 2008-2025 as direct SQL does', async () => {
    const cemeteries = await csv(national.agent, 'level=cemetery&lang=en');
    for (const id of [fx.cemeteries.truongSon, fx.cemeteries.haTinh]) {
      const row = cemeteries.find((r) => r.Code === String(id))!;
      const want = await direct('c.id = ?', [id]);
      expect(Number(row.Graves)).toBe(want.graves);
      expect(Number(row['Graves with a position'])).toBe(want.graves_with_position);
      expect(Number(row['Graves with a headstone photo'])).toBe(want.graves_with_photo);
    }
    const old = await csv(national.agent, 'level=old_province&lang=en');
    expect(old).toHaveLength(63);
    // Trường Sơn lies in Quảng Trị of 2008-2025 (45), which went into today's Quảng Trị (44).
    const quangTri = old.find((r) => r.Code === '45')!;
    expect(Number(quangTri.Graves)).toBe((await direct('c.old_province_code = ?', ['45'])).graves);
    expect(quangTri['Current province']).toBe('Quảng Trị');
  });

  it('counts submissions waiting and the median days to decide over the last twelve months', async () => {
    const rows = await csv(national.agent, 'level=province&lang=en');
    const waiting = async (code: string) => Number((await t.db.raw(`SELECT count(*) AS n FROM submissions WHERE province_code = ? AND status IN ('received','in_review','needs_info')`, [code])).rows[0].n);
    expect(Number(rows.find((r) => r.Code === '42')!['Submissions waiting'])).toBe(await waiting('42'));
    expect(Number(rows.find((r) => r.Code === '44')!['Submissions waiting'])).toBe(await waiting('44'));
    const median = (await t.db.raw(
      `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM decided_at - created_at) / 86400) AS d
       FROM submissions WHERE province_code = '42' AND decided_at > now() - interval '365 days'`,
    )).rows[0].d;
    expect(Number(rows.find((r) => r.Code === '42')!['Median days to decide (last 12 months) (days)'])).toBe(Math.round(median * 10) / 10);
    expect(Math.round(median)).toBe(4);
    // No decision in Quảng Trị: no median, not a zero.
    expect(rows.find((r) => r.Code === '44')!['Median days to decide (last 12 months) (days)']).toBe('');
  });

  it('changes only when the views are refreshed, never by counting per request', async () => {
    const before = (await csv(national.agent, 'level=province&lang=en')).find((r) => r.Code === '42')!;
    await t.db('graves').insert({ cemetery_id: fx.cemeteries.haTinh, row_label: '71', plot_number: '1', state: 'identified' });
    const still = (await csv(national.agent, 'level=province&lang=en')).find((r) => r.Code === '42')!;
    expect(still.Graves).toBe(before.Graves);
    await refreshCoverageViews(t.db);
    const after = (await csv(national.agent, 'level=province&lang=en')).find((r) => r.Code === '42')!;
    expect(Number(after.Graves)).toBe(Number(before.Graves) + 1);
    expect(Number(after['Identified graves'])).toBe(Number(before['Identified graves']) + 1);
  });

  it('shows a monthly series that follows the records and the audit log', async () => {
    const res = await national.agent.get(`/quan-ly/tong-quan/nghia-trang/${fx.cemeteries.haTinh}?lang=en`);
    expect(res.status).toBe(200);
    expect(res.text).toContain('<svg class="trend-chart"');
    const { rows } = await t.db.raw(`SELECT month, graves, graves_with_position, graves_with_photo FROM coverage_monthly WHERE level = 'cemetery' AND area = ? ORDER BY month`, [String(fx.cemeteries.haTinh)]);
    expect(rows).toHaveLength(24);
    const last = rows.length - 1;
    const want = await direct('c.id = ?', [fx.cemeteries.haTinh]);
    expect(rows[last].graves).toBe(want.graves);
    expect(rows[last].graves_with_position).toBe(want.graves_with_position);
    // The old grave: recorded three months ago, given its position two months ago, photographed a month ago.
    expect(rows[last - 3].graves).toBe(1);
    expect(rows[last - 3].graves_with_position).toBe(0);
    expect(rows[last - 2].graves_with_position).toBe(1);
    expect(rows[last - 2].graves_with_photo).toBe(0);
    expect(rows[last - 1].graves_with_photo).toBe(1);
    expect(rows[last - 4].graves).toBe(0);
    // The chart's figures are on the page as a table too.
    const month = (d: Date) => `${String(d.getUTCMonth() + 1).padStart(2, '0')}/${d.getUTCFullYear()}`;
    expect(res.text).toContain(`<td>${month(monthsAgo(3))}</td>`);
  });

  it('keeps each officer to their jurisdiction', async () => {
    const provinces = await csv(haTinhOfficer.agent, 'level=province&lang=en');
    expect(provinces.map((r) => r.Code)).toEqual(['42']);
    const cemeteries = await csv(haTinhOfficer.agent, 'level=cemetery&lang=en');
    expect(cemeteries.map((r) => r.Code)).toEqual([String(fx.cemeteries.haTinh)]);
    const old = await csv(haTinhOfficer.agent, 'level=old_province&lang=en');
    expect(old.map((r) => r.Code)).toEqual(['42']);
    const page = await haTinhOfficer.agent.get('/quan-ly/tong-quan');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Nghĩa trang liệt sĩ tỉnh Hà Tĩnh');
    expect(page.text).not.toContain('Trường Sơn');
    expect(page.text).not.toContain('"44"');
    // Another province's pages look like pages that do not exist.
    expect((await haTinhOfficer.agent.get('/quan-ly/tong-quan/tinh/44')).status).toBe(404);
    expect((await haTinhOfficer.agent.get(`/quan-ly/tong-quan/nghia-trang/${fx.cemeteries.truongSon}`)).status).toBe(404);
    expect((await haTinhOfficer.agent.get('/quan-ly/tong-quan?level=cemetery&province=44')).status).toBe(404);
    expect((await haTinhOfficer.agent.get('/quan-ly/tong-quan/tinh/42')).status).toBe(200);

    // Cemetery staff: their cemetery, never a province's sum of other cemeteries.
    expect((await csv(truongSonStaff.agent, 'level=cemetery&lang=en')).map((r) => r.Code)).toEqual([String(fx.cemeteries.truongSon)]);
    expect((await truongSonStaff.agent.get('/quan-ly/tong-quan?level=province')).status).toBe(404);
    expect((await truongSonStaff.agent.get('/quan-ly/tong-quan.csv?level=old_province')).status).toBe(404);
    expect((await truongSonStaff.agent.get('/quan-ly/tong-quan/tinh/44')).status).toBe(404);
    expect((await truongSonStaff.agent.get('/quan-ly/tong-quan')).status).toBe(200);

    // Signed out: to the sign-in page.
    for (const url of ['/quan-ly/tong-quan', '/quan-ly/tong-quan.csv', '/quan-ly/tong-quan.xlsx', '/quan-ly/tong-quan/tinh/42']) {
      const res = await request(app).get(url);
      expect(res.status, url).toBe(303);
      expect(res.headers.location).toMatch(/^\/quan-ly\/dang-nhap/);
    }
  });

  it('writes the same table as XLSX, numbers as numbers', async () => {
    const res = await national.agent.get('/quan-ly/tong-quan.xlsx?level=province&sort=graves&dir=desc&lang=vi').buffer(true).parse(binary);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(res.body as never);
    const sheet = workbook.worksheets[0]!;
    const header = (sheet.getRow(1).values as unknown[]).slice(1);
    expect(header.slice(0, 3)).toEqual(['Mã', 'Tỉnh, thành phố (34)', 'Số mộ']);
    expect(sheet.rowCount).toBe(35);
    // Sorted by graves, most first: Hà Tĩnh or Quảng Trị leads, with its count as a number.
    const first = (sheet.getRow(2).values as unknown[]).slice(1);
    const want = await direct('c.province_code = ?', [String(first[0])]);
    expect(first[2]).toBe(want.graves);
    expect(typeof first[2]).toBe('number');
    expect(workbook.worksheets[1]!.getCell('A1').value).toBe('Tổng quan độ phủ dữ liệu');
    // Every measure has its tables now: none is named as not yet available.
    expect(JSON.stringify(workbook.worksheets[1]!.getSheetValues())).not.toContain('chưa có số liệu');
  });

  it('renders the page: the map data, a sortable table, the downloads, every measure', async () => {
    const res = await national.agent.get('/quan-ly/tong-quan?measure=graves_with_photo&lang=vi');
    expect(res.status).toBe(200);
    expect(res.text).toContain('id="coverage-map"');
    expect(res.text).toContain('aria-sort="ascending"');
    expect(res.text.replace(/&#x3D;/g, '=')).toContain('href="/quan-ly/tong-quan.csv?level=province&amp;sort=graves_with_photo&amp;dir=asc&amp;lang=vi"');
    expect(res.text).toContain('Lần nhập dữ liệu trong 90 ngày qua');
    expect(res.text).not.toContain('(chưa có số liệu)');
    const mapData = JSON.parse(/<script type="application\/json" id="coverage-map-data">([^<]+)<\/script>/.exec(res.text)![1]!);
    expect(Object.values(mapData.colours).flat()).toHaveLength(34);
    expect(Object.keys(mapData.labels)).toHaveLength(34);
    const haTinh = await direct('c.province_code = ?', ['42']);
    const share = ((haTinh.graves_with_photo! / haTinh.graves!) * 100).toFixed(1).replace('.', ',');
    expect(mapData.labels['42']).toBe(`${share} %`);
    // Worst first: the provinces with no graves have no share, so last; the first row has the lowest share.
    const order = [...res.text.matchAll(/<tr data-area="(\d+)"/g)].map((m) => m[1]);
    expect(order).toHaveLength(34);
    expect(order.slice(0, 2).sort()).toEqual(['42', '44']);
    // The measures on the families', imports' and dossiers' tables are there too.
    for (const measure of ['family_requests_waiting', 'imports_90_days', 'records_with_dossier', 'dossier_pages_read']) {
      const other = await national.agent.get(`/quan-ly/tong-quan?measure=${measure}&lang=vi`);
      expect(other.status).toBe(200);
      expect(other.text).not.toContain('data-measure-unavailable');
    }
    const home = await national.agent.get('/quan-ly');
    expect(home.text).toContain('href="/quan-ly/tong-quan"');
  });

  it('answers bad input with a clear error in the page language, never a 500', async () => {
    const vi = await national.agent.get('/quan-ly/tong-quan?measure=bogus&lang=vi').set('Accept', 'text/html');
    expect(vi.status).toBe(400);
    expect(vi.text).toContain('Tham số không hợp lệ: measure');
    const en = await national.agent.get('/quan-ly/tong-quan?level=district&lang=en').set('Accept', 'text/html');
    expect(en.status).toBe(400);
    expect(en.text).toContain('Invalid parameters: level');
    const json = await national.agent.get('/quan-ly/tong-quan.csv?sort=x&extra=1').set('Accept', 'application/json');
    expect(json.status).toBe(400);
    expect(json.body.error.code).toBe('bad_request');
    expect(json.body.error.message).toMatch(/sort/);
    expect((await national.agent.get('/quan-ly/tong-quan?page=0')).status).toBe(400);
    expect((await national.agent.get('/quan-ly/tong-quan?measure=graves&measure=graves')).status).toBe(400);
    expect((await national.agent.get('/quan-ly/tong-quan/huyen/1')).status).toBe(404);
    expect((await national.agent.get('/quan-ly/tong-quan/tinh/abc')).status).toBe(404);
    expect((await national.agent.get('/quan-ly/tong-quan/tinh/99')).status).toBe(404);
    expect((await national.agent.get('/quan-ly/tong-quan/tinh/42?x=1')).status).toBe(400);
    // A page past the end is an empty table, not an error.
    expect((await national.agent.get('/quan-ly/tong-quan?level=cemetery&page=50')).status).toBe(200);
  });

  it('refreshes on the job queue (pg-boss in PostgreSQL), on a schedule and on demand', async () => {
    const jobs = await startJobs(testConfig({ DATABASE_URL: t.url }), t.db, silentLogger, testMeili());
    try {
      expect((await jobs.boss.getSchedules()).find((s) => s.name === COVERAGE_JOB)).toBeTruthy();
      const before = (await t.db.raw('SELECT computed_at FROM coverage_current LIMIT 1')).rows[0].computed_at as Date;
      await t.db('graves').insert({ cemetery_id: fx.cemeteries.truongSon, row_label: '72', plot_number: '1', state: 'unknown' });
      const jobId = await jobs.boss.send(COVERAGE_JOB, {});
      expect(jobId).toBeTruthy();
      const deadline = Date.now() + 45_000;
      let state: string | undefined;
      while (Date.now() < deadline && state !== 'completed' && state !== 'failed') {
        await new Promise((resolve) => setTimeout(resolve, 250));
        state = (await jobs.boss.getJobById(COVERAGE_JOB, jobId!))?.state;
      }
      expect(state).toBe('completed');
      const after = (await t.db.raw('SELECT computed_at FROM coverage_current LIMIT 1')).rows[0].computed_at as Date;
      expect(after.getTime()).toBeGreaterThan(before.getTime());
      const graves = (await t.db.raw(`SELECT graves FROM coverage_current WHERE level = 'cemetery' AND area = ?`, [String(fx.cemeteries.truongSon)])).rows[0].graves;
      expect(graves).toBe((await direct('c.id = ?', [fx.cemeteries.truongSon])).graves);
    } finally {
      await jobs.stop();
    }
  });
});
