/**
 * The work of an import, in three steps that all read the stored file through the same row parser:
 *
 * 1. dry run: every row parsed and classified against the records (new, changed, unchanged,
 *    rejected, possible duplicates, conflicts); nothing written but the batch's report and the
 *    rejects workbook.
 * 2. staging (the commit, part one): the parsed rows written to import_rows in chunks, each chunk
 *    in one transaction with the batch's `rows_staged_through`, so a runner killed mid-way resumes
 *    after the last chunk and never stages a row twice.
 * 3. the flip (part two): one transaction applies every staged row to the records, with provenance,
 *    audit and the search outbox (the triggers), and marks the batch committed. Killed mid-way it
 *    rolls back whole; the public never sees half a batch.
 *
 * The commit first checks that the file and mapping hash to what the dry run saw.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import ExcelJS from 'exceljs';
import type { Db, Knex } from '../db/knex.js';
import type { Logger } from '../logger.js';
import { provenanceField, sourceKindsOf, writeProvenance, type ProvenanceWrite } from '../provenance/provenance.queries.js';
import { HometownResolver } from './hometown.js';
import {
  allocateIds, clearIssues, clearStaging, ensureSections, getBatch, gravesAtPlots, gravesByIds, insertCemetery, insertDuplicateCandidates, insertGraves,
  insertImportAudit, insertIssues, insertMartyrs, knownRecords, loadCemeteryLookup, loadPlaceReference, lockBatchForFlip, markGravesIdentified, noStatementTimeout,
  possibleDuplicates, martyrsByIds, MARTYR_COLUMNS, moveBatch, plotKeyOf, holdLease, markStagedThrough, markStagingDone, NOW, stagedRows, stageRows, updateBatch, updateGravePlot,
  updateMartyrColumns, upsertImportRecords, type Batch, type ImportAudit, type Issue, type KnownRecord, type NewGrave, type NewMartyr,
} from './imports.queries.js';
import { runHash } from './mapping.js';
import { dropOwnRowsOfNewGraves, outboxMark } from '../search/outbox.queries.js';
import { parseRow, type MartyrFields, type RowContext, type StagedRecord } from './row-parser.js';
import { cellText, readRows, type RawRow, type SheetNotes } from './table-reader.js';
import { BadWorkbook } from './zip-guard.js';
import { UnreadableFile } from './table-reader.js';
import { problemText } from './problems.js';

const CHUNK = 1000;
/** A runner's lease on its batch: renewed every chunk, so a dead runner's batch is free after this. */
export const LEASE_SECONDS = 30;

export type ImportFiles = { dir: string };

export const storedFilePath = (files: ImportFiles, batch: Pick<Batch, 'file_key'>) => path.join(files.dir, batch.file_key!);
export const rejectsFileKey = (batchId: number) => `${batchId}/loi.xlsx`;

export { provenanceField };

const referenceCache = new WeakMap<object, Promise<HometownResolver>>();

async function resolverFor(db: Db): Promise<HometownResolver> {
  let p = referenceCache.get(db);
  if (!p) {
    p = loadPlaceReference(db).then((ref) => new HometownResolver(ref));
    referenceCache.set(db, p);
    p.catch(() => referenceCache.delete(db));
  }
  return p;
}

