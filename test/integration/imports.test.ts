/**
 * Imports from provincial software, end to end against real PostgreSQL: real .xlsx and .csv files
 * made here (legacy encodings included), the dry run, the commit, idempotence, conflicts with
 * staff edits, duplicates, jurisdiction, visibility, provenance and audit, and bad input.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { deflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importFromCli } from '../../server/imports/import-cli.js';
import { runBatch } from '../../server/imports/import.jobs.js';
import { LEASE_SECONDS } from '../../server/imports/import-run.js';
import { claimLapsedBatches } from '../../server/imports/imports.queries.js';
import { requestCommit } from '../../server/imports/imports.service.js';
import { encodeTcvn3, encodeVni } from '../../server/imports/legacy-encodings.js';
import { fieldSources, writeProvenance } from '../../server/provenance/provenance.queries.js';
import { createTestDatabase, silentLogger, type TestDatabase } from '../support/services.js';

/** A minimal zip (deflate), for files that are not what they claim. */
function zip(entries: [string, Buffer][]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of entries) {
    const packed = deflateRawSync(data, { level: 9 });
    const n = Buffer.from(name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0); local.writeUInt16LE(20, 4); local.writeUInt16LE(8, 8);
    local.writeUInt32LE(packed.length, 18); local.writeUInt32LE(data.length, 22); local.writeUInt16LE(n.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0); central.writeUInt16LE(20, 4); central.writeUInt16LE(20, 6); central.writeUInt16LE(8, 10);
    central.writeUInt32LE(packed.length, 20); central.writeUInt32LE(data.length, 24); central.writeUInt16LE(n.length, 28); central.writeUInt32LE(offset, 42);
    locals.push(local, n, packed);
    centrals.push(central, n);
    offset += 30 + n.length + packed.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(entries.length, 8); end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12); end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** Windows-1258 writes letters with their shape (â, ư...) whole and the tone as a combining mark after. */
const as1258 = (text: string) =>
  [...text.normalize('NFC')].map((ch) => {
    const d = ch.normalize('NFD');
    const tone = [...d].filter((m) => /[\u0300\u0301\u0303\u0309\u0323]/.test(m)).join('');
    return [...d].filter((m) => !tone.includes(m)).join('').normalize('NFC') + tone;
  }).join('');

let t: TestDatabase;
let dir: string;
let files: { dir: string };
let cemeteryId: number;
let otherCemeteryId: number;

const HEADERS = ['STT', 'Mã hồ sơ', 'Họ và tên', 'Năm sinh', 'Nguyên quán', 'Ngày hy sinh', 'Đơn vị', 'Cấp bậc', 'Nghĩa trang', 'Vị trí mộ', 'Tọa độ', 'Họ tên thân nhân', 'Số điện thoại'];

async function workbook(name: string, rows: unknown[][], extra?: (wb: ExcelJS.Workbook, ws: ExcelJS.Worksheet) => void): Promise<string> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Danh sách');
  ws.addRow(HEADERS);
  for (const r of rows) ws.addRow(r);
  extra?.(wb, ws);
  const file = path.join(dir, name);
  await wb.xlsx.writeFile(file);
  return file;
}

const run = (file: string, dryRun: boolean, provinceCode = '33', sourceName = 'Phần mềm A') => importFromCli(t.db, files, silentLogger, { provinceCode, sourceName, file, dryRun });

