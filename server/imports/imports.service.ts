/**
 * The rules of an import, for the staff pages and the command line alike: receive a file (checked,
 * hashed, stored privately), read its preview and header, propose a mapping, save the officer's
 * mapping, and move the batch on to its dry run and commit (run by the job queue, or inline by
 * the CLI). Province officers import into their province only.
 */
import { mkdir, rename, rm, stat, copyFile } from 'node:fs/promises';
import path from 'node:path';
import type { Scope } from '../accounts/scope.js';
import type { Db } from '../db/knex.js';
import { Conflict, InvalidInput, NotFound, NotInScope } from '../http/errors.js';
import { detectTextEncoding, decodeText, type TextEncoding } from './legacy-encodings.js';
import { batchesPastFileRetention, batchInScope, findOrCreateSource, getBatch, getIssue, insertBatch, lockBatchPastFileRetention, markFilesExpired, moveBatch, noStatementTimeout, resolveIssue, saveSourceMapping, updateBatch, type Batch } from './imports.queries.js';
import { mappingProblems, proposeMapping, recogniseHeader, savedFormOf, FIELDS, type Field, type Mapping } from './mapping.js';
import { removeRejects, sha256File, storedFilePath, type ImportFiles, provenanceField } from './import-run.js';
import { cellText, csvDelimiter, detectCsvEncoding, readRows, sniffFormat, CSV_ENCODINGS, type Cell, type SheetNotes } from './table-reader.js';
import { BadWorkbook, checkWorkbookEntries, readZipDirectory } from './zip-guard.js';
import { writeProvenance } from '../provenance/provenance.queries.js';
import { writeAudit } from '../audit/audit.js';
import { NOW, updateMartyrColumns } from './imports.queries.js';

/** The largest file taken (the issue's 200 MB); a 2 GB upload is refused before it is read. */
export const MAX_IMPORT_BYTES = 200 * 1024 * 1024;
const PREVIEW_ROWS = 10;
/** Rows read to find the header and detect each column's encoding. */
const SAMPLE_ROWS = 300;

export type ImportActor = { userId: number | null; scope: Scope };

/** A file refused for what it is: the reason is a key of imports.error.*. */
export class ImportFileRejected extends InvalidInput {
  constructor(readonly reason: string) {
    super(`The file was refused: ${reason}.`, { reason }, `import_${reason}`);
  }
}

/** The batch cannot do that in its state (someone else moved it, or the dry run is stale). */
export class ImportStateConflict extends Conflict {
  constructor(readonly reason: string) {
    super(`import_${reason}`, `The import cannot do this now: ${reason}.`, { reason });
  }
}

export function mayImportInto(scope: Scope, provinceCode: string): boolean {
  return scope.national ? scope.roles.includes('admin') || scope.roles.includes('ministry_officer') : scope.provinceCodes.includes(provinceCode) && scope.roles.includes('province_officer');
}

export const canImport = (scope: Scope) => scope.roles.includes('admin') || scope.roles.includes('ministry_officer') || scope.roles.includes('province_officer');

type Sample = { rows: { rowNumber: number; cells: Cell[] }[]; notes: SheetNotes };

async function readSample(file: { path: string; format: 'xlsx' | 'csv'; encoding: string; delimiter: string | null }, limit: number): Promise<Sample> {
  const notes: SheetNotes = { sheetName: null, hiddenSheets: [], formulas: 0, mergedRanges: 0 };
  const rows: Sample['rows'] = [];
  const it = readRows(file, notes);
  for await (const row of it) {
    rows.push(row);
    if (rows.length >= limit) break;
  }
  await it.return?.(undefined);
  return { rows, notes };
}

/** The header row: the first of the first 20 rows that names at least two known fields, else the first non-empty one. */
function findHeaderRow(rows: Sample['rows']): number {
  const first = rows.find((r) => r.cells.some((c) => cellText(c).trim()));
  for (const r of rows.slice(0, 20)) {
    if (r.cells.filter((c) => typeof c === 'string' && recogniseHeader(c)).length >= 2) return r.rowNumber;
  }
  return first?.rowNumber ?? 1;
}