async function contextFor(db: Db, batch: Batch): Promise<RowContext> {
  return {
    mapping: batch.mapping,
    provinceCode: batch.province_code,
    resolver: await resolverFor(db),
    cemeteries: await loadCemeteryLookup(db, batch.province_code),
    visibility: batch.visibility,
    createCemeteries: batch.create_cemeteries,
  };
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export const batchRunHash = (b: Batch) => runHash({ fileSha256: b.file_sha256, encoding: b.encoding, delimiter: b.delimiter, mapping: b.mapping, visibility: b.visibility, createCemeteries: b.create_cemeteries });

/** Another runner took the batch over (this one was thought dead): stop, writing nothing more. */
export class LeaseLost extends Error {}

export class ImportFailed extends Error {
  constructor(readonly reason: string, readonly params: Record<string, unknown> = {}) {
    super(reason);
  }
}

type Parsed = { raw: RawRow; record?: StagedRecord; problems?: Issue[] };

/**
 * Every data row of the batch's file, parsed, in chunks. Rows repeating an earlier row's identity
 * are rejected (the file would otherwise overwrite itself); possible duplicates within the file are
 * noted on the record (`dupOfRows`).
 */
async function* parsedChunks(db: Db, files: ImportFiles, batch: Batch, notes: SheetNotes): AsyncGenerator<Parsed[]> {
  const ctx = await contextFor(db, batch);
  const seenKeys = new Map<string, number>();
  const byName = new Map<string, { row: number; d: StagedRecord['dupKey'] }[]>();
  let chunk: Parsed[] = [];
  let dataRows = 0;
  try {
    for await (const raw of readRows({ path: storedFilePath(files, batch), format: batch.format, encoding: batch.encoding, delimiter: batch.delimiter }, notes)) {
      if (raw.rowNumber <= batch.mapping.headerRow) continue;
      const parsed = parseRow(raw, ctx);
      if (!parsed.ok && parsed.empty) continue;
      dataRows++;
      if (dataRows > 500_000) throw new ImportFailed('too_many_rows');
      if (!parsed.ok) {
        chunk.push({ raw, problems: parsed.problems.map((p) => ({ kind: 'rejected', rowNumber: raw.rowNumber, column: p.column, value: p.value, reason: p.problem })) });
      } else {
        const r = parsed.record;
        const earlier = seenKeys.get(r.key);
        if (earlier !== undefined) {
          chunk.push({ raw, problems: [{ kind: 'rejected', rowNumber: raw.rowNumber, column: null, value: r.martyr.full_name, reason: 'repeats_row', details: { row: earlier } }] });
        } else {
          seenKeys.set(r.key, raw.rowNumber);
          const candidates = byName.get(r.dupKey.name) ?? [];
          const dups = candidates.filter((c) => looksSame(c.d, r.dupKey)).map((c) => c.row);
          if (dups.length) (r as StagedRecord & { dupOfRows?: number[] }).dupOfRows = dups.slice(0, 5);
          candidates.push({ row: raw.rowNumber, d: r.dupKey });
          byName.set(r.dupKey.name, candidates);
          chunk.push({ raw, record: r });
        }
      }
      if (chunk.length >= CHUNK) {
        yield chunk;
        chunk = [];
      }
    }
  } catch (error) {
    if (error instanceof ImportFailed) throw error;
    if (error instanceof BadWorkbook || error instanceof UnreadableFile) throw new ImportFailed(error.reason);
    throw new ImportFailed('unreadable', { detail: String((error as Error).message ?? error).slice(0, 200) });
  }
  if (chunk.length) yield chunk;
}

/**
 * The chunks of `source`, the next one read and parsed while the caller writes the last one to the
 * database: the file's parsing (this process) and the queries (PostgreSQL) overlap instead of
 * taking turns.
 */
export async function* readAhead<T>(source: AsyncGenerator<T>): AsyncGenerator<T> {
  let next = source.next();
  // A failure of the chunk read ahead is the caller's when it asks for that chunk, not an unhandled rejection now.
  next.catch(() => undefined);
  try {
    for (;;) {
      const item = await next;
      if (item.done) return;
      next = source.next();
      next.catch(() => undefined);
      yield item.value;
    }
  } finally {
    await source.return(undefined);
  }
}

/**
 * The duplicate rule: the same name without diacritics, birth years at most one apart, deaths at
 * most a year apart when both are known, and the same hometown or the same unit. Against the
 * records it runs in SQL (possibleDuplicates in imports.queries.ts): a change here goes there too.
 */
export function looksSame(a: StagedRecord['dupKey'], b: StagedRecord['dupKey']): boolean {
  if (a.name !== b.name) return false;
  if (a.birthYear !== null && b.birthYear !== null && Math.abs(a.birthYear - b.birthYear) > 1) return false;
  if (a.deathYear !== null && b.deathYear !== null && Math.abs(a.deathYear - b.deathYear) > 1) return false;
  if (a.birthYear === null && b.birthYear === null && (a.deathYear === null || b.deathYear === null)) return false;
  const sameHome = Boolean(a.hometown) && a.hometown === b.hometown;
  const sameUnit = Boolean(a.unit) && a.unit === b.unit;
  return sameHome || sameUnit;
}

type Classified = {
  record: StagedRecord;
  status: 'new' | 'changed' | 'unchanged';
  known?: KnownRecord;
  changes: Record<string, { before: unknown; after: unknown }>;
  conflicts: { field: string; current: unknown; imported: unknown; by: string }[];
  dbDuplicates: number[];
};

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** A staged record, with the namesakes its dry run found in the records (absent when staged by a commit). */
type DryRunStaged = StagedRecord & { dbDuplicates?: number[] };

/**
 * How long before its dry run ended a record may have been created and still be looked at again
 * by the commit: one inserted by a transaction that began before the dry run read the records and
 * ended after (another batch's flip, the longest transaction there is: minutes) was not there for
 * the dry run to find. Each record created in the window costs every namesake's probe a little.
 */
const RECHECK_BEFORE_DRY_RUN_MS = 3600 * 1000;

/**
 * What each record would do to the records now: read only. Records a dry run staged carry the
 * namesakes it found; the commit then looks only among the records created since (the check is
 * most of a chunk's reading: 30 s of a 100,000-row commit at 1,000,000 records).
 */
async function classify(db: Knex, batch: Batch, records: StagedRecord[], ownMartyrs?: Set<number>): Promise<Classified[]> {
  const known = await knownRecords(db, batch.source_id, records.map((r) => r.key));
  const changedIds = records.map((r) => known.get(r.key)).filter((k) => k && k.row_hash !== '').map((k) => k!.martyr_id);
  const probes = records.map((r) => ({ knownMartyrId: known.get(r.key)?.martyr_id ?? null, ...r.dupKey, hometownText: r.martyr.hometown_text }));
  const current = await martyrsByIds(db, changedIds);
  const provenance = await sourceKindsOf(db, 'martyr', changedIds);
  const found = records.every((r) => (r as DryRunStaged).dbDuplicates !== undefined) && batch.dry_run_at ? (records as DryRunStaged[]) : null;
  const duplicates = await possibleDuplicates(db, probes, {
    notCreatedInThisTransaction: (db as Knex.Transaction).isTransaction === true,
    createdSince: found ? new Date(new Date(batch.dry_run_at!).getTime() - RECHECK_BEFORE_DRY_RUN_MS) : undefined,
  });
  return records.map((record, i) => {
    const k = known.get(record.key);
    const dbDuplicates = [...new Set([...(found?.[i]!.dbDuplicates ?? []), ...(duplicates.get(i) ?? [])])].filter((id) => !ownMartyrs?.has(id)).slice(0, 5);
    if (!k) return { record, status: 'new', changes: {}, conflicts: [], dbDuplicates };
    if (k.row_hash === record.hash) return { record, status: 'unchanged', known: k, changes: {}, conflicts: [], dbDuplicates };
    const now = current.get(k.martyr_id);
    const changes: Classified['changes'] = {};
    const conflicts: Classified['conflicts'] = [];
    if (now) {
      const prov = provenance.get(k.martyr_id);
      for (const column of MARTYR_COLUMNS) {
        const next = (record.martyr as Record<string, unknown>)[column];
        if (same(now[column], next)) continue;
        const source = prov?.get(provenanceField(column));
        // Nothing overwritten silently: a value a person set since is theirs until an officer decides.
        if (source && (source.kind === 'staff' || source.kind === 'submission')) conflicts.push({ field: column, current: now[column], imported: next, by: source.kind });
        else changes[column] = { before: now[column], after: next };
      }
    }
    const status = Object.keys(changes).length || (record.grave && !k.grave_id) ? 'changed' : 'unchanged';
    return { record, status, known: k, changes, conflicts, dbDuplicates };
  });
}

/** Problems of a batch as a whole (mapping, header): checked before any row is read. */
export type DryRunResult = { counts: Record<string, number>; samples: Record<string, unknown[]> };

/** Rows of the rejects workbook: the file's own header and cells, and a "Lỗi" column. */
class RejectsWriter {
  private writer: ExcelJS.stream.xlsx.WorkbookWriter;
  private sheet: ExcelJS.Worksheet;
  constructor(file: string, headers: string[]) {
    this.writer = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useSharedStrings: false, useStyles: true });
    this.sheet = this.writer.addWorksheet('Lỗi');
    this.sheet.addRow(['Dòng', ...headers, 'Lỗi']).commit();
  }
  add(raw: RawRow, problems: Issue[], headers: string[]) {
    const cells = headers.map((_, i) => {
      const c = raw.cells[i];
      return c === undefined ? null : c instanceof Date ? c : typeof c === 'boolean' ? String(c) : c;
    });
    this.sheet.addRow([raw.rowNumber, ...cells, problems.map((p) => problemText('vi', p)).join('; ')]).commit();
  }
  async done() {
    this.sheet.commit();
    await this.writer.commit();
  }
}

