/**
 * Grave and cemetery upkeep against real PostgreSQL/PostGIS: staff edit a grave's plot, state,
 * inscription and position (a reason each time, an audit row, the outbox, the tiles), link
 * martyrs, see what is left to do on the cemetery dashboard and walk it row by row, edit the
 * cemetery and its sections; and never reach another cemetery's records.
 */
import { VectorTile } from '@mapbox/vector-tile';
import type { Express } from 'express';
import { PbfReader } from 'pbf';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSearchFixture, type SearchFixture } from '../support/search-fixtures.js';
import { createTestDatabase, testApp, type TestDatabase } from '../support/services.js';
import { createStaff, signIn, type SignedIn } from '../support/staff.js';
import { binary, tileOf } from '../support/http-body.js';

const ORIGIN = { lat: 18.341, lng: 105.891 };

/** A square polygon around a point, as GeoJSON text; `half` in degrees. */
const square = (lng: number, lat: number, half: number) =>
  JSON.stringify({ type: 'Polygon', coordinates: [[[lng - half, lat - half], [lng + half, lat - half], [lng + half, lat + half], [lng - half, lat + half], [lng - half, lat - half]]] });

describe('grave and cemetery upkeep', () => {
  let t: TestDatabase;
  let fx: SearchFixture;
  let app: Express;
  let staff: SignedIn;
  let otherStaff: SignedIn;
  let officer: SignedIn;
  let sectionA: number;
  let sectionB: number;
  /** Section A: 3 rows × 40 graves; section B: 1 row of 5; and 2 graves with no plot and no position. */
  const a: Record<string, number> = {};
  let noPlot: number[] = [];

  beforeAll(async () => {
    t = await createTestDatabase('upkeep');
    fx = await loadSearchFixture(t.db);
    const haTinh = fx.cemeteries.haTinh;
    const sections = (await t.db('cemetery_sections').insert([{ cemetery_id: haTinh, code: 'A' }, { cemetery_id: haTinh, code: 'B' }]).returning('id')).map((r) => Number(r.id));
    [sectionA, sectionB] = [sections[0]!, sections[1]!];
    const rows: Array<Record<string, unknown>> = [];
    for (let row = 1; row <= 3; row++) {
      for (let plot = 1; plot <= 40; plot++) {
        rows.push({
          cemetery_id: haTinh, section_id: sectionA, row_label: String(row), plot_number: String(plot), state: plot % 10 === 0 ? 'partial' : 'identified',
          // Every fifth grave of row 3 has no position yet.
          position: row === 3 && plot % 5 === 0 ? null : t.db.raw('ST_SetSRID(ST_MakePoint(?, ?), 4326)', [ORIGIN.lng + plot * 0.00002, ORIGIN.lat + row * 0.00003]),
        });
      }
    }
    for (let plot = 1; plot <= 5; plot++) rows.push({ cemetery_id: haTinh, section_id: sectionB, row_label: '1', plot_number: String(plot), state: 'unknown' });
    // Inserted out of order, so the walk list must sort them.
    const inserted = await t.db('graves').insert(rows.reverse()).returning(['id', 'section_id', 'row_label', 'plot_number']);
    for (const g of inserted) a[`${Number(g.section_id) === sectionA ? 'A' : 'B'}/${g.row_label}/${g.plot_number}`] = Number(g.id);
    noPlot = (await t.db('graves').insert([{ cemetery_id: haTinh, state: 'unknown' }, { cemetery_id: haTinh, state: 'unknown' }]).returning('id')).map((r) => Number(r.id));

    app = await testApp(t.db);
    const mine = await createStaff(t.db, [{ role: 'cemetery_staff', provinceCode: null, cemeteryId: haTinh }], 'Cán bộ Hà Tĩnh');
    const theirs = await createStaff(t.db, [{ role: 'cemetery_staff', provinceCode: null, cemeteryId: fx.cemeteries.truongSon }], 'Cán bộ Trường Sơn');
    const province = await createStaff(t.db, [{ role: 'province_officer', provinceCode: '42', cemeteryId: null }], 'Cán bộ Sở Hà Tĩnh');
    staff = await signIn(app, mine.email);
    otherStaff = await signIn(app, theirs.email);
    officer = await signIn(app, province.email);
  });
  afterAll(async () => {
    await t.drop();
  });

  const edit = (who: SignedIn, graveId: number, fields: Record<string, string>) =>
    who.agent.post(`/quan-ly/mo/${graveId}`).type('form').send({ _csrf: who.csrf, section: String(sectionA), row: '1', number: '1', state: 'identified', inscription: '', lat: '', lng: '', reason: 'kiểm tra thực địa', ...fields });

  it('edits plot, state, inscription and position with a reason: audited, queued for search, on the tiles', async () => {
    const id = a['A/1/7']!;
    const page = await staff.agent.get(`/quan-ly/mo/${id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Khu A, hàng 1, mộ số 7');
    const outboxBefore = Number((await t.db('search_outbox').max({ id: 'id' }))[0]!.id);
    const moved = { lng: ORIGIN.lng + 0.0009, lat: ORIGIN.lat + 0.0005 };
    const res = await edit(staff, id, {
      section: String(sectionB), row: '2', number: '7A', state: 'partial', inscription: 'LIỆT SĨ\r\nVÔ DANH\r\nE64 1968',
      lat: moved.lat.toFixed(7).replace('.', ','), lng: moved.lng.toFixed(7), reason: 'Đo lại vị trí bằng GPS',
    });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/quan-ly/mo/${id}?luu=1`);
    const grave = await t.db('graves').where({ id }).first(['section_id', 'row_label', 'plot_number', 'state', 'inscription', t.db.raw('ST_X(position) AS lng'), t.db.raw('ST_Y(position) AS lat')]);
    expect(grave).toMatchObject({ section_id: sectionB, row_label: '2', plot_number: '7A', state: 'partial', inscription: 'LIỆT SĨ\nVÔ DANH\nE64 1968' });
    expect(grave.lng).toBeCloseTo(moved.lng, 7);
    expect(grave.lat).toBeCloseTo(moved.lat, 7);
    const audit = await t.db('audit_log').where({ entity_type: 'grave', entity_id: id, action: 'grave.update' }).first();
    expect(audit.reason).toBe('Đo lại vị trí bằng GPS');
    expect(audit.before).toMatchObject({ section: 'A', row_label: '1', plot_number: '7', state: 'identified' });
    expect(audit.after).toMatchObject({ section: 'B', row_label: '2', plot_number: '7A', state: 'partial', position: `${moved.lat.toFixed(7)},${moved.lng.toFixed(7)}` });
    expect(audit.after.position_outside_boundary).toBeUndefined();
    expect(await t.db('search_outbox').where('id', '>', outboxBefore).where({ entity_type: 'grave', entity_id: id }).first()).toBeTruthy();
    const at = tileOf(moved.lng, moved.lat, 19);
    const tile = await request(app).get(`/tiles/graves/${at.z}/${at.x}/${at.y}.mvt`).buffer(true).parse(binary);
    const layer = new VectorTile(new PbfReader(tile.body as Buffer)).layers.graves!;
    const feature = Array.from({ length: layer.length }, (_, i) => layer.feature(i)).find((f) => f.id === id);
    expect(feature?.properties).toMatchObject({ state: 'partial' });
    // The history page reads it back.
    expect((await staff.agent.get(`/quan-ly/lich-su/grave/${id}`)).text).toContain('Đo lại vị trí bằng GPS');
  });

  it('refuses an edit without a reason, and changes nothing', async () => {
    const id = a['A/1/8']!;
    const res = await edit(staff, id, { number: '8', reason: '' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('Lý do thay đổi là bắt buộc');
    expect(res.text).toMatch(/name="reason"[^>]*aria-invalid="true"/);
    expect((await t.db('graves').where({ id }).first()).row_label).toBe('1');
  });

  it('answers a plot that another grave has with a clear form error, not a 500', async () => {
    const res = await edit(staff, a['A/1/9']!, { number: '10' });
    expect(res.status).toBe(409);
    expect(res.text).toContain('Vị trí khu, hàng, mộ số này đã thuộc về một mộ khác');
    expect(res.text).toContain('value="10"');
    expect((await t.db('graves').where({ id: a['A/1/9'] }).first()).plot_number).toBe('9');
  });

  it('saves a position outside the cemetery, with a warning on the page and in the audit row', async () => {
    const id = a['A/1/11']!;
    // The fixture's boundary is 0.002° around 105.89, 18.34; this is 1 km east.
    const res = await edit(staff, id, { number: '11', lat: '18.3410000', lng: '105.9010000' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/quan-ly/mo/${id}?luu=1&ngoai=1`);
    const page = await staff.agent.get(res.headers.location!);
    expect(page.text).toContain('nằm ngoài ranh giới nghĩa trang');
    const audit = await t.db('audit_log').where({ entity_type: 'grave', entity_id: id }).orderBy('id', 'desc').first();
    expect(audit.after.position_outside_boundary).toBe(true);
    // A JSON client gets the same flag.
    const json = await staff.agent.post(`/quan-ly/mo/${id}`).set('Accept', 'application/json').set('X-CSRF-Token', staff.csrf)
      .send({ section: String(sectionA), row: '1', number: '11', state: 'identified', lat: '18.3410000', lng: '105.9020000', reason: 'đo lại' });
    expect(json.body).toEqual({ changed: true, outsideBoundary: true });
  });

  it('links a martyr without a grave, refuses one buried beyond the scope, and unlinks', async () => {
    const id = a['A/2/3']!;
    const link = (martyr: number, action = 'link') => staff.agent.post(`/quan-ly/mo/${id}/liet-si`).type('form').send({ _csrf: staff.csrf, martyr: String(martyr), action, reason: 'Đối chiếu sổ an táng' });
    expect((await link(fx.martyrs.noGrave)).status).toBe(303);
    expect(Number((await t.db('martyrs').where({ id: fx.martyrs.noGrave }).first()).grave_id)).toBe(id);
    expect(await t.db('audit_log').where({ entity_type: 'martyr', entity_id: fx.martyrs.noGrave, action: 'martyr.grave.link' }).first()).toMatchObject({ after: { grave_id: id }, reason: 'Đối chiếu sổ an táng' });
    expect((await staff.agent.get(`/quan-ly/mo/${id}`)).text).toContain('Đỗ Xuân Hòa');
    // Đặng Văn Đức lies at Trường Sơn, outside this staff's cemetery.
    const refused = await link(fx.martyrs.duc);
    expect(refused.status).toBe(404);
    expect(refused.text).toContain('Không có hồ sơ liệt sĩ số này');
    expect((await link(fx.martyrs.noGrave, 'unlink')).status).toBe(303);
    expect((await t.db('martyrs').where({ id: fx.martyrs.noGrave }).first()).grave_id).toBeNull();
  });

  it('answers a confidential martyr without a grave exactly as an unknown number: not linked, its name not shown', async () => {
    const id = a['A/2/4']!;
    const [secret] = await t.db('martyrs').insert({ full_name: 'Trần Văn Kín', gender: 'male', death_year: 1971, is_public: false, hometown_province_code: '42' }).returning('id');
    const link = (martyr: number) => staff.agent.post(`/quan-ly/mo/${id}/liet-si`).type('form').send({ _csrf: staff.csrf, martyr: String(martyr), action: 'link', reason: 'Đối chiếu sổ an táng' });
    const confidential = await link(Number(secret!.id));
    const unknown = await link(987654321);
    expect(confidential.status).toBe(404);
    expect(unknown.status).toBe(404);
    const message = (html: string) => /role="alert">([^<]+)</.exec(html)?.[1];
    expect(message(confidential.text)).toBe(message(unknown.text));
    expect(confidential.text).not.toContain('Trần Văn Kín');
    expect((await t.db('martyrs').where({ id: secret!.id }).first()).grave_id).toBeNull();
    expect((await staff.agent.get(`/quan-ly/mo/${id}`)).text).not.toContain('Trần Văn Kín');
  });

  it('shows what is left to do on the dashboard, and recent changes', async () => {
    const res = await staff.agent.get(`/quan-ly/nghia-trang/${fx.cemeteries.haTinh}`);
    expect(res.status).toBe(200);
    const count = (name: string) => Number(new RegExp(`data-count="${name}">([\\d.,]+)<`).exec(res.text)![1]!.replace(/[.,]/g, ''));
    const db = await t.db('graves').where({ cemetery_id: fx.cemeteries.haTinh })
      .select(t.db.raw('count(*)::int AS total'), t.db.raw('count(*) FILTER (WHERE position IS NULL)::int AS nopos'), t.db.raw(`count(*) FILTER (WHERE state = 'partial')::int AS partial`),
        t.db.raw('count(*) FILTER (WHERE plot_number IS NULL OR row_label IS NULL)::int AS noplot')).first();
    expect(count('graves')).toBe(db.total);
    expect(count('without-photo')).toBe(db.total);
    expect(count('without-position')).toBe(db.nopos);
    expect(count('partial')).toBe(db.partial);
    expect(count('without-plot')).toBe(2);
    expect(count('outside')).toBe(1);
    expect(res.text).toContain('Đo lại vị trí bằng GPS');
    expect(res.text).toContain(`href="/quan-ly/mo/${a['A/1/7']}"`);
  });

  it('walks a cemetery row by row in plot order, 100 per page, with filters', async () => {
    const list = async (query: string) => {
      const res = await staff.agent.get(`/quan-ly/nghia-trang/${fx.cemeteries.haTinh}${query}`);
      expect(res.status).toBe(200);
      return [...res.text.matchAll(/<li class="up-walk-\w+">\s*<a href="\/quan-ly\/mo\/(\d+)">/g)].map((m) => Number(m[1]));
    };
    const row2 = await list('?khu=A&hang=2');
    expect(row2).toEqual(Array.from({ length: 40 }, (_, i) => a[`A/2/${i + 1}`]));
    const first = await list('');
    expect(first).toHaveLength(100);
    // Sections first (A then B), then rows, then plot numbers as numbers: 1, 2, … 10, not 1, 10, 2.
    expect(first.slice(0, 3)).toEqual([a['A/1/1'], a['A/1/2'], a['A/1/3']]);
    const rest = await list('?page=2');
    expect(rest.slice(-2).sort()).toEqual([...noPlot].sort());
    expect(rest).toContain(a['B/1/5']);
    expect(await list('?khu=A&hang=3&thieu=vi-tri')).toEqual([5, 10, 15, 20, 25, 30, 35, 40].map((p) => a[`A/3/${p}`]));
    expect(await list('?thieu=mot-phan')).toHaveLength(12 + 1);
    const bad = await staff.agent.get(`/quan-ly/nghia-trang/${fx.cemeteries.haTinh}?thieu=all`);
    expect(bad.status).toBe(400);
  });

  it("edits the cemetery's details and sections with a reason, refusing bad polygons", async () => {
    const id = fx.cemeteries.haTinh;
    const base = `/quan-ly/nghia-trang/${id}`;
    expect((await staff.agent.get(`${base}/sua`)).status).toBe(200);
    const details = (fields: Record<string, string>) => staff.agent.post(`${base}/sua`).type('form').send({ _csrf: staff.csrf, name: 'Nghĩa trang liệt sĩ tỉnh Hà Tĩnh', level: 'province', address: 'Thành phố Hà Tĩnh', description: '', boundary: square(105.89, 18.341, 0.003), reason: 'Cập nhật ranh giới đo đạc', ...fields });
    const outboxBefore = Number((await t.db('search_outbox').max({ id: 'id' }))[0]!.id);
    expect((await details({})).status).toBe(303);
    const audit = await t.db('audit_log').where({ entity_type: 'cemetery', entity_id: id, action: 'cemetery.update' }).first();
    expect(audit.reason).toBe('Cập nhật ranh giới đo đạc');
    expect(Object.keys(audit.after).sort()).toEqual(['address', 'boundary']);
    expect(await t.db('search_outbox').where('id', '>', outboxBefore).where({ entity_type: 'cemetery', entity_id: id }).first()).toBeTruthy();
    // The new boundary is the one positions are checked against: the grave 1 km east stays outside.
    const inside = async (graveId: number) => (await t.db.raw('SELECT ST_Covers(c.boundary, g.position) AS inside FROM graves g JOIN cemeteries c ON c.id = g.cemetery_id WHERE g.id = ?', [graveId])).rows[0].inside;
    expect([await inside(a['A/1/7']!), await inside(a['A/1/11']!)]).toEqual([true, false]);

    const notJson = await details({ boundary: '{"type": "Polygon", "coordinates": [[[105.8' });
    expect(notJson.status).toBe(400);
    expect(notJson.text).toContain('Ranh giới không phải GeoJSON hợp lệ');
    const bowtie = await details({ boundary: JSON.stringify({ type: 'Polygon', coordinates: [[[105.88, 18.33], [105.9, 18.35], [105.9, 18.33], [105.88, 18.35], [105.88, 18.33]]] }) });
    expect(bowtie.status).toBe(400);
    expect(bowtie.text).toContain('Đa giác không hợp lệ');
    expect((await details({ reason: '' })).status).toBe(400);

    // Sections: add with a polygon, a taken code, rename (re-indexes the cemetery), delete only when empty.
    const add = await staff.agent.post(`${base}/khu`).type('form').send({ _csrf: staff.csrf, kind: 'lo', code: 'C', name: 'Lô mới', boundary: JSON.stringify({ type: 'Feature', properties: {}, geometry: JSON.parse(square(105.8915, 18.3412, 0.0002)) }), reason: 'Mở lô mới' });
    expect(add.status).toBe(303);
    const c = await t.db('cemetery_sections').where({ cemetery_id: id, code: 'C' }).first(['id', 'kind', t.db.raw('ST_GeometryType(boundary) AS type')]);
    expect(c).toMatchObject({ kind: 'lo', type: 'ST_Polygon' });
    const taken = await staff.agent.post(`${base}/khu`).type('form').send({ _csrf: staff.csrf, code: 'A', reason: 'thử' });
    expect(taken.status).toBe(409);
    expect(taken.text).toContain('đã có một khu với mã này');
    const before = Number((await t.db('search_outbox').max({ id: 'id' }))[0]!.id);
    expect((await staff.agent.post(`${base}/khu/${sectionB}`).type('form').send({ _csrf: staff.csrf, action: 'save', kind: 'khu', code: 'B2', reason: 'Đổi mã khu theo bản đồ mới' })).status).toBe(303);
    expect(await t.db('search_outbox').where('id', '>', before).where({ entity_type: 'cemetery', entity_id: id }).first()).toBeTruthy();
    const full = await staff.agent.post(`${base}/khu/${sectionA}`).type('form').send({ _csrf: staff.csrf, action: 'delete', code: 'A', reason: 'thử xóa' });
    expect(full.status).toBe(409);
    expect(full.text).toContain('còn mộ nên không xóa được');
    expect((await staff.agent.post(`${base}/khu/${c.id}`).type('form').send({ _csrf: staff.csrf, action: 'delete', code: 'C', reason: 'Nhập nhầm' })).status).toBe(303);
    expect(await t.db('cemetery_sections').where({ id: c.id }).first()).toBeUndefined();
    const actions = (await t.db('audit_log').where({ entity_type: 'cemetery', entity_id: id }).orderBy('id')).map((r) => r.action);
    expect(actions).toEqual(['cemetery.update', 'cemetery.section.add', 'cemetery.section.update', 'cemetery.section.delete']);
  });

  describe('jurisdiction', () => {
    it("keeps another cemetery's staff out of these graves and this cemetery, reads or writes", async () => {
      const id = a['A/1/12']!;
      const cemetery = fx.cemeteries.haTinh;
      expect((await otherStaff.agent.get(`/quan-ly/mo/${id}`)).status).toBe(404);
      expect((await edit(otherStaff, id, { number: '12', reason: 'không được phép' })).status).toBe(404);
      expect((await otherStaff.agent.post(`/quan-ly/mo/${id}/liet-si`).type('form').send({ _csrf: otherStaff.csrf, martyr: String(fx.martyrs.noGrave), reason: 'không được phép' })).status).toBe(404);
      expect((await otherStaff.agent.get(`/quan-ly/nghia-trang/${cemetery}`)).status).toBe(404);
      expect((await otherStaff.agent.get(`/quan-ly/nghia-trang/${cemetery}/sua`)).status).toBe(404);
      expect((await otherStaff.agent.post(`/quan-ly/nghia-trang/${cemetery}/sua`).type('form').send({ _csrf: otherStaff.csrf, name: 'Đổi tên', level: 'province', reason: 'không được phép' })).status).toBe(404);
      expect((await otherStaff.agent.post(`/quan-ly/nghia-trang/${cemetery}/khu`).type('form').send({ _csrf: otherStaff.csrf, code: 'Z', reason: 'không được phép' })).status).toBe(404);
      expect((await otherStaff.agent.post(`/quan-ly/nghia-trang/${cemetery}/khu/${sectionA}`).type('form').send({ _csrf: otherStaff.csrf, action: 'delete', code: 'A', reason: 'không được phép' })).status).toBe(404);
      expect((await t.db('graves').where({ id }).first()).plot_number).toBe('12');
      expect(await t.db('cemetery_sections').where({ code: 'Z' }).first()).toBeUndefined();
      expect((await t.db('cemeteries').where({ id: cemetery }).first()).name).toBe('Nghĩa trang liệt sĩ tỉnh Hà Tĩnh');
      // Their own list shows only their cemetery.
      const mine = await otherStaff.agent.get('/quan-ly/nghia-trang');
      expect(mine.text).toContain('Trường Sơn');
      expect(mine.text).not.toContain('tỉnh Hà Tĩnh');
    });

    it("lets the province's officer keep the province's cemeteries", async () => {
      expect((await officer.agent.get(`/quan-ly/nghia-trang/${fx.cemeteries.haTinh}`)).status).toBe(200);
      expect((await edit(officer, a['A/1/12']!, { number: '12', state: 'partial', reason: 'Sở kiểm tra' })).status).toBe(303);
      expect((await officer.agent.get(`/quan-ly/nghia-trang/${fx.cemeteries.truongSon}`)).status).toBe(404);
    });
  });
});