function columnEncodings(rows: Sample['rows'], headerRow: number, width: number, fileEncoding: string): TextEncoding[] {
  if (fileEncoding === 'tcvn3' || fileEncoding === 'vni') return Array.from({ length: width }, () => fileEncoding as TextEncoding);
  return Array.from({ length: width }, (_, i) => detectTextEncoding(rows.filter((r) => r.rowNumber > headerRow).map((r) => r.cells[i]).filter((c): c is string => typeof c === 'string')));
}

function headersOf(rows: Sample['rows'], headerRow: number, encoding: string): string[] {
  const row = rows.find((r) => r.rowNumber === headerRow);
  const cells = row?.cells ?? [];
  const width = Math.max(cells.length, ...rows.map((r) => r.cells.length));
  const legacy = encoding === 'tcvn3' || encoding === 'vni' ? (encoding as TextEncoding) : null;
  return Array.from({ length: width }, (_, i) => {
    const text = cellText(cells[i] ?? null).trim();
    const decoded = legacy ? decodeText(text, legacy) : detectTextEncoding([text]) !== 'unicode' ? decodeText(text, detectTextEncoding([text])) : text;
    return decoded || `Cột ${i + 1}`;
  });
}

/**
 * Takes an uploaded file (at `tempPath`, moved into the private import store): refuses what is not
 * an export we can read, hashes it, detects its encoding and header, and proposes the mapping
 * saved for its source or recognised from the headers.
 */
export async function receiveFile(db: Db, files: ImportFiles, actor: ImportActor, input: { provinceCode: string; sourceName: string; tempPath: string; fileName: string }): Promise<number> {
  if (!mayImportInto(actor.scope, input.provinceCode)) throw new ImportFileRejected('province');
  const sourceName = input.sourceName.normalize('NFC').trim();
  if (!sourceName || sourceName.length > 100) throw new ImportFileRejected('source');
  const { size } = await stat(input.tempPath);
  if (size === 0) throw new ImportFileRejected('empty');
  if (size > MAX_IMPORT_BYTES) throw new ImportFileRejected('too_large');
  const sniffed = await sniffFormat(input.tempPath);
  if (sniffed === 'empty') throw new ImportFileRejected('empty');
  if (sniffed === 'xls') throw new ImportFileRejected('xls');
  if (sniffed === 'binary') throw new ImportFileRejected('wrong_format');
  const format = sniffed;
  if (format === 'xlsx') {
    try {
      checkWorkbookEntries(await readZipDirectory(input.tempPath));
    } catch (error) {
      if (error instanceof BadWorkbook) throw new ImportFileRejected(error.reason);
      throw error;
    }
  }
  const encoding = format === 'csv' ? await detectCsvEncoding(input.tempPath) : 'unicode';
  const delimiter = format === 'csv' ? await csvDelimiter(input.tempPath, encoding as (typeof CSV_ENCODINGS)[number]) : null;
  const fileSha = await sha256File(input.tempPath);
  let sample: Sample;
  try {
    sample = await readSample({ path: input.tempPath, format, encoding, delimiter }, SAMPLE_ROWS);
  } catch (error) {
    if (error instanceof BadWorkbook) throw new ImportFileRejected(error.reason);
    if (error instanceof Error && 'reason' in error) throw new ImportFileRejected(String((error as { reason: string }).reason));
    throw new ImportFileRejected('unreadable');
  }
  if (!sample.rows.some((r) => r.cells.some((c) => cellText(c).trim()))) throw new ImportFileRejected('empty');
  const source = await findOrCreateSource(db, input.provinceCode, sourceName);
  const headerRow = findHeaderRow(sample.rows);
  const headers = headersOf(sample.rows, headerRow, encoding);
  const mapping = proposeMapping(headers, source.mapping as Record<string, Field | null>, columnEncodings(sample.rows, headerRow, headers.length, encoding), headerRow);
  const fileName = path.basename(input.fileName || 'tep').normalize('NFC').slice(0, 255) || 'tep';
  const id = await insertBatch(db, {
    province_code: input.provinceCode, source_id: source.id, file_name: fileName, file_bytes: size, file_sha256: fileSha, format,
    encoding, detected_encoding: encoding, delimiter, sheet_name: sample.notes.sheetName, header_row: headerRow, headers, mapping, created_by: actor.userId,
    samples: { hiddenSheets: sample.notes.hiddenSheets, sheetName: sample.notes.sheetName },
  });
  const key = `${id}/${fileSha}.${format}`;
  const target = path.join(files.dir, key);
  await mkdir(path.dirname(target), { recursive: true });
  try {
    await rename(input.tempPath, target);
  } catch {
    // Another file system: copy, then remove the upload.
    await copyFile(input.tempPath, target);
    await rm(input.tempPath, { force: true });
  }
  await updateBatch(db, id, { file_key: key });
  return id;
}