/** The dry run: every row parsed and classified, the report and the rejects workbook stored; no record touched. */
export async function runDryRun(db: Db, files: ImportFiles, batchId: number, logger: Logger, token: string): Promise<DryRunResult | undefined> {
  const batch = await getBatch(db, batchId);
  if (!batch || batch.state !== 'dry_running') return undefined;
  const notes: SheetNotes = { sheetName: null, hiddenSheets: [], formulas: 0, mergedRanges: 0 };
  const counts: Record<string, number> = { rows: 0, new: 0, changed: 0, unchanged: 0, rejected: 0, duplicates: 0, conflicts: 0, unresolvedHometowns: 0, confidenceCommune: 0, confidenceDistrict: 0, confidenceProvince: 0 };
  const samples: Record<string, unknown[]> = { new: [], changed: [], unchanged: [], rejected: [], duplicates: [], conflicts: [] };
  const sample = (kind: string, value: unknown) => samples[kind]!.length < 5 && samples[kind]!.push(value);
  const rejectsPath = path.join(files.dir, rejectsFileKey(batchId));
  await mkdir(path.dirname(rejectsPath), { recursive: true });
  const partial = partialRejectsPath(files, batchId, token);
  const rejects = new RejectsWriter(partial, batch.headers);
  await clearIssues(db, batchId, 'dry_run');
  // The dry run stages what it parsed, so the commit reads these rows instead of the file again
  // (a second parse of a province's workbook: half a minute and a few hundred MB). A dry run run
  // again (a new mapping, a lapsed lease) starts from no staged row.
  await db.transaction(async (trx) => {
    await clearStaging(trx, batchId);
    await updateBatch(trx, batchId, { rows_staged_through: 0 });
  });
  let lastRow = 0;
  const timing = { readAndParseMs: 0, classifyMs: 0, writeMs: 0 };
  let mark = performance.now();
  try {
    for await (const chunk of readAhead(parsedChunks(db, files, batch, notes))) {
      timing.readAndParseMs += performance.now() - mark;
      mark = performance.now();
      const issues: Issue[] = [];
      const records = chunk.filter((p) => p.record).map((p) => p.record!);
      const classified = await classify(db, batch, records);
      timing.classifyMs += performance.now() - mark;
      mark = performance.now();
      for (const p of chunk) {
        counts.rows!++;
        if (p.problems) {
          counts.rejected!++;
          issues.push(...p.problems);
          rejects.add(p.raw, p.problems, batch.headers);
          sample('rejected', { row: p.raw.rowNumber, problems: p.problems.map((x) => ({ column: x.column, value: x.value, reason: x.reason })) });
        }
      }
      for (const c of classified) {
        const r = c.record;
        counts[c.status]!++;
        sample(c.status, { row: r.rowNumber, name: r.martyr.full_name, birth: r.martyr.birth_year, hometown: r.martyr.hometown_text, changes: Object.keys(c.changes) });
        if (r.martyr.hometown_text && r.confidence === 'none') {
          counts.unresolvedHometowns!++;
          issues.push({ kind: 'unresolved_hometown', rowNumber: r.rowNumber, column: null, value: r.martyr.hometown_text, reason: 'hometown_unresolved' });
        }
        if (r.confidence === 'commune') counts.confidenceCommune!++;
        else if (r.confidence === 'district') counts.confidenceDistrict!++;
        else if (r.confidence === 'province') counts.confidenceProvince!++;
        const inFile = (r as StagedRecord & { dupOfRows?: number[] }).dupOfRows ?? [];
        if (inFile.length || c.dbDuplicates.length) {
          counts.duplicates!++;
          issues.push({ kind: 'duplicate', rowNumber: r.rowNumber, column: null, value: r.martyr.full_name, reason: inFile.length ? 'duplicate_in_file' : 'duplicate_in_records', details: { rows: inFile, martyrs: c.dbDuplicates } });
          sample('duplicates', { row: r.rowNumber, name: r.martyr.full_name, rows: inFile, martyrs: c.dbDuplicates });
        }
        for (const x of c.conflicts) {
          counts.conflicts!++;
          issues.push({ kind: 'conflict', rowNumber: r.rowNumber, column: x.field, value: String(x.imported ?? ''), reason: `conflict_${x.by}`, details: { martyrId: c.known!.martyr_id, field: x.field, current: x.current, imported: x.imported } });
          sample('conflicts', { row: r.rowNumber, name: r.martyr.full_name, field: x.field, current: x.current, imported: x.imported });
        }
      }
      await insertIssues(db, batchId, 'dry_run', issues);
      for (const c of classified) (c.record as DryRunStaged).dbDuplicates = c.dbDuplicates;
      await stageRows(db, batchId, records);
      lastRow = chunk[chunk.length - 1]!.raw.rowNumber;
      await updateBatch(db, batchId, { rows_done: counts.rows });
      if (!(await holdLease(db, batchId, token, LEASE_SECONDS))) throw new LeaseLost();
      timing.writeMs += performance.now() - mark;
      mark = performance.now();
    }
    await rejects.done();
    logger.info({ batchId, rows: counts.rows, ...Object.fromEntries(Object.entries(timing).map(([k, v]) => [k, Math.round(v)])) }, 'import dry run');
    await rename(partial, rejectsPath);
  } catch (error) {
    if (error instanceof LeaseLost) {
      await rm(partial, { force: true });
      return undefined;
    }
    if (!(error instanceof ImportFailed)) logger.error({ err: error, batchId }, 'import dry run failed');
    await failDryRun(db, files, batchId, error instanceof ImportFailed ? error.reason : 'unreadable', token);
    return undefined;
  }
  const allCounts = { ...counts, formulas: notes.formulas, mergedRanges: notes.mergedRanges };
  if (counts.rows === 0) {
    await moveBatch(db, batchId, ['dry_running'], { state: 'uploaded', error: 'no_rows', lease_until: null });
    return undefined;
  }
  await moveBatch(db, batchId, ['dry_running'], {
    state: 'dry_run', counts: { ...allCounts, staged: 1 }, rows_staged_through: lastRow, samples: { ...samples, hiddenSheets: notes.hiddenSheets, sheetName: notes.sheetName }, rows_total: counts.rows,
    dry_run_sha256: batchRunHash(batch), dry_run_at: NOW, error: null, lease_until: null,
  });
  return { counts: allCounts, samples };
}