const baseRows = (): unknown[][] => [
  [1, 'HS001', 'NGUYỄN VĂN THÀNH', 1948, 'xã Thủ Sỹ, huyện Tiên Lữ, tỉnh Hưng Yên', '12/8/1972', 'E141, F312', 'Hạ sĩ', 'Nghĩa trang liệt sĩ huyện Tiên Lữ', 'Khu A, hàng 3, mộ số 12', '20.6, 106.1', 'Nguyễn Thị Mai', '0912345678'],
  [2, 'HS002', 'Y Bih', '8/1950', 'Thủ Sỹ - Tiên Lữ - Hưng Yên', 'T8/1972', 'Đoàn 559', 'Binh nhất', 'NTLS huyện Tiên Lữ', 'A-3-13', '', '', ''],
  [3, 'HS003', 'Trần Văn Bình', 'không rõ', 'X. Thủ Sỹ, H. Tiên Lữ, T. Hưng Yên', 'tháng 8 năm 1972', '', '', '', '', '', '', ''],
  [4, 'HS004', 'Lê Văn Cường', '1950', 'Hà Tây', '1972', '', '', '', '', '', '', ''],
  [5, 'HS005', 'Phạm Văn Dũng', '32/13/1950', 'Hưng Yên', '1972', '', '', '', '', '', '', ''],
  [6, 'HS006', 'Hoàng Văn Em', '1951', 'Hưng Yên', '1972', '', '', 'Nghĩa trang không có', '', '', '', ''],
  [7, 'HS007', 'Đỗ Văn Phúc', '1951', 'Hưng Yên', '1972', '', '', 'Nghĩa trang liệt sĩ huyện Tiên Lữ', 'B-1-1', '1234567, 567890', '', ''],
  [8, 'HS008', 'Nguyen Van Thanh', 1949, 'xã Thủ Sỹ, huyện Tiên Lữ, tỉnh Hưng Yên', '1972', 'E141, F312', '', '', '', '', '', ''],
];

beforeAll(async () => {
  t = await createTestDatabase('imports');
  dir = await mkdtemp(path.join(os.tmpdir(), 'mls-imports-'));
  files = { dir: path.join(dir, 'store') };
  const insert = async (name: string, province: string) => {
    const { rows } = await t.db.raw<{ rows: { id: string }[] }>(
      `INSERT INTO cemeteries (name, level, province_code, location) VALUES (?, 'district', ?, ST_SetSRID(ST_MakePoint(106.1, 20.6), 4326)) RETURNING id`,
      [name, province],
    );
    return Number(rows[0]!.id);
  };
  cemeteryId = await insert('Nghĩa trang liệt sĩ huyện Tiên Lữ', '33');
  otherCemeteryId = await insert('Nghĩa trang liệt sĩ Trường Sơn', '44');
});

afterAll(async () => {
  await t.drop();
  await rm(dir, { recursive: true, force: true });
});