export async function batchFor(db: Db, scope: Scope, id: number): Promise<Batch> {
  const batch = await batchInScope(db, scope, id);
  if (!batch) throw new NotInScope();
  return batch;
}

/** The first rows as the mapping reads them (decoded per column), for the preview table. */
export async function previewRows(files: ImportFiles, batch: Batch): Promise<{ rowNumber: number; cells: string[] }[]> {
  if (!batch.file_key) return [];
  const sample = await readSample({ path: storedFilePath(files, batch), format: batch.format, encoding: batch.encoding, delimiter: batch.delimiter }, batch.header_row + PREVIEW_ROWS);
  return sample.rows
    .filter((r) => r.rowNumber > batch.mapping.headerRow)
    .slice(0, PREVIEW_ROWS)
    .map((r) => ({ rowNumber: r.rowNumber, cells: batch.mapping.columns.map((c) => decodeText(cellText(r.cells[c.index] ?? null), c.encoding)) }));
}

export type MappingInput = {
  encoding: string;
  headerRow: number;
  fields: (string | null)[];
  encodings: (string | null)[];
  visibility: 'public' | 'confidential';
  createCemeteries: boolean;
};

/**
 * Saves the officer's mapping (and saves it for the source), and queues the dry run: any change
 * makes an earlier dry run void, since the commit must run on exactly what a dry run saw.
 */
export async function saveMappingAndDryRun(db: Db, files: ImportFiles, actor: ImportActor, id: number, input: MappingInput): Promise<void> {
  const batch = await batchFor(db, actor.scope, id);
  if (!['uploaded', 'dry_run', 'failed'].includes(batch.state)) throw new ImportStateConflict('busy');
  if (!batch.file_key) throw new ImportStateConflict(batch.error === 'expired' ? 'expired' : 'file_missing');
  let headers = batch.headers;
  let mapping: Mapping = batch.mapping;
  const encoding = batch.format === 'csv' && (CSV_ENCODINGS as readonly string[]).includes(input.encoding) ? input.encoding : batch.encoding;
  if (encoding !== batch.encoding || input.headerRow !== batch.mapping.headerRow) {
    // A different encoding or header row: headers and column encodings read again.
    const sample = await readSample({ path: storedFilePath(files, batch), format: batch.format, encoding, delimiter: batch.delimiter }, Math.max(SAMPLE_ROWS, input.headerRow + 50));
    headers = headersOf(sample.rows, input.headerRow, encoding);
    mapping = proposeMapping(headers, {}, columnEncodings(sample.rows, input.headerRow, headers.length, encoding), input.headerRow);
  }
  const columns = mapping.columns.map((c, i) => {
    const f = input.fields[i];
    const e = input.encodings[i];
    return {
      ...c,
      field: f && (FIELDS as readonly string[]).includes(f) ? (f as Field) : f === '' ? null : c.field,
      encoding: (e === 'unicode' || e === 'tcvn3' || e === 'vni' ? e : c.encoding) as TextEncoding,
    };
  });
  const next: Mapping = { headerRow: mapping.headerRow, columns };
  const problems = mappingProblems(next);
  await updateBatch(db, id, { mapping: next, headers, encoding, header_row: next.headerRow, visibility: input.visibility, create_cemeteries: input.createCemeteries, error: problems[0] ?? null, state: 'uploaded', dry_run_sha256: null, counts: {}, rows_done: 0 });
  if (problems.length) throw new InvalidInput('The mapping cannot be used.', { problems }, 'import_mapping');
  await saveSourceMapping(db, batch.source_id, savedFormOf(next));
  await startDryRun(db, id);
}