// The rejects workbook a run is writing: renamed into place when its dry run ends, removed if it
// does not. Named after the run's lease, so two runners of one batch (a runner thought dead, and
// the one the sweep gave the batch next) never write or remove each other's.
const partialRejectsPath = (files: ImportFiles, batchId: number, token: string) =>
  `${path.join(files.dir, rejectsFileKey(batchId))}.${createHash('sha1').update(token).digest('hex').slice(0, 12)}.partial`;

/** The half-written rejects workbook of the run under `token` (one whose thread died), if any. */
export const removePartialRejects = (files: ImportFiles, batchId: number, token: string) => rm(partialRejectsPath(files, batchId, token), { force: true });

/** A batch's rejects workbook, and any a dead run left half-written: what the retention purge removes. */
export async function removeRejects(files: ImportFiles, batchId: number): Promise<void> {
  const dir = path.dirname(path.join(files.dir, rejectsFileKey(batchId)));
  const name = path.basename(rejectsFileKey(batchId));
  const left = await readdir(dir).catch(() => [] as string[]);
  for (const file of left) if (file.startsWith(name)) await rm(path.join(dir, file), { force: true });
}

/**
 * Ends a dry run that cannot go on: the batch back to uploaded with `reason` and its staged rows
 * gone, if it is still dry running under this lease (else another runner has it, or it ended), and
 * this run's half-written rejects gone.
 */