describe('a provincial workbook', () => {
  let batchId: number;

  it('dry run: counts, rejected rows with their reasons, nothing written', async () => {
    const before = await t.db('martyrs').count<{ count: string }[]>({ count: '*' });
    const result = await run(await workbook('a.xlsx', baseRows()), true);
    batchId = result.batchId;
    expect(result.state).toBe('dry_run');
    const after = await t.db('martyrs').count<{ count: string }[]>({ count: '*' });
    expect(after[0]!.count).toBe(before[0]!.count);
    const rejected = await t.db('import_issues').where({ batch_id: batchId, kind: 'rejected' }).orderBy('row_number').select('row_number', 'column_name', 'reason');
    expect(rejected).toEqual([
      { row_number: 5, column_name: 'Nguyên quán', reason: 'outside_province' },
      { row_number: 6, column_name: 'Năm sinh', reason: 'date_month' },
      { row_number: 7, column_name: 'Nghĩa trang', reason: 'cemetery_unknown' },
      { row_number: 8, column_name: 'Tọa độ', reason: 'coordinates_vn2000' },
    ]);
    expect(result.counts).toMatchObject({ rows: 8, new: 4, rejected: 4 });
    // Row 9 (Nguyen Van Thanh, born 1949) may be row 2's man: flagged, not merged.
    const dup = await t.db('import_issues').where({ batch_id: batchId, kind: 'duplicate' }).first();
    expect(dup).toMatchObject({ row_number: 9, reason: 'duplicate_in_file' });
    expect(dup.details.rows).toEqual([2]);
  });

  it('writes the rejects workbook with a "Lỗi" column', async () => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(path.join(files.dir, `${batchId}/loi.xlsx`));
    const ws = wb.worksheets[0]!;
    expect(ws.getRow(1).values).toContain('Lỗi');
    expect(ws.rowCount).toBe(5);
    const last = ws.getRow(2).values as unknown[];
    expect(String(last[last.length - 1])).toContain('Nguyên quán: không có mộ trong tỉnh');
  });

  it('commits: records, graves, provenance, audit linked to the batch; unmapped columns not stored', async () => {
    const result = await run(await workbook('a.xlsx', baseRows()), false);
    expect(result.state).toBe('committed');
    const id = result.batchId;
    const thanh = await t.db('martyrs').where({ full_name: 'Nguyễn Văn Thành' }).first();
    expect(thanh).toMatchObject({ birth_year: 1948, death_year: 1972, death_month: 8, death_day: 12, hometown_province_code: '33', unit: 'E141, F312', source: 'import', is_public: true });
    expect(thanh.hometown_old_commune_code).not.toBeNull();
    const grave = await t.db('graves').where({ id: thanh.grave_id }).first();
    expect(grave).toMatchObject({ cemetery_id: cemeteryId, row_label: '3', plot_number: '12', state: 'identified' });
    const yBih = await t.db('martyrs').where({ full_name: 'Y Bih' }).first();
    expect(yBih).toMatchObject({ birth_year: 1950, birth_month: 8, birth_day: null, death_month: 8 });
    const binh = await t.db('martyrs').where({ full_name: 'Trần Văn Bình' }).first();
    expect(binh).toMatchObject({ birth_year: null, death_year: 1972, death_month: 8, grave_id: null, hometown_province_code: '33' });
    // Hà Tây is Hà Nội now: no grave in Hưng Yên and a hometown elsewhere is outside the jurisdiction.
    expect(await t.db('martyrs').where({ full_name: 'Lê Văn Cường' }).first()).toBeUndefined();
    const sources = await fieldSources(t.db, 'martyr', thanh.id);
    const name = sources.find((s) => s.field === 'full_name')!;
    expect(name).toMatchObject({ sourceKind: 'import', importBatchId: id, fileName: 'a.xlsx', rowNumber: 2, originalValue: 'NGUYỄN VĂN THÀNH' });
    const audit = await t.db('audit_log').where({ import_batch_id: id, entity_type: 'martyr', entity_id: thanh.id }).first();
    expect(audit.action).toBe('martyr.import_create');
    const everything = JSON.stringify(await t.db('martyrs').select('*'));
    expect(everything).not.toContain('0912345678');
    expect(everything).not.toContain('Nguyễn Thị Mai');
    const outbox = await t.db('search_outbox').where({ entity_type: 'martyr', entity_id: thanh.id }).first();
    expect(outbox).toBeDefined();
    // One outbox row per record: the grave it made has no document of its own (its martyr's carries it).
    const created = (await t.db('audit_log').where({ import_batch_id: id, action: 'martyr.import_create' }).select('entity_id')).map((r) => Number(r.entity_id));
    const rows = await t.db('search_outbox').whereIn('entity_id', created).where({ entity_type: 'martyr' }).select('entity_id');
    expect(rows.map((r) => Number(r.entity_id)).sort()).toEqual([...created].sort());
    expect(await t.db('search_outbox').where({ entity_type: 'grave', entity_id: thanh.grave_id })).toHaveLength(0);
    expect(grave.display_name).toBe('Nguyễn Văn Thành');
    const dup = await t.db('duplicate_candidates').where({ batch_id: id }).first();
    expect(dup).toBeDefined();
  });

  it('is idempotent: the same file again changes nothing', async () => {
    const count = async () => Number((await t.db('martyrs').count<{ n: string }[]>({ n: '*' }))[0]!.n);
    const before = await count();
    const result = await run(await workbook('a.xlsx', baseRows()), false);
    expect(result.state).toBe('committed');
    expect(result.counts).toMatchObject({ new: 0, changed: 0, unchanged: 4 });
    expect(await count()).toBe(before);
  });

  it('an updated file changes only what changed, and never what staff changed since', async () => {
    const thanh = await t.db('martyrs').where({ full_name: 'Nguyễn Văn Thành' }).first();
    // Staff corrected the unit: from now on it is theirs.
    await t.db('martyrs').where({ id: thanh.id }).update({ unit: 'Trung đoàn 141' });
    await writeProvenance(t.db, [{ entityType: 'martyr', entityId: thanh.id, field: 'unit', sourceKind: 'staff' }]);
    const rows = baseRows();
    rows[0]![6] = 'E141, F312, QK3';
    rows[0]![7] = 'Trung sĩ';
    const result = await run(await workbook('b.xlsx', rows), false);
    expect(result.counts).toMatchObject({ new: 0, changed: 1, unchanged: 3, conflicts: 1 });
    const after = await t.db('martyrs').where({ id: thanh.id }).first();
    expect(after.rank).toBe('Trung sĩ');
    expect(after.unit).toBe('Trung đoàn 141');
    const conflict = await t.db('import_issues').where({ batch_id: result.batchId, phase: 'commit', kind: 'conflict' }).first();
    expect(conflict).toMatchObject({ column_name: 'unit', reason: 'conflict_staff', value: 'E141, F312, QK3' });
    const rank = (await fieldSources(t.db, 'martyr', thanh.id)).find((s) => s.field === 'rank')!;
    expect(rank).toMatchObject({ importBatchId: result.batchId, fileName: 'b.xlsx' });
  });

  it('a confidentiality column sets visibility per row; the public views do not show them', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('DS');
    ws.addRow(['Họ tên LS', 'Năm sinh', 'Quê quán', 'Nghĩa trang', 'Hàng', 'Số mộ', 'Mật']);
    ws.addRow(['Vũ Văn Mật', 1940, 'Hưng Yên', 'Nghĩa trang liệt sĩ huyện Tiên Lữ', '9', '9', 'Mật']);
    ws.addRow(['Vũ Văn Công', 1941, 'Hưng Yên', 'Nghĩa trang liệt sĩ huyện Tiên Lữ', '9', '10', '']);
    const file = path.join(dir, 'c.xlsx');
    await wb.xlsx.writeFile(file);
    const result = await run(file, false, '33', 'Phần mềm C');
    expect(result.state).toBe('committed');
    const secret = await t.db('martyrs').where({ full_name: 'Vũ Văn Mật' }).first();
    expect(secret.is_public).toBe(false);
    expect(await t.db('public_martyrs').where({ id: secret.id }).first()).toBeUndefined();
    expect(await t.db('public_martyrs').where({ full_name: 'Vũ Văn Công' }).first()).toBeDefined();
    const g = await t.db('public_graves').where({ id: secret.grave_id }).first();
    expect(g.display_name).toBeNull();
  });

  it('flags a namesake of the records born a year apart with the same unit, not one born five years apart', async () => {
    const { rows: [quy] } = await t.db.raw<{ rows: { id: string }[] }>(
      `INSERT INTO martyrs (full_name, birth_year, death_year, unit, source, is_public) VALUES ('Đặng Văn Quý', 1950, 1972, 'E141, F312', 'staff', true) RETURNING id`,
    );
    const rows: unknown[][] = [
      [1, 'DQ1', 'ĐẶNG VĂN QUÝ', 1951, 'xã Thủ Sỹ, huyện Tiên Lữ, tỉnh Hưng Yên', '1972', 'E141, F312', '', '', '', '', '', ''],
      [2, 'DQ2', 'Đặng Văn Quý', 1956, 'xã Thủ Sỹ, huyện Tiên Lữ, tỉnh Hưng Yên', '1972', 'E141, F312', '', '', '', '', '', ''],
    ];
    const dry = await run(await workbook('quy.xlsx', rows), true, '33', 'Phần mềm Q');
    const flagged = await t.db('import_issues').where({ batch_id: dry.batchId, kind: 'duplicate' }).select('row_number', 'reason', 'details');
    expect(flagged).toEqual([{ row_number: 2, reason: 'duplicate_in_records', details: { rows: [], martyrs: [Number(quy!.id)] } }]);
    const committed = await run(await workbook('quy.xlsx', rows), false, '33', 'Phần mềm Q');
    expect(committed.state).toBe('committed');
    const pairs = await t.db('duplicate_candidates').where({ batch_id: committed.batchId }).select('other_martyr_id', 'reason');
    expect(pairs).toEqual([{ other_martyr_id: quy!.id, reason: 'duplicate_in_records' }]);
  });

  it('provenance names only batches that exist, and a batch it names is not deleted', async () => {
    const thanh = await t.db('martyrs').where({ full_name: 'Nguyễn Văn Thành' }).first();
    const named = (await t.db('field_provenance').where({ entity_type: 'martyr', entity_id: thanh.id, field: 'full_name' }).first()).import_batch_id;
    await expect(writeProvenance(t.db, [{ entityType: 'martyr', entityId: thanh.id, field: 'rank', sourceKind: 'import', importBatchId: 987654 }]))
      .rejects.toMatchObject({ code: '23503' });
    await expect(t.db.raw(`INSERT INTO field_provenance (entity_type, entity_id, field, source_kind, import_batch_id) VALUES ('grave', 1, 'x', 'import', 987654)`))
      .rejects.toMatchObject({ code: '23503' });
    await expect(t.db('field_provenance').where({ entity_type: 'martyr', entity_id: thanh.id, field: 'full_name' }).update({ import_batch_id: 987654 }))
      .rejects.toMatchObject({ code: '23503' });
    await expect(t.db('import_batches').where({ id: named }).delete()).rejects.toMatchObject({ code: '23503' });
    // A batch nothing but provenance names (no audit, no duplicates) is kept too; one nothing names may go.
    const bare = async () => Number((await t.db('import_batches').insert({
      province_code: '33', source_id: (await t.db('import_sources').first('id')).id, file_name: 'x.csv', file_bytes: 1, file_sha256: 'a'.repeat(64), format: 'csv', encoding: 'utf-8', detected_encoding: 'utf-8',
    }).returning('id'))[0]!.id);
    const onlyProvenance = await bare();
    await writeProvenance(t.db, [{ entityType: 'martyr', entityId: thanh.id, field: 'rank', sourceKind: 'import', importBatchId: onlyProvenance }]);
    await expect(t.db('import_batches').where({ id: onlyProvenance }).delete()).rejects.toMatchObject({ code: '23503' });
    expect(await t.db('import_batches').where({ id: await bare() }).delete()).toBe(1);
  });

  it('a plot with someone in it is a conflict; an empty grave at the plot is the one used, with or without section and row', async () => {
    const { rows: [section] } = await t.db.raw<{ rows: { id: string }[] }>(`INSERT INTO cemetery_sections (cemetery_id, code, kind) VALUES (?, 'P', 'khu') RETURNING id`, [cemeteryId]);
    const grave = async (sectionId: string | null, row: string | null, number: string, state: string) =>
      Number((await t.db.raw<{ rows: { id: string }[] }>(
        `INSERT INTO graves (cemetery_id, section_id, row_label, plot_number, state) VALUES (?, ?, ?, ?, ?) RETURNING id`, [cemeteryId, sectionId, row, number, state],
      )).rows[0]!.id);
    const occupied = await grave(section!.id, '1', '1', 'identified');
    await t.db.raw(`INSERT INTO martyrs (full_name, grave_id, source, is_public) VALUES ('Bùi Văn Khải', ?, 'staff', true)`, [occupied]);
    const emptyInSection = await grave(section!.id, '1', '2', 'unknown');
    const emptyBare = await grave(null, null, '77', 'unknown');
    const rows: unknown[][] = [
      [1, 'PL1', 'Vũ Văn Lâm', 1947, 'xã Thủ Sỹ, huyện Tiên Lữ, tỉnh Hưng Yên', '1971', '', '', 'Nghĩa trang liệt sĩ huyện Tiên Lữ', 'Khu P, hàng 1, mộ số 1', '', '', ''],
      [2, 'PL2', 'Vũ Văn Minh', 1948, 'xã Thủ Sỹ, huyện Tiên Lữ, tỉnh Hưng Yên', '1971', '', '', 'Nghĩa trang liệt sĩ huyện Tiên Lữ', 'Khu P, hàng 1, mộ số 2', '', '', ''],
      [3, 'PL3', 'Vũ Văn Nam', 1949, 'xã Thủ Sỹ, huyện Tiên Lữ, tỉnh Hưng Yên', '1971', '', '', 'Nghĩa trang liệt sĩ huyện Tiên Lữ', 'mộ số 77', '', '', ''],
    ];
    const outboxBefore = Number((await t.db.raw<{ rows: { id: string | null }[] }>('SELECT max(id) AS id FROM search_outbox')).rows[0]!.id ?? 0);
    const result = await run(await workbook('plots.xlsx', rows), false, '33', 'Phần mềm mộ');
    expect(result.state).toBe('committed');
    const taken = await t.db('import_issues').where({ batch_id: result.batchId, phase: 'commit', reason: 'plot_taken' }).select('row_number', 'details');
    expect(taken).toEqual([{ row_number: 2, details: { graveId: occupied } }]);
    const minh = await t.db('martyrs').where({ full_name: 'Vũ Văn Minh' }).first();
    const nam = await t.db('martyrs').where({ full_name: 'Vũ Văn Nam' }).first();
    expect(Number(minh.grave_id)).toBe(emptyInSection);
    expect(Number(nam.grave_id)).toBe(emptyBare);
    expect((await t.db('graves').where({ id: emptyBare }).first()).state).toBe('identified');
    // A grave that had a document of its own (unidentified) keeps its outbox row: the index drops that document.
    const graveRows = await t.db('search_outbox').where('id', '>', outboxBefore).andWhere({ entity_type: 'grave' }).whereIn('entity_id', [emptyInSection, emptyBare]).select('entity_id');
    expect(new Set(graveRows.map((r) => Number(r.entity_id)))).toEqual(new Set([emptyInSection, emptyBare]));
  });

  it('a cemetery of another province is a jurisdiction error', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('DS');
    ws.addRow(['Họ và tên', 'Năm sinh', 'Nghĩa trang']);
    ws.addRow(['Ngô Văn Xa', 1940, 'Nghĩa trang liệt sĩ Trường Sơn']);
    ws.addRow(['Ngô Văn Xa', 1940, String(otherCemeteryId)]);
    const file = path.join(dir, 'd.xlsx');
    await wb.xlsx.writeFile(file);
    const result = await run(file, true, '33', 'Phần mềm D');
    expect(result.counts).toMatchObject({ rows: 2, rejected: 2 });
    const reasons = await t.db('import_issues').where({ batch_id: result.batchId, kind: 'rejected' }).pluck('reason');
    expect(reasons).toEqual(['cemetery_other_province', 'cemetery_other_province']);
  });
});