/** Puts the batch in the dry-running state; the job queue (or the CLI) then runs it. */
export async function startDryRun(db: Db, id: number): Promise<void> {
  // A batch whose file the retention purge removed is not read again: the province uploads it anew.
  if (!(await moveBatch(db, id, ['uploaded', 'dry_run', 'failed'], { state: 'dry_running', rows_done: 0, error: null, lease_until: null, dry_run_sha256: null, run_failures: 0 }, { fileKept: true }))) {
    throw new ImportStateConflict((await getBatch(db, id))?.error === 'expired' ? 'expired' : 'busy');
  }
}

/** Asks for the commit: only after a dry run, and only of what the dry run saw. */
export async function requestCommit(db: Db, actor: ImportActor, id: number): Promise<void> {
  const batch = await batchFor(db, actor.scope, id);
  if (batch.state !== 'dry_run' || !batch.dry_run_sha256) throw new ImportStateConflict('not_dry_run');
  if (!(await moveBatch(db, id, ['dry_run'], { state: 'queued', queued_at: NOW, rows_done: 0, rows_staged_through: 0, lease_until: null, run_failures: 0 }))) throw new ImportStateConflict('busy');
}

/**
 * An officer decides a conflict by taking the file's value: it replaces the current one, with the
 * import's provenance and an audit row linked to the batch. Keeping the current value just closes it.
 */
export async function decideConflict(db: Db, actor: ImportActor, batchId: number, issueId: number, take: boolean): Promise<void> {
  await db.transaction(async (trx) => {
    const batch = await batchInScope(trx, actor.scope, batchId);
    if (!batch) throw new NotInScope();
    const issue = await getIssue(trx, batchId, issueId, true);
    if (!issue || issue.kind !== 'conflict' || batch.state !== 'committed') throw new NotFound();
    if (issue.resolved_at) return;
    const d = (issue.details ?? {}) as { martyrId?: number; field?: string; current?: unknown; imported?: unknown };
    if (take && d.martyrId && d.field && d.field !== 'plot') {
      await updateMartyrColumns(trx, d.martyrId, { [d.field]: d.imported ?? null });
      await writeProvenance(trx, [{ entityType: 'martyr', entityId: d.martyrId, field: provenanceField(d.field), sourceKind: 'import', importBatchId: batchId, fileName: batch.file_name, rowNumber: issue.row_number, changedBy: actor.userId }]);
      await writeAudit(trx, { actorUserId: actor.userId, action: 'martyr.import_conflict_take', entityType: 'martyr', entityId: d.martyrId, before: { [d.field]: d.current }, after: { [d.field]: d.imported }, reason: `import #${batchId}` });
    }
    await resolveIssue(trx, issueId, actor.userId);
  });
}

export { getBatch };

/**
 * The retention purge's part of imports: a batch that has not moved for `days` loses what holds the
 * province's whole export (its stored upload, unless committed, which removed it already; its
 * staged rows; its rejects workbook); one not committed ends as expired. One batch at a time,
 * locked while its files go and it is marked, so a dry run or commit asked for meanwhile waits and
 * then finds it expired; a run cut short leaves the batch to the next.
 */
export async function expireImportFiles(db: Db, files: ImportFiles, days: number): Promise<{ uploads: number; batches: number }> {
  const done = { uploads: 0, batches: 0 };
  for (const id of await batchesPastFileRetention(db, days)) {
    await db.transaction(async (trx) => {
      await noStatementTimeout(trx);
      const batch = await lockBatchPastFileRetention(trx, id, days);
      if (!batch) return;
      if (batch.file_key && !batch.committed) {
        await rm(storedFilePath(files, batch), { force: true });
        done.uploads++;
      }
      await removeRejects(files, batch.id);
      done.batches++;
      await markFilesExpired(trx, batch, days);
    });
  }
  return done;
}