export async function failDryRun(db: Db, files: ImportFiles, batchId: number, reason: string, token: string): Promise<void> {
  await removePartialRejects(files, batchId, token);
  await db.transaction(async (trx) => {
    if (await moveBatch(trx, batchId, ['dry_running'], { state: 'uploaded', error: reason, lease_until: null }, { leaseOwner: token })) await clearStaging(trx, batchId);
  });
}

/**
 * Ends a commit that cannot go on: the batch failed with `reason` and its staged rows gone, no
 * record touched; with `token`, only while this runner holds the batch.
 */
export async function failCommit(db: Db, batchId: number, reason: string, token?: string): Promise<void> {
  await db.transaction(async (trx) => {
    if (await moveBatch(trx, batchId, ['queued', 'committing'], { state: 'failed', error: reason, lease_until: null }, { leaseOwner: token })) await clearStaging(trx, batchId);
  });
}

/**
 * The commit: staging (resumable, chunk by chunk) and then the flip (one transaction). Runs only on
 * a queued or committing batch whose file and mapping still hash to what the dry run saw.
 */
export async function runCommit(db: Db, files: ImportFiles, batchId: number, logger: Logger, token: string): Promise<'committed' | 'skipped' | 'failed'> {
  let batch = await getBatch(db, batchId);
  if (!batch || !['queued', 'committing'].includes(batch.state)) return 'skipped';
  if (batch.state === 'queued') {
    await moveBatch(db, batchId, ['queued'], { state: 'committing' });
    batch = (await getBatch(db, batchId))!;
  }
  const fail = async (reason: string) => {
    await failCommit(db, batchId, reason, token);
    return 'failed' as const;
  };
  if (batchRunHash(batch) !== batch.dry_run_sha256) return fail('hash_mismatch');
  if (!batch.counts.staged) {
    let fileHash: string;
    try {
      fileHash = await sha256File(storedFilePath(files, batch));
    } catch {
      return fail('file_missing');
    }
    if (fileHash !== batch.file_sha256) return fail('hash_mismatch');
    try {
      await stage(db, files, batch, token);
    } catch (error) {
      if (error instanceof LeaseLost) return 'skipped';
      if (error instanceof ImportFailed) return fail(error.reason);
      throw error;
    }
  }
  const result = await flip(db, batchId, logger, token);
  if (result === 'committed') {
    const done = (await getBatch(db, batchId))!;
    if (done.file_key) {
      await rm(storedFilePath(files, done), { force: true });
      await updateBatch(db, batchId, { file_key: null });
    }
  }
  return result;
}

async function stage(db: Db, files: ImportFiles, batch: Batch, token: string): Promise<void> {
  const notes: SheetNotes = { sheetName: null, hiddenSheets: [], formulas: 0, mergedRanges: 0 };
  let through = batch.rows_staged_through;
  for await (const chunk of readAhead(parsedChunks(db, files, batch, notes))) {
    const last = chunk[chunk.length - 1]!.raw.rowNumber;
    if (last <= through) continue;
    const records = chunk.filter((p) => p.record && p.raw.rowNumber > through).map((p) => p.record!);
    if (!(await holdLease(db, batch.id, token, LEASE_SECONDS))) throw new LeaseLost();
    await db.transaction(async (trx) => {
      await stageRows(trx, batch.id, records);
      await markStagedThrough(trx, batch.id, last, token, LEASE_SECONDS);
    });
    through = last;
  }
  await markStagingDone(db, batch.id);
}

type FlipState = {
  batch: Batch;
  cemeteries: Map<string, number>;
  martyrByRow: Map<number, number>;
  ownMartyrs: Set<number>;
  plotsTaken: Map<string, number>;
  /** Graves this flip created: their search outbox rows are the martyrs' (see dropOwnRowsOfNewGraves). */
  newGraveIds: number[];
  counts: Record<string, number>;
};