describe('legacy encodings and CSV', () => {
  const csvRows = [
    ['Họ và tên', 'Năm sinh', 'Quê quán', 'Ngày hy sinh'],
    ['Nguyễn Văn Lực', '1945', 'xã Thủ Sỹ, huyện Tiên Lữ, tỉnh Hưng Yên', '5/1968'],
    ['Đặng Thị Hường', '1947', 'Tiên Lữ, Hưng Yên', '1970'],
  ];

  it('reads a TCVN3 CSV (Latin-1 bytes) as Vietnamese', async () => {
    const text = csvRows.map((r) => r.map(encodeTcvn3).join(';')).join('\r\n');
    const file = path.join(dir, 'tcvn3.csv');
    await writeFile(file, iconv.encode(text, 'latin1'));
    const result = await run(file, true, '33', 'TCVN3');
    expect(result.counts).toMatchObject({ rows: 2, new: 2, rejected: 0 });
    const batch = await t.db('import_batches').where({ id: result.batchId }).first();
    expect(batch.detected_encoding).toBe('tcvn3');
    expect(batch.headers).toEqual(csvRows[0]);
  });

  it('reads a VNI CSV', async () => {
    const text = csvRows.map((r) => r.map((v) => `"${encodeVni(v)}"`).join(',')).join('\n');
    const file = path.join(dir, 'vni.csv');
    await writeFile(file, iconv.encode(text, 'latin1'));
    const result = await run(file, false, '33', 'VNI');
    expect(result.state).toBe('committed');
    expect(await t.db('martyrs').where({ full_name: 'Đặng Thị Hường' }).first()).toBeDefined();
  });

  it('reads UTF-16 with a BOM, and Windows-1258', async () => {
    const text = csvRows.map((r) => r.join('\t')).join('\r\n');
    const u16 = path.join(dir, 'u16.csv');
    await writeFile(u16, Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(text, 'utf-16le')]));
    const a = await run(u16, true, '33', 'U16');
    expect(a.counts).toMatchObject({ rows: 2, rejected: 0 });
    const w1258 = path.join(dir, 'w1258.csv');
    await writeFile(w1258, iconv.encode(as1258(text), 'windows-1258'));
    const b = await run(w1258, true, '33', 'W1258');
    expect(b.counts).toMatchObject({ rows: 2, rejected: 0 });
    expect((await t.db('import_batches').where({ id: b.batchId }).first()).detected_encoding).toBe('windows-1258');
  });

  it('an xlsx column in TCVN3 is detected and converted, the original kept in the provenance', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('DS');
    ws.addRow(['Họ và tên', 'Năm sinh', 'Quê quán']);
    ws.addRow([encodeTcvn3('Nguyễn Văn Tỉnh'), 1944, 'Hưng Yên']);
    ws.addRow([encodeTcvn3('Lê Thị Hằng'), 1946, 'Hưng Yên']);
    const file = path.join(dir, 'tcvn3-col.xlsx');
    await wb.xlsx.writeFile(file);
    const result = await run(file, false, '33', 'TCVN3 column');
    expect(result.state).toBe('committed');
    const m = await t.db('martyrs').where({ full_name: 'Nguyễn Văn Tỉnh' }).first();
    expect(m).toBeDefined();
    expect((await fieldSources(t.db, 'martyr', m.id)).find((s) => s.field === 'full_name')!.originalValue).toBe(encodeTcvn3('Nguyễn Văn Tỉnh'));
  });
});