/** One transaction: every staged row applied, the batch committed. The batch row is locked all along. */
async function flip(db: Db, batchId: number, logger: Logger, token: string): Promise<'committed' | 'skipped'> {
  const started = Date.now();
  startLaps();
  const outcome = await db.transaction(async (trx) => {
    const batch = await lockBatchForFlip(trx, batchId);
    if (batch === 'locked' || !batch || batch.state !== 'committing') return 'skipped' as const;
    await noStatementTimeout(trx);
    const state: FlipState = {
      batch, cemeteries: new Map(), martyrByRow: new Map(), ownMartyrs: new Set(), plotsTaken: new Map(), newGraveIds: [],
      counts: { new: 0, changed: 0, unchanged: 0, conflicts: 0, duplicates: 0, plotTaken: 0 },
    };
    await clearIssues(trx, batchId, 'commit');
    const outboxBefore = await outboxMark(trx);
    let after = 0;
    for (;;) {
      const records = await stagedRows(trx, batchId, after, CHUNK);
      lap('readStaged');
      if (!records.length) break;
      await applyChunk(trx, state, records);
      after = records[records.length - 1]!.rowNumber;
      // Progress is written outside the transaction, so the page sees it move; a rollback just rewrites it.
      await updateBatch(db, batchId, { rows_done: state.counts.new! + state.counts.changed! + state.counts.unchanged! });
      await holdLease(db, batchId, token, LEASE_SECONDS);
      lap('progress');
    }
    await dropOwnRowsOfNewGraves(trx, outboxBefore, state.newGraveIds);
    lap('outbox');
    await clearStaging(trx, batchId);
    lap('clearStaging');
    await updateBatch(trx, batchId, {
      state: 'committed', committed_at: NOW, lease_until: null, lease_owner: null, error: null,
      counts: { ...batch.counts, committed: state.counts },
      rows_done: state.counts.new! + state.counts.changed! + state.counts.unchanged!,
    });
    return 'committed' as const;
  });
  logger.info({ batchId, outcome, ms: Date.now() - started, steps: Object.fromEntries(Object.entries(flipTiming).map(([k, v]) => [k, Math.round(v)])) }, 'import flip');
  return outcome;
}

const GRAVE_FIELDS = ['cemetery_id', 'section', 'row_label', 'plot_number', 'position'] as const;

/** Where a flip spends its time, by step (logged with the flip). */
const flipTiming: Record<string, number> = {};
let lapMark = 0;
/** Starts the flip's clock: a step's time is counted from here, not from the previous flip. */
const startLaps = () => {
  for (const k of Object.keys(flipTiming)) delete flipTiming[k];
  lapMark = performance.now();
};
const lap = (step: string) => {
  const now = performance.now();
  flipTiming[step] = (flipTiming[step] ?? 0) + now - lapMark;
  lapMark = now;
};

async function applyChunk(trx: Knex, s: FlipState, records: StagedRecord[]): Promise<void> {
  const { batch } = s;
  lap('other');
  const classified = await classify(trx, batch, records, s.ownMartyrs);
  lap('classify');
  const provenance: ProvenanceWrite[] = [];
  const audit: ImportAudit[] = [];
  const issues: Issue[] = [];
  const importRecords: Parameters<typeof upsertImportRecords>[1] = [];
  // Fields of records this flip creates, apart from those of records it updates (see writeProvenance).
  const freshProvenance: ProvenanceWrite[] = [];
  const prov = (entityType: 'martyr' | 'grave', entityId: number, field: string, r: StagedRecord, created = false) =>
    (created ? freshProvenance : provenance).push({ entityType, entityId, field, sourceKind: 'import', importBatchId: batch.id, fileName: batch.file_name, rowNumber: r.rowNumber, originalValue: r.original[field === 'birth_date' ? 'birth' : field === 'death_date' ? 'death' : field === 'hometown' ? 'hometown' : field] ?? null, changedBy: batch.created_by });

  // Graves: cemeteries the officer chose to create, sections, then plots.
  const wantGrave = classified.filter((c) => c.record.grave && (c.status === 'new' || (c.known && !c.known.grave_id)));
  for (const c of wantGrave) {
    const g = c.record.grave!;
    if (g.cemetery_id === null && g.new_cemetery) {
      const key = g.new_cemetery.normalize('NFC');
      if (!s.cemeteries.has(key)) {
        const id = await insertCemetery(trx, key, batch.province_code);
        s.cemeteries.set(key, id);
        audit.push({ action: 'cemetery.import_create', entity_type: 'cemetery', entity_id: id, before: null, after: { name: key } });
      }
      g.cemetery_id = s.cemeteries.get(key)!;
    }
  }
  const sectionPairs = wantGrave.filter((c) => c.record.grave!.section).map((c) => ({ cemeteryId: c.record.grave!.cemetery_id!, code: c.record.grave!.section!, kind: c.record.grave!.section_kind }));
  const sections = await ensureSections(trx, sectionPairs);
  const sectionOf = (g: NonNullable<StagedRecord['grave']>) => (g.section ? sections.get(`${g.cemetery_id}|${g.section}`) ?? null : null);
  const plots = wantGrave.filter((c) => c.record.grave!.plot_number).map((c) => ({ cemeteryId: c.record.grave!.cemetery_id!, sectionId: sectionOf(c.record.grave!), row: c.record.grave!.row_label, number: c.record.grave!.plot_number! }));
  const existing = await gravesAtPlots(trx, plots);
  const newGraves: NewGrave[] = [];
  const reuse: number[] = [];
  const graveIds = await allocateIds(trx, 'graves_id_seq', wantGrave.length);
  const graveOf = new Map<number, number | null>();
  wantGrave.forEach((c, i) => {
    const g = c.record.grave!;
    const sectionId = sectionOf(g);
    if (g.plot_number) {
      const key = plotKeyOf({ cemeteryId: g.cemetery_id!, sectionId, row: g.row_label, number: g.plot_number });
      const taken = s.plotsTaken.get(key);
      const there = existing.get(key);
      if (taken !== undefined || (there && there.occupied && !there.collective)) {
        s.counts.plotTaken!++;
        issues.push({ kind: 'conflict', rowNumber: c.record.rowNumber, column: null, value: [g.section, g.row_label, g.plot_number].filter(Boolean).join('-'), reason: 'plot_taken', details: { graveId: taken ?? there!.id } });
        graveOf.set(c.record.rowNumber, null);
        return;
      }
      if (there) {
        reuse.push(there.id);
        s.plotsTaken.set(key, there.id);
        graveOf.set(c.record.rowNumber, there.id);
        return;
      }
      s.plotsTaken.set(key, graveIds[i]!);
    }
    // The name the map shows, as the martyrs' trigger would set it right after: set here, the trigger finds nothing to update.
    const displayName = c.status === 'new' && c.record.martyr.is_public ? c.record.martyr.full_name : null;
    newGraves.push({ id: graveIds[i]!, cemetery_id: g.cemetery_id!, section_id: sectionId, row_label: g.row_label, plot_number: g.plot_number, lat: g.lat, lng: g.lng, display_name: displayName });
    graveOf.set(c.record.rowNumber, graveIds[i]!);
  });
  lap('plots');
  await insertGraves(trx, newGraves);
  for (const g of newGraves) s.newGraveIds.push(g.id);
  await markGravesIdentified(trx, reuse);
  lap('insertGraves');
  const recordOfGrave = new Map(wantGrave.filter((c) => graveOf.get(c.record.rowNumber)).map((c) => [graveOf.get(c.record.rowNumber)!, c.record]));
  for (const g of newGraves) {
    const r = recordOfGrave.get(g.id)!;
    for (const f of GRAVE_FIELDS) if (f === 'cemetery_id' || (f === 'section' && g.section_id) || (f === 'row_label' && g.row_label) || (f === 'plot_number' && g.plot_number) || (f === 'position' && g.lat !== null)) prov('grave', g.id, f, r, true);
    audit.push({ action: 'grave.import_create', entity_type: 'grave', entity_id: g.id, before: null, after: { cemetery_id: g.cemetery_id, section_id: g.section_id, row_label: g.row_label, plot_number: g.plot_number, lat: g.lat, lng: g.lng } });
  }

  // Martyrs: new ones inserted with ids given beforehand, so every row knows its record.
  const fresh = classified.filter((c) => c.status === 'new');
  const ids = await allocateIds(trx, 'martyrs_id_seq', fresh.length);
  const newMartyrs: NewMartyr[] = fresh.map((c, i) => ({ ...(c.record.martyr as unknown as NewMartyr), id: ids[i]!, grave_id: graveOf.get(c.record.rowNumber) ?? null }));
  lap('graveProvenance');
  await insertMartyrs(trx, newMartyrs);
  lap('insertMartyrs');
  fresh.forEach((c, i) => {
    const id = ids[i]!;
    const r = c.record;
    s.martyrByRow.set(r.rowNumber, id);
    s.ownMartyrs.add(id);
    s.counts.new!++;
    const fields = new Set<string>();
    for (const column of MARTYR_COLUMNS) {
      const v = (r.martyr as Record<string, unknown>)[column];
      if (v !== null && v !== undefined && !(Array.isArray(v) && !v.length)) fields.add(provenanceField(column));
    }
    fields.add('is_public');
    if (graveOf.get(r.rowNumber)) fields.add('grave_id');
    for (const f of fields) prov('martyr', id, f, r, true);
    audit.push({ action: 'martyr.import_create', entity_type: 'martyr', entity_id: id, before: null, after: { ...compact(r.martyr), grave_id: graveOf.get(r.rowNumber) ?? null, row: r.rowNumber } });
    importRecords.push({ source_id: batch.source_id, record_key: r.key, martyr_id: id, grave_id: graveOf.get(r.rowNumber) ?? null, row_hash: r.hash, last_batch_id: batch.id });
  });

  // Known records: what changed and is not someone else's since, applied; the rest listed.
  const knownGraves = await gravesByIds(trx, classified.filter((c) => c.known?.grave_id).map((c) => c.known!.grave_id!));
  const graveProvenance = await sourceKindsOf(trx, 'grave', [...knownGraves.keys()]);
  for (const c of classified.filter((x) => x.status !== 'new')) {
    const r = c.record;
    const id = c.known!.martyr_id;
    s.martyrByRow.set(r.rowNumber, id);
    const columns: Record<string, unknown> = {};
    for (const [column, { after }] of Object.entries(c.changes)) columns[column] = after;
    let graveId = c.known!.grave_id;
    if (!graveId && graveOf.get(r.rowNumber)) {
      graveId = graveOf.get(r.rowNumber)!;
      columns.grave_id = graveId;
    }
    if (graveId && r.grave && c.known!.grave_id) {
      const g = knownGraves.get(graveId);
      const gp = graveProvenance.get(graveId);
      if (g && r.grave.cemetery_id === g.cemetery_id && (g.row_label !== r.grave.row_label || g.plot_number !== r.grave.plot_number || g.section_code !== r.grave.section || (r.grave.lat !== null && (g.lat !== r.grave.lat || g.lng !== r.grave.lng)))) {
        const byPerson = ['section', 'row_label', 'plot_number', 'position'].map((f) => gp?.get(f)?.kind).find((k) => k === 'staff' || k === 'submission');
        if (byPerson) {
          s.counts.conflicts!++;
          issues.push({ kind: 'conflict', rowNumber: r.rowNumber, column: 'plot', value: [r.grave.section, r.grave.row_label, r.grave.plot_number].filter(Boolean).join('-'), reason: `conflict_${byPerson}`, details: { graveId, field: 'plot', current: [g.section_code, g.row_label, g.plot_number].filter(Boolean).join('-'), imported: [r.grave.section, r.grave.row_label, r.grave.plot_number].filter(Boolean).join('-') } });
        } else {
          const secs = r.grave.section ? await ensureSections(trx, [{ cemeteryId: g.cemetery_id, code: r.grave.section, kind: r.grave.section_kind }]) : new Map();
          try {
            await trx.transaction(async (sp) => updateGravePlot(sp, graveId!, { section_id: r.grave!.section ? secs.get(`${g.cemetery_id}|${r.grave!.section}`) ?? null : null, row_label: r.grave!.row_label, plot_number: r.grave!.plot_number, lat: r.grave!.lat, lng: r.grave!.lng }));
            for (const f of ['section', 'row_label', 'plot_number', ...(r.grave.lat !== null ? ['position'] : [])]) prov('grave', graveId, f, r);
            audit.push({ action: 'grave.import_update', entity_type: 'grave', entity_id: graveId, before: { section: g.section_code, row_label: g.row_label, plot_number: g.plot_number }, after: { section: r.grave.section, row_label: r.grave.row_label, plot_number: r.grave.plot_number } });
            if (c.status === 'unchanged') c.status = 'changed';
          } catch (error) {
            if ((error as { code?: string }).code !== '23505') throw error;
            s.counts.plotTaken!++;
            issues.push({ kind: 'conflict', rowNumber: r.rowNumber, column: null, value: [r.grave.section, r.grave.row_label, r.grave.plot_number].filter(Boolean).join('-'), reason: 'plot_taken', details: { graveId } });
          }
        }
      }
    }
    if (Object.keys(columns).length) {
      await updateMartyrColumns(trx, id, columns);
      const fields = new Set(Object.keys(columns).map(provenanceField));
      for (const f of fields) prov('martyr', id, f, r);
      audit.push({ action: 'martyr.import_update', entity_type: 'martyr', entity_id: id, before: Object.fromEntries(Object.entries(c.changes).map(([k, v]) => [k, v.before])), after: { ...columns, row: r.rowNumber } });
    }
    for (const x of c.conflicts) {
      s.counts.conflicts!++;
      issues.push({ kind: 'conflict', rowNumber: r.rowNumber, column: x.field, value: String(x.imported ?? ''), reason: `conflict_${x.by}`, details: { martyrId: id, field: x.field, current: x.current, imported: x.imported } });
    }
    s.counts[c.status]!++;
    importRecords.push({ source_id: batch.source_id, record_key: r.key, martyr_id: id, grave_id: graveId, row_hash: r.hash, last_batch_id: batch.id });
  }

  // Possible duplicates, as a review list: within the file (rows seen earlier, so already written) and in the records.
  const duplicates: { martyr_id: number; other_martyr_id: number; reason: string }[] = [];
  for (const c of classified) {
    const id = s.martyrByRow.get(c.record.rowNumber)!;
    const rows = (c.record as StagedRecord & { dupOfRows?: number[] }).dupOfRows ?? [];
    for (const row of rows) {
      const other = s.martyrByRow.get(row);
      if (other && other !== id) duplicates.push({ martyr_id: id, other_martyr_id: other, reason: 'duplicate_in_file' });
    }
    for (const other of c.dbDuplicates) duplicates.push({ martyr_id: id, other_martyr_id: other, reason: 'duplicate_in_records' });
    if (rows.length || c.dbDuplicates.length) s.counts.duplicates!++;
  }

  lap('known');
  await writeProvenance(trx, freshProvenance, { newRecords: true });
  await writeProvenance(trx, provenance);
  lap('provenance');
  await insertImportAudit(trx, batch.id, batch.created_by, audit);
  lap('audit');
  await upsertImportRecords(trx, importRecords);
  await insertIssues(trx, batch.id, 'commit', issues);
  lap('records');
  await insertDuplicateCandidates(trx, batch.id, duplicates);
  lap('duplicates');
}

function compact(m: MartyrFields): Record<string, unknown> {
  return Object.fromEntries(Object.entries(m).filter(([, v]) => v !== null && !(Array.isArray(v) && !v.length)));
}

export { cellText };