describe('bad input', () => {
  const expectRefused = async (file: string, reason: string) => {
    await expect(run(file, true)).rejects.toMatchObject({ reason });
  };

  it('refuses an empty file, a wrong format, an .xls, and a zip bomb disguised as .xlsx', async () => {
    const empty = path.join(dir, 'empty.csv');
    await writeFile(empty, '');
    await expectRefused(empty, 'empty');
    const png = path.join(dir, 'image.xlsx');
    await writeFile(png, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]));
    await expectRefused(png, 'wrong_format');
    const xls = path.join(dir, 'old.xls');
    await writeFile(xls, Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(100)]));
    await expectRefused(xls, 'xls');
    // A workbook whose sheet inflates a thousandfold: 64 MB of spaces in a few kilobytes.
    const bomb = path.join(dir, 'bomb.xlsx');
    await writeFile(bomb, zip([
      ['[Content_Types].xml', Buffer.from('<Types/>')],
      ['xl/workbook.xml', Buffer.from('<workbook/>')],
      ['xl/worksheets/sheet1.xml', Buffer.alloc(64 * 1024 * 1024, 0x20)],
    ]));
    await expectRefused(bomb, 'zip_bomb');
  });

  it('a header row that maps nothing writes nothing and says so', async () => {
    const file = path.join(dir, 'nothing.csv');
    await writeFile(file, 'a,b,c\n1,2,3\n');
    const result = await run(file, true);
    expect(result.problems).toContain('mapping_empty');
    expect(result.state).toBe('uploaded');
  });

  it('hidden sheets are skipped, formulas read as their value, merged cells filled', async () => {
    const wb = new ExcelJS.Workbook();
    const hidden = wb.addWorksheet('Ẩn', { state: 'hidden' });
    hidden.addRow(['Họ và tên', 'Năm sinh']);
    hidden.addRow(['Không được đọc', 1900]);
    const ws = wb.addWorksheet('DS');
    ws.addRow(['Họ và tên', 'Năm sinh', 'Quê quán']);
    ws.addRow(['Phan Văn Gộp', { formula: '1940+2', result: 1942 }, 'Hưng Yên']);
    ws.addRow(['Phan Văn Hai', 1943, null]);
    ws.mergeCells('C2:C3');
    const file = path.join(dir, 'tricks.xlsx');
    await wb.xlsx.writeFile(file);
    const result = await run(file, false, '33', 'Tricks');
    expect(result.state).toBe('committed');
    expect(result.counts).toMatchObject({ rows: 2, new: 2, formulas: 1, mergedRanges: 1 });
    expect(await t.db('martyrs').where({ full_name: 'Không được đọc' }).first()).toBeUndefined();
    expect(await t.db('martyrs').where({ full_name: 'Phan Văn Gộp' }).first()).toMatchObject({ birth_year: 1942 });
    expect(await t.db('martyrs').where({ full_name: 'Phan Văn Hai' }).first()).toMatchObject({ hometown_text: 'Hưng Yên' });
    const batch = await t.db('import_batches').where({ id: result.batchId }).first();
    expect(batch.samples.hiddenSheets).toEqual(['Ẩn']);
  });

  it('a commit that keeps failing unexpectedly is given up after three tries with a message, writing nothing', async () => {
    const file = path.join(dir, 'stubborn.csv');
    await writeFile(file, 'Họ và tên,Năm sinh,Quê quán\nNgô Văn Bền,1947,Hưng Yên\n');
    const dry = await run(file, true, '33', 'Stubborn');
    expect(dry.state).toBe('dry_run');
    await requestCommit(t.db, { userId: null, scope: { national: true, provinceCodes: [], cemeteryIds: [], communeCodes: [], roles: ['admin'] } }, dry.batchId);
    // A fault PostgreSQL itself raises in the middle of the flip, every time.
    await t.db.raw(`CREATE FUNCTION refuse_martyr() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk on fire'; END $$`);
    await t.db.raw('CREATE TRIGGER refuse_martyr BEFORE INSERT ON martyrs FOR EACH ROW EXECUTE FUNCTION refuse_martyr()');
    try {
      for (const attempt of [1, 2, 3]) {
        const [claim] = (await claimLapsedBatches(t.db, LEASE_SECONDS)).filter((c) => c.id === dry.batchId);
        expect(claim, `claim ${attempt}`).toBeDefined();
        await expect(runBatch(t.db, files, dry.batchId, claim!.token, silentLogger)).rejects.toThrow('disk on fire');
        const batch = await t.db('import_batches').where({ id: dry.batchId }).first();
        expect(batch).toMatchObject({ run_failures: attempt, state: attempt < 3 ? 'committing' : 'failed', lease_owner: null });
      }
    } finally {
      await t.db.raw('DROP TRIGGER refuse_martyr ON martyrs; DROP FUNCTION refuse_martyr()');
    }
    const batch = await t.db('import_batches').where({ id: dry.batchId }).first();
    expect(batch.error).toBe('unexpected');
    expect(await t.db('martyrs').where({ full_name: 'Ngô Văn Bền' }).first()).toBeUndefined();
    expect(Number((await t.db('import_rows').where({ batch_id: dry.batchId }).count<{ n: string }[]>({ n: '*' }))[0]!.n)).toBe(0);
    // Nothing more to run: the sweep leaves a failed batch alone.
    expect((await claimLapsedBatches(t.db, LEASE_SECONDS)).map((c) => c.id)).not.toContain(dry.batchId);
  });
  it('provenance and audit rows must name a batch that exists, and a batch they name cannot be deleted (checked per statement)', async () => {
    const missing = 987_654_321;
    await expect(t.db.raw(`INSERT INTO field_provenance (entity_type, entity_id, field, source_kind, import_batch_id) VALUES ('martyr', ?, 'full_name', 'import', ?)`, [missing, missing])).rejects.toMatchObject({ code: '23503' });
    await expect(t.db.raw(`INSERT INTO audit_log (action, entity_type, entity_id, import_batch_id) VALUES ('martyr.import_create', 'martyr', ?, ?)`, [missing, missing])).rejects.toMatchObject({ code: '23503' });
    const { batchId } = await run(await workbook('fk.xlsx', baseRows()), false, '33', 'Phần mềm FK');
    expect(Number((await t.db('audit_log').where({ import_batch_id: batchId }).count<{ n: string }[]>({ n: '*' }))[0]!.n)).toBeGreaterThan(0);
    // Everything else that names the batch gone (in a transaction rolled back), its audit rows still stop the delete.
    const refused = await t.db.transaction(async (trx) => {
      for (const table of ['import_rows', 'import_issues', 'duplicate_candidates']) await trx(table).where({ batch_id: batchId }).delete();
      await trx('import_records').where({ last_batch_id: batchId }).delete();
      await trx('field_provenance').where({ import_batch_id: batchId }).update({ import_batch_id: null, source_kind: 'staff' });
      const error = await trx('import_batches').where({ id: batchId }).delete().then(() => null, (e: Error) => e);
      throw error ?? new Error('the batch was deleted');
    }).catch((e: Error) => e);
    expect(refused.message).toMatch(/violates the reference from "audit_log"/);
  });
});
