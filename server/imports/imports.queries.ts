/** The imports' SQL: sources, batches, their issues and staging rows, and the writes a commit makes. */
import type { Db, Knex } from '../db/knex.js';
import { copyRows } from '../db/copy.js';
import { cemeteryInScope, type Scope } from '../accounts/scope.js';
import type { PlaceReference } from './hometown.js';
import { cemeteryKey, type CemeteryLookup, type StagedRecord } from './row-parser.js';
import type { Mapping } from './mapping.js';

export type BatchState = 'uploaded' | 'dry_running' | 'dry_run' | 'queued' | 'committing' | 'committed' | 'failed';

export type Batch = {
  id: number;
  province_code: string;
  source_id: number;
  source_name: string;
  file_name: string;
  file_key: string | null;
  file_bytes: number;
  file_sha256: string;
  format: 'xlsx' | 'csv';
  encoding: string;
  detected_encoding: string;
  delimiter: string | null;
  sheet_name: string | null;
  header_row: number;
  headers: string[];
  mapping: Mapping;
  visibility: 'public' | 'confidential';
  create_cemeteries: boolean;
  state: BatchState;
  dry_run_sha256: string | null;
  counts: Record<string, number>;
  samples: Record<string, unknown>;
  rows_total: number | null;
  rows_done: number;
  rows_staged_through: number;
  error: string | null;
  created_by: number | null;
  created_at: Date;
  dry_run_at: Date | null;
  queued_at: Date | null;
  committed_at: Date | null;
  updated_at: Date;
};

export type Issue = { kind: 'rejected' | 'duplicate' | 'conflict' | 'unresolved_hometown'; rowNumber: number; column: string | null; value: string | null; reason: string; details?: unknown };

export async function loadPlaceReference(db: Knex): Promise<PlaceReference> {
  const [oldProvinces, oldDistricts, oldCommunes, provinces, communes, historical, communeMapping] = await Promise.all([
    db.raw('SELECT o.code, o.name, m.new_province_code AS "newCode" FROM old_provinces o JOIN province_mapping m ON m.old_province_code = o.code'),
    db.raw('SELECT code, province_code AS "provinceCode", name FROM old_districts'),
    db.raw('SELECT code, district_code AS "districtCode", name FROM old_communes'),
    db.raw('SELECT code, name FROM provinces'),
    db.raw('SELECT code, province_code AS "provinceCode", name FROM communes'),
    db.raw(`SELECT h.name, array_agg(s.old_province_code) AS "oldCodes" FROM historical_provinces h
            JOIN historical_province_successors s ON s.historical_name = h.name GROUP BY h.name`),
    db.raw(`SELECT old_code AS "oldCode", new_commune_code AS "newCode" FROM commune_mapping WHERE old_level = 'ward'`),
  ]);
  return {
    oldProvinces: oldProvinces.rows, oldDistricts: oldDistricts.rows, oldCommunes: oldCommunes.rows, provinces: provinces.rows,
    communes: communes.rows, historical: historical.rows, communeMapping: communeMapping.rows,
  };
}

/** The province's cemeteries by name and number, and the names of every other province's. */
export async function loadCemeteryLookup(db: Knex, provinceCode: string): Promise<CemeteryLookup> {
  const { rows } = await db.raw<{ rows: { id: string; name: string; province_code: string }[] }>('SELECT id, name, province_code FROM cemeteries');
  const byKey = new Map<string, number>();
  const elsewhere = new Set<string>();
  for (const r of rows) {
    if (r.province_code === provinceCode) {
      byKey.set(cemeteryKey(r.name), Number(r.id));
      byKey.set(`#${Number(r.id)}`, Number(r.id));
    } else {
      elsewhere.add(cemeteryKey(r.name));
      elsewhere.add(`#${Number(r.id)}`);
    }
  }
  for (const key of byKey.keys()) elsewhere.delete(key);
  return { byKey, elsewhere };
}

// ----- sources and batches -----

export async function findOrCreateSource(db: Knex, provinceCode: string, name: string): Promise<{ id: number; mapping: Record<string, string | null> }> {
  const { rows } = await db.raw<{ rows: { id: string; mapping: Record<string, string | null> }[] }>(
    `INSERT INTO import_sources (province_code, name) VALUES (?, ?)
     ON CONFLICT (province_code, name) DO UPDATE SET updated_at = import_sources.updated_at
     RETURNING id, mapping`,
    [provinceCode, name],
  );
  return { id: Number(rows[0]!.id), mapping: rows[0]!.mapping };
}

export async function listSources(db: Db, provinceCodes: string[] | null): Promise<{ id: number; province_code: string; name: string }[]> {
  const q = db('import_sources').select('id', 'province_code', 'name').orderBy('name');
  if (provinceCodes) q.whereIn('province_code', provinceCodes);
  return q;
}

export async function saveSourceMapping(db: Knex, sourceId: number, mapping: Record<string, string | null>): Promise<void> {
  await db('import_sources').where({ id: sourceId }).update({ mapping: JSON.stringify(mapping), updated_at: db.fn.now() });
}

export async function insertBatch(db: Knex, batch: Partial<Batch> & { province_code: string; source_id: number; file_name: string; file_bytes: number; file_sha256: string; format: string; encoding: string; detected_encoding: string }): Promise<number> {
  const [row] = await db('import_batches')
    .insert({ ...batch, headers: JSON.stringify(batch.headers ?? []), mapping: JSON.stringify(batch.mapping ?? {}) })
    .returning('id');
  return Number((row as { id: string }).id);
}

const BATCH_SELECT = `SELECT b.*, s.name AS source_name FROM import_batches b JOIN import_sources s ON s.id = b.source_id`;

const toBatch = (r: Record<string, unknown>): Batch => ({
  ...(r as unknown as Batch),
  id: Number(r.id), source_id: Number(r.source_id), file_bytes: Number(r.file_bytes), rows_total: r.rows_total === null ? null : Number(r.rows_total),
  rows_done: Number(r.rows_done), rows_staged_through: Number(r.rows_staged_through), created_by: r.created_by === null ? null : Number(r.created_by),
});

export async function getBatch(db: Knex, id: number, forUpdate = false): Promise<Batch | undefined> {
  const { rows } = await db.raw<{ rows: Record<string, unknown>[] }>(`${BATCH_SELECT} WHERE b.id = ?${forUpdate ? ' FOR UPDATE OF b' : ''}`, [id]);
  return rows[0] ? toBatch(rows[0]) : undefined;
}

/** A flip of 500,000 rows may take longer than the server's statement timeout. */
export async function noStatementTimeout(trx: Knex): Promise<void> {
  await trx.raw('SET LOCAL statement_timeout = 0');
}

/**
 * The batch, with the transaction's lock on flipping it, or 'locked' when another transaction
 * flips it now. An advisory lock, not a row lock: the flip's progress is written to the batch row
 * from outside its transaction, which a row lock would block.
 */
export async function lockBatchForFlip(trx: Knex, id: number): Promise<Batch | undefined | 'locked'> {
  const { rows } = await trx.raw<{ rows: { ok: boolean }[] }>(`SELECT pg_try_advisory_xact_lock(15, ?::int) AS ok`, [id]);
  if (!rows[0]!.ok) return 'locked';
  return getBatch(trx, id);
}

export function batchScopeFilter(scope: Scope): { sql: string; bindings: Knex.Value[] } {
  if (scope.national) return { sql: 'TRUE', bindings: [] };
  return { sql: 'b.province_code = ANY(?)', bindings: [scope.provinceCodes] };
}

export async function batchInScope(db: Knex, scope: Scope, id: number): Promise<Batch | undefined> {
  const f = batchScopeFilter(scope);
  const { rows } = await db.raw<{ rows: Record<string, unknown>[] }>(`${BATCH_SELECT} WHERE b.id = ? AND ${f.sql}`, [id, ...f.bindings]);
  return rows[0] ? toBatch(rows[0]) : undefined;
}

export async function listBatches(db: Db, scope: Scope, limit = 50): Promise<Batch[]> {
  const f = batchScopeFilter(scope);
  const { rows } = await db.raw<{ rows: Record<string, unknown>[] }>(`${BATCH_SELECT} WHERE ${f.sql} ORDER BY b.id DESC LIMIT ?`, [...f.bindings, limit]);
  return rows.map(toBatch);
}

/** Stands for the transaction's now() in a batch patch. */
export const NOW = 'now()' as const;

function batchValues(db: Knex, patch: Record<string, unknown>): Record<string, unknown> {
  const values: Record<string, unknown> = { ...patch, updated_at: db.fn.now() };
  for (const k of ['mapping', 'headers', 'counts', 'samples']) if (k in values) values[k] = JSON.stringify(values[k]);
  for (const [k, v] of Object.entries(values)) if (v === NOW) values[k] = db.fn.now();
  return values;
}

export async function updateBatch(db: Knex, id: number, patch: Record<string, unknown>): Promise<void> {
  await db('import_batches').where({ id }).update(batchValues(db, patch));
}

/** A chunk staged: the cursor moves in the chunk's own transaction, and the lease with it. */
export async function markStagedThrough(trx: Knex, id: number, row: number, token: string | null, leaseSeconds: number): Promise<void> {
  await trx.raw(
    `UPDATE import_batches SET rows_staged_through = ?, lease_until = CASE WHEN ?::text IS NULL THEN lease_until ELSE now() + make_interval(secs => ?) END
     WHERE id = ? AND state = 'committing'`,
    [row, token, leaseSeconds, id],
  );
}

export async function markStagingDone(db: Knex, id: number): Promise<void> {
  await db.raw(`UPDATE import_batches SET counts = counts || '{"staged": 1}'::jsonb WHERE id = ?`, [id]);
}

/**
 * Moves a batch on if it is in one of the `from` states, and with `leaseOwner`, still that runner's;
 * with `fileKept`, only while its uploaded file is still stored. False when it was not (someone
 * else moved it).
 */
export async function moveBatch(db: Knex, id: number, from: BatchState[], patch: Record<string, unknown>, only: { leaseOwner?: string; fileKept?: boolean } = {}): Promise<boolean> {
  const query = db('import_batches').where({ id }).whereIn('state', from);
  if (only.leaseOwner !== undefined) query.where('lease_owner', only.leaseOwner);
  if (only.fileKept) query.whereNotNull('file_key');
  return (await query.update(batchValues(db, patch))) > 0;
}

// What the retention purge takes of a batch that has not moved (every change of a batch sets
// updated_at) for the period: a batch not committed, its stored upload and staged rows; any, its
// rejects workbook. A running batch (dry running, queued, committing) is never one.
const PAST_FILE_RETENTION = `updated_at < now() - make_interval(days => ?)
  AND (state IN ('uploaded', 'dry_run', 'failed') AND (file_key IS NOT NULL OR error IS DISTINCT FROM 'expired')
       OR state IN ('uploaded', 'dry_run', 'failed', 'committed') AND (counts->>'rejected')::int > 0 AND counts->>'rejectsRemoved' IS NULL)`;

/** The batches the retention purge has files or rows of to remove (expireImportFiles). */
export async function batchesPastFileRetention(db: Knex, days: number): Promise<number[]> {
  const { rows } = await db.raw<{ rows: { id: string }[] }>(`SELECT id FROM import_batches WHERE ${PAST_FILE_RETENTION} ORDER BY id`, [days]);
  return rows.map((r) => Number(r.id));
}

/**
 * One of them, locked for the rest of the transaction if it still is one and nobody holds it: a
 * dry run asked for or a commit requested meanwhile waits for the purge of this batch to end,
 * and then finds it expired.
 */
export async function lockBatchPastFileRetention(trx: Knex, id: number, days: number): Promise<{ id: number; file_key: string | null; committed: boolean } | undefined> {
  const { rows } = await trx.raw<{ rows: { id: string; file_key: string | null; state: string }[] }>(
    `SELECT id, file_key, state FROM import_batches WHERE id = ? AND ${PAST_FILE_RETENTION} FOR UPDATE SKIP LOCKED`,
    [id, days],
  );
  const r = rows[0];
  return r && { id: Number(r.id), file_key: r.file_key, committed: r.state === 'committed' };
}

/**
 * Marks a locked batch whose files the purge removed: one not committed ends as `expired` (to
 * import it, the province uploads its file again) and loses its staged rows; every one no longer
 * offers its rejects workbook.
 */
export async function markFilesExpired(trx: Knex, batch: { id: number; committed: boolean }, days: number): Promise<void> {
  // rejectsRemoved: after how many days, for the batch's page to say.
  const rejects = `|| CASE WHEN (counts->>'rejected')::int > 0 THEN jsonb_build_object('rejectsRemoved', ?::int) ELSE '{}'::jsonb END`;
  if (batch.committed) {
    await trx.raw(`UPDATE import_batches SET counts = counts ${rejects}, updated_at = now() WHERE id = ?`, [days, batch.id]);
    return;
  }
  await trx.raw(
    `UPDATE import_batches SET state = 'failed', error = 'expired', file_key = NULL, rows_staged_through = 0, lease_until = NULL,
       counts = (counts - 'staged') ${rejects}, updated_at = now()
     WHERE id = ?`,
    [days, batch.id],
  );
  await clearStaging(trx, batch.id);
}

/**
 * Ends the PostgreSQL sessions of a thread that died (import-thread.ts): the server notices a lost
 * client only when its statement ends, so a dead thread's INSERT could still commit, or its flip
 * hold its locks, after the batch was failed. Waits until they are gone.
 */
export async function endSessions(db: Knex, applicationName: string): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    // The sessions are picked first, behind the fence, and only they are terminated: in one WHERE,
    // PostgreSQL may call pg_terminate_backend before it compares the name (it did: every session
    // of the role went).
    const { rows } = await db.raw<{ rows: { pid: number }[] }>(
      `SELECT pid, pg_terminate_backend(pid) FROM (
         SELECT pid FROM pg_stat_activity WHERE application_name = ? AND pid <> pg_backend_pid() OFFSET 0
       ) theirs`,
      [applicationName],
    );
    if (!rows.length) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Leases: whoever holds a batch's lease (its token) runs it; a runner killed mid-way lets it lapse
 * and the next sweep hands the batch to a new runner, which resumes where the first stopped.
 * The sweep claims a lapsed batch with a fresh token and sends the job that token; a job whose
 * token is no longer the batch's (a duplicate, or one that came too late) does nothing.
 */
export async function claimLapsedBatches(db: Db, seconds: number): Promise<{ id: number; token: string }[]> {
  const { rows } = await db.raw<{ rows: { id: string; lease_owner: string }[] }>(
    `UPDATE import_batches SET lease_until = now() + make_interval(secs => ?), lease_owner = gen_random_uuid()::text
     WHERE id IN (SELECT id FROM import_batches WHERE state IN ('dry_running', 'queued', 'committing')
                  AND (lease_until IS NULL OR lease_until < now()) ORDER BY id FOR UPDATE SKIP LOCKED)
     RETURNING id, lease_owner`,
    [seconds],
  );
  return rows.map((r) => ({ id: Number(r.id), token: r.lease_owner }));
}

/** Takes or keeps the lease for `token`; false when another runner holds it. */
export async function holdLease(db: Knex, id: number, token: string, seconds: number): Promise<boolean> {
  const n = await db.raw<{ rowCount: number }>(
    `UPDATE import_batches SET lease_until = now() + make_interval(secs => ?), lease_owner = ?
     WHERE id = ? AND (lease_owner = ? OR lease_until IS NULL OR lease_until < now())`,
    [seconds, token, id, token],
  );
  return (n.rowCount ?? 0) > 0;
}

/** Counts one more unexpected failure of the batch's current step; returns the count so far. */
export async function countRunFailure(db: Knex, id: number): Promise<number> {
  const { rows } = await db.raw<{ rows: { run_failures: number }[] }>('UPDATE import_batches SET run_failures = run_failures + 1 WHERE id = ? RETURNING run_failures', [id]);
  return rows[0]?.run_failures ?? 0;
}

export async function releaseLease(db: Knex, id: number, token: string): Promise<void> {
  await db.raw('UPDATE import_batches SET lease_until = NULL, lease_owner = NULL WHERE id = ? AND lease_owner = ?', [id, token]);
}

/** Imports of the last `days` days per province: what issue 20's coverage figures read. */
export async function importsPerProvince(db: Db, days: number): Promise<{ province_code: string; batches: number; rows: number }[]> {
  const { rows } = await db.raw<{ rows: { province_code: string; batches: string; rows: string }[] }>(
    `SELECT province_code, count(*) AS batches, COALESCE(sum((counts->>'new')::int + (counts->>'changed')::int), 0) AS rows
     FROM import_batches WHERE state = 'committed' AND committed_at > now() - make_interval(days => ?) GROUP BY province_code ORDER BY province_code`,
    [days],
  );
  return rows.map((r) => ({ province_code: r.province_code, batches: Number(r.batches), rows: Number(r.rows) }));
}

// ----- issues -----

export async function clearIssues(db: Knex, batchId: number, phase: 'dry_run' | 'commit'): Promise<void> {
  await db('import_issues').where({ batch_id: batchId, phase }).delete();
}

export async function insertIssues(db: Knex, batchId: number, phase: 'dry_run' | 'commit', issues: Issue[]): Promise<void> {
  for (let i = 0; i < issues.length; i += 10_000) {
    const chunk = issues.slice(i, i + 10_000);
    await db.raw(
      `INSERT INTO import_issues (batch_id, phase, kind, row_number, column_name, value, reason, details)
       SELECT ?, ?, r.kind, r.row_number, r.column_name, r.value, r.reason, r.details::jsonb
       FROM unnest(?::text[], ?::integer[], ?::text[], ?::text[], ?::text[], ?::text[]) AS r(kind, row_number, column_name, value, reason, details)`,
      [
        batchId, phase, chunk.map((x) => x.kind), chunk.map((x) => x.rowNumber), chunk.map((x) => x.column), chunk.map((x) => x.value?.slice(0, 500) ?? null),
        chunk.map((x) => x.reason), chunk.map((x) => (x.details === undefined ? null : JSON.stringify(x.details))),
      ] as unknown as Knex.Value[],
    );
  }
}

export type IssueRow = { id: number; kind: string; row_number: number; column_name: string | null; value: string | null; reason: string; details: Record<string, unknown> | null; resolved_at: Date | null };

export async function listIssues(db: Knex, batchId: number, phase: 'dry_run' | 'commit', kind: string, limit: number, offset = 0): Promise<IssueRow[]> {
  return db('import_issues').where({ batch_id: batchId, phase, kind }).orderBy(['row_number', 'id']).limit(limit).offset(offset)
    .select('id', 'kind', 'row_number', 'column_name', 'value', 'reason', 'details', 'resolved_at');
}

/** Every rejected row's problems, by row number: what the rejects workbook adds as its "Lỗi" column. */
export async function rejectedByRow(db: Knex, batchId: number): Promise<Map<number, { column: string | null; value: string | null; reason: string }[]>> {
  const rows = await db('import_issues').where({ batch_id: batchId, phase: 'dry_run', kind: 'rejected' }).orderBy(['row_number', 'id']).select('row_number', 'column_name', 'value', 'reason');
  const out = new Map<number, { column: string | null; value: string | null; reason: string }[]>();
  for (const r of rows) (out.get(r.row_number) ?? out.set(r.row_number, []).get(r.row_number)!).push({ column: r.column_name, value: r.value, reason: r.reason });
  return out;
}

export async function getIssue(db: Knex, batchId: number, issueId: number, forUpdate = false): Promise<IssueRow | undefined> {
  const q = db('import_issues').where({ batch_id: batchId, id: issueId }).first('id', 'kind', 'row_number', 'column_name', 'value', 'reason', 'details', 'resolved_at');
  if (forUpdate) q.forUpdate();
  return q;
}

export async function resolveIssue(db: Knex, issueId: number, userId: number | null): Promise<void> {
  await db('import_issues').where({ id: issueId }).update({ resolved_at: db.fn.now(), resolved_by: userId });
}

// ----- what a row is already -----

export type KnownRecord = { martyr_id: number; grave_id: number | null; row_hash: string };

export async function knownRecords(db: Knex, sourceId: number, keys: string[]): Promise<Map<string, KnownRecord>> {
  const out = new Map<string, KnownRecord>();
  if (!keys.length) return out;
  const { rows } = await db.raw<{ rows: { record_key: string; martyr_id: string; grave_id: string | null; row_hash: string }[] }>(
    'SELECT record_key, martyr_id, grave_id, row_hash FROM import_records WHERE source_id = ? AND record_key = ANY(?)',
    [sourceId, keys],
  );
  for (const r of rows) out.set(r.record_key, { martyr_id: Number(r.martyr_id), grave_id: r.grave_id === null ? null : Number(r.grave_id), row_hash: r.row_hash });
  return out;
}

export const MARTYR_COLUMNS = [
  'full_name', 'aliases', 'gender', 'birth_year', 'birth_month', 'birth_day', 'death_year', 'death_month', 'death_day', 'hometown_text',
  'hometown_old_commune_code', 'hometown_old_district_code', 'hometown_old_province_code', 'hometown_commune_code', 'hometown_province_code',
  'place_of_death', 'unit', 'rank', 'position', 'certificate_number', 'certificate_date', 'is_public',
] as const;

export async function martyrsByIds(db: Knex, ids: number[], forUpdate = false): Promise<Map<number, Record<string, unknown>>> {
  const out = new Map<number, Record<string, unknown>>();
  if (!ids.length) return out;
  const { rows } = await db.raw<{ rows: Record<string, unknown>[] }>(
    `SELECT id, grave_id, ${MARTYR_COLUMNS.map((c) => `"${c}"`).join(', ')}, to_char(certificate_date, 'YYYY-MM-DD') AS certificate_date_text
     FROM martyrs WHERE id = ANY(?::bigint[])${forUpdate ? ' FOR UPDATE' : ''}`,
    [ids],
  );
  for (const r of rows) out.set(Number(r.id), { ...r, certificate_date: r.certificate_date_text ?? null });
  return out;
}

export type GraveRow = { id: number; cemetery_id: number; section_code: string | null; row_label: string | null; plot_number: string | null; lat: number | null; lng: number | null };

export async function gravesByIds(db: Knex, ids: number[]): Promise<Map<number, GraveRow>> {
  const out = new Map<number, GraveRow>();
  if (!ids.length) return out;
  const { rows } = await db.raw<{ rows: Record<string, unknown>[] }>(
    `SELECT g.id, g.cemetery_id, s.code AS section_code, g.row_label, g.plot_number, ST_Y(g.position) AS lat, ST_X(g.position) AS lng
     FROM graves g LEFT JOIN cemetery_sections s ON s.id = g.section_id WHERE g.id = ANY(?::bigint[])`,
    [ids],
  );
  for (const r of rows) out.set(Number(r.id), { id: Number(r.id), cemetery_id: Number(r.cemetery_id), section_code: r.section_code as string | null, row_label: r.row_label as string | null, plot_number: r.plot_number as string | null, lat: r.lat as number | null, lng: r.lng as number | null });
  return out;
}

export type DuplicateProbe = { knownMartyrId: number | null; name: string; birthYear: number | null; deathYear: number | null; hometown: string; unit: string; hometownText: string | null };

/**
 * For each probe (a row of the file, by its position), up to five martyrs of the records that may
 * be the same person, by id: the same name without diacritics and the duplicate rule of
 * import-run.ts's looksSame (birth and death years at most one apart, the same hometown or unit),
 * or the same hometown text and birth year. The rule runs here, per row, so a common name brings
 * back its few likely namesakes instead of every namesake of every generation. Left out: the
 * martyr the row's identity already points to (knownMartyrId), and (in a flip) the martyrs this
 * transaction created, which are the file's own rows (their created_at is the transaction's now()).
 */
export async function possibleDuplicates(db: Knex, probes: DuplicateProbe[], options: { notCreatedInThisTransaction?: boolean; createdSince?: Date } = {}): Promise<Map<number, number[]>> {
  const out = new Map<number, number[]>();
  if (!probes.length) return out;
  const home = `COALESCE(NULLIF(COALESCE(m.hometown_old_commune_code, m.hometown_commune_code, ''), ''), COALESCE(m.hometown_text, ''))`;
  const rule = `
    ${options.notCreatedInThisTransaction ? 'm.created_at <> now() AND' : ''}
    ${options.createdSince ? 'm.created_at > ?::timestamptz AND' : ''}
    m.id IS DISTINCT FROM r.known_id
    AND (
      ((r.death IS NULL OR m.death_year IS NULL OR abs(m.death_year - r.death) <= 1)
       AND NOT (r.birth IS NULL AND m.birth_year IS NULL AND (r.death IS NULL OR m.death_year IS NULL))
       AND ((r.home <> '' AND r.home = ${home})
         OR (r.unit <> '' AND r.unit = lower(regexp_replace(COALESCE(m.unit, ''), '[^a-zA-Z0-9]+', '', 'g')))))
      OR (${home} = r.hometown_text AND m.birth_year IS NOT DISTINCT FROM r.birth))`;
  // Three scans the (folded name, birth year) index answers: born within a year, birth unknown, or any birth when the row gives none.
  // The first five found: the rule costs a unit comparison per candidate, and a common name has many.
  const { rows } = await db.raw<{ rows: { i: number; id: string }[] }>(
    `SELECT r.i, d.id
     FROM unnest(?::int[], ?::bigint[], ?::text[], ?::int[], ?::int[], ?::text[], ?::text[], ?::text[]) AS r(i, known_id, name, birth, death, home, unit, hometown_text)
     CROSS JOIN LATERAL (
       SELECT id FROM (
         SELECT m.id FROM martyrs m WHERE r.birth IS NOT NULL AND fold_vietnamese(m.full_name) = r.name AND m.birth_year BETWEEN r.birth - 1 AND r.birth + 1 AND ${rule}
         UNION ALL
         SELECT m.id FROM martyrs m WHERE r.birth IS NOT NULL AND fold_vietnamese(m.full_name) = r.name AND m.birth_year IS NULL AND ${rule}
         UNION ALL
         SELECT m.id FROM martyrs m WHERE r.birth IS NULL AND fold_vietnamese(m.full_name) = r.name AND ${rule}
       ) c LIMIT 5
     ) d
     ORDER BY r.i, d.id`,
    [
      probes.map((_, i) => i), probes.map((p) => p.knownMartyrId), probes.map((p) => p.name), probes.map((p) => p.birthYear), probes.map((p) => p.deathYear),
      probes.map((p) => p.hometown), probes.map((p) => p.unit), probes.map((p) => p.hometownText),
      // The rule's own binding, once for each of the three scans it is written into.
      ...(options.createdSince ? [1, 2, 3].map(() => options.createdSince!.toISOString()) : []),
    ] as unknown as Knex.Value[],
  );
  for (const r of rows) (out.get(r.i) ?? out.set(r.i, []).get(r.i)!).push(Number(r.id));
  return out;
}

// ----- staging -----

export async function stageRows(trx: Knex, batchId: number, records: StagedRecord[]): Promise<void> {
  if (!records.length) return;
  await trx.raw(
    `INSERT INTO import_rows (batch_id, row_number, record)
     SELECT ?, (r->>'rowNumber')::int, r FROM jsonb_array_elements(?::jsonb) r
     ON CONFLICT (batch_id, row_number) DO NOTHING`,
    [batchId, JSON.stringify(records)],
  );
}

export async function stagedRows(trx: Knex, batchId: number, afterRow: number, limit: number): Promise<StagedRecord[]> {
  const { rows } = await trx.raw<{ rows: { record: StagedRecord }[] }>(
    'SELECT record FROM import_rows WHERE batch_id = ? AND row_number > ? ORDER BY row_number LIMIT ?',
    [batchId, afterRow, limit],
  );
  return rows.map((r) => r.record);
}

export async function clearStaging(trx: Knex, batchId: number): Promise<void> {
  await trx('import_rows').where({ batch_id: batchId }).delete();
}

// ----- the writes of a commit -----

export async function allocateIds(trx: Knex, sequence: 'martyrs_id_seq' | 'graves_id_seq' | 'cemeteries_id_seq', n: number): Promise<number[]> {
  if (n === 0) return [];
  const { rows } = await trx.raw<{ rows: { id: string }[] }>('SELECT nextval(?::regclass) AS id FROM generate_series(1, ?)', [sequence, n]);
  return rows.map((r) => Number(r.id));
}

/** Creates a cemetery the officer chose to create, at the province's centre (its place is approximate). */
export async function insertCemetery(trx: Knex, name: string, provinceCode: string): Promise<number> {
  const { rows } = await trx.raw<{ rows: { id: string }[] }>(
    `INSERT INTO cemeteries (name, level, province_code, location, location_precision)
     SELECT ?, 'commune', p.code, ST_PointOnSurface(p.geom), 'approximate' FROM provinces p WHERE p.code = ?
     RETURNING id`,
    [name, provinceCode],
  );
  return Number(rows[0]!.id);
}

/** Section ids for (cemetery, code) pairs, creating the ones the cemetery lacks. */
export async function ensureSections(trx: Knex, pairs: { cemeteryId: number; code: string; kind: 'khu' | 'lo' }[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (!pairs.length) return out;
  const json = JSON.stringify(pairs.map((p) => ({ cemetery_id: p.cemeteryId, code: p.code, kind: p.kind })));
  await trx.raw(
    `INSERT INTO cemetery_sections (cemetery_id, code, kind)
     SELECT DISTINCT ON (r.cemetery_id, r.code) r.cemetery_id, r.code, r.kind FROM jsonb_to_recordset(?::jsonb) AS r(cemetery_id bigint, code text, kind text)
     ON CONFLICT (cemetery_id, code) DO NOTHING`,
    [json],
  );
  const { rows } = await trx.raw<{ rows: { id: string; cemetery_id: string; code: string }[] }>(
    `SELECT s.id, s.cemetery_id, s.code FROM cemetery_sections s JOIN jsonb_to_recordset(?::jsonb) AS r(cemetery_id bigint, code text)
     ON r.cemetery_id = s.cemetery_id AND r.code = s.code`,
    [json],
  );
  for (const r of rows) out.set(`${r.cemetery_id}|${r.code}`, Number(r.id));
  return out;
}

export type PlotKey = { cemeteryId: number; sectionId: number | null; row: string | null; number: string };

/**
 * Graves already at these plots, with whether someone lies in them. A plot's section and row may be
 * empty, and "IS NOT DISTINCT FROM" cannot use the plot index: each combination of empty parts is
 * looked up on its own, with equalities and IS NULL the index answers, instead of every plot of
 * the file walking every grave of its cemetery.
 */
export async function gravesAtPlots(trx: Knex, plots: PlotKey[]): Promise<Map<string, { id: number; occupied: boolean; collective: boolean }>> {
  const out = new Map<string, { id: number; occupied: boolean; collective: boolean }>();
  if (!plots.length) return out;
  const branch = (section: boolean, row: boolean) => `
    SELECT * FROM (
      SELECT g.id, g.cemetery_id, g.section_id, g.row_label, g.plot_number, g.is_collective
      FROM wanted r JOIN graves g ON g.cemetery_id = r.cemetery_id AND g.plot_number = r.plot_number
        AND ${section ? 'g.section_id = r.section_id' : 'g.section_id IS NULL'} AND ${row ? 'g.row_label = r.row_label' : 'g.row_label IS NULL'}
      WHERE ${section ? 'r.section_id IS NOT NULL' : 'r.section_id IS NULL'} AND ${row ? 'r.row_label IS NOT NULL' : 'r.row_label IS NULL'}
      FOR UPDATE OF g
    ) b${section ? 's' : 'n'}${row ? 'r' : 'n'}`;
  const { rows } = await trx.raw<{ rows: { id: string; cemetery_id: string; section_id: string | null; row_label: string | null; plot_number: string; occupied: boolean; is_collective: boolean }[] }>(
    `WITH wanted AS MATERIALIZED (
       SELECT DISTINCT * FROM unnest(?::bigint[], ?::bigint[], ?::text[], ?::text[]) AS r(cemetery_id, section_id, row_label, plot_number)
     )
     SELECT f.*, EXISTS (SELECT 1 FROM martyrs m WHERE m.grave_id = f.id) AS occupied
     FROM (${branch(true, true)} UNION ALL ${branch(true, false)} UNION ALL ${branch(false, true)} UNION ALL ${branch(false, false)}) f`,
    [plots.map((p) => p.cemeteryId), plots.map((p) => p.sectionId), plots.map((p) => p.row), plots.map((p) => p.number)] as unknown as Knex.Value[],
  );
  for (const r of rows) out.set(plotKeyOf({ cemeteryId: Number(r.cemetery_id), sectionId: r.section_id === null ? null : Number(r.section_id), row: r.row_label, number: r.plot_number }), { id: Number(r.id), occupied: r.occupied, collective: r.is_collective });
  return out;
}

export const plotKeyOf = (p: PlotKey) => `${p.cemeteryId}|${p.sectionId ?? ''}|${p.row ?? ''}|${p.number}`;

export type NewGrave = { id: number; cemetery_id: number; section_id: number | null; row_label: string | null; plot_number: string | null; lat: number | null; lng: number | null; display_name: string | null };

export async function insertGraves(trx: Knex, graves: NewGrave[]): Promise<void> {
  for (let i = 0; i < graves.length; i += 10_000) {
    const chunk = graves.slice(i, i + 10_000);
    const column = <K extends keyof NewGrave>(k: K) => chunk.map((g) => g[k]);
    await trx.raw(
      `INSERT INTO graves (id, cemetery_id, section_id, row_label, plot_number, position, state, display_name)
       SELECT r.id, r.cemetery_id, r.section_id, r.row_label, r.plot_number,
              CASE WHEN r.lat IS NOT NULL THEN ST_SetSRID(ST_MakePoint(r.lng, r.lat), 4326) END, 'identified', r.display_name
       FROM unnest(?::bigint[], ?::bigint[], ?::bigint[], ?::text[], ?::text[], ?::float8[], ?::float8[], ?::text[])
            AS r(id, cemetery_id, section_id, row_label, plot_number, lat, lng, display_name)`,
      [column('id'), column('cemetery_id'), column('section_id'), column('row_label'), column('plot_number'), column('lat'), column('lng'), column('display_name')] as unknown as Knex.Value[],
    );
  }
}

export async function markGravesIdentified(trx: Knex, ids: number[]): Promise<void> {
  if (ids.length) await trx.raw(`UPDATE graves SET state = 'identified', updated_at = now() WHERE id = ANY(?::bigint[]) AND state <> 'identified'`, [ids]);
}

export async function updateGravePlot(trx: Knex, id: number, g: { section_id: number | null; row_label: string | null; plot_number: string | null; lat: number | null; lng: number | null }): Promise<void> {
  await trx.raw(
    `UPDATE graves SET section_id = ?, row_label = ?, plot_number = ?,
       position = CASE WHEN ?::float8 IS NOT NULL THEN ST_SetSRID(ST_MakePoint(?::float8, ?::float8), 4326) ELSE position END, updated_at = now()
     WHERE id = ?`,
    [g.section_id, g.row_label, g.plot_number, g.lat, g.lng, g.lat, id],
  );
}

export type NewMartyr = Record<(typeof MARTYR_COLUMNS)[number], unknown> & { id: number; grave_id: number | null };

export async function insertMartyrs(trx: Knex, martyrs: NewMartyr[]): Promise<void> {
  const cols = ['id', 'grave_id', ...MARTYR_COLUMNS];
  const types: Record<string, string> = {
    id: 'bigint', grave_id: 'bigint', aliases: 'text[]', birth_year: 'smallint', birth_month: 'smallint', birth_day: 'smallint', death_year: 'smallint',
    death_month: 'smallint', death_day: 'smallint', certificate_date: 'date', is_public: 'boolean',
  };
  for (let i = 0; i < martyrs.length; i += 2000) {
    await trx.raw(
      `INSERT INTO martyrs (${cols.map((c) => `"${c}"`).join(', ')}, source)
       SELECT ${cols.map((c) => `r."${c}"`).join(', ')}, 'import'
       FROM jsonb_to_recordset(?::jsonb) AS r(${cols.map((c) => `"${c}" ${types[c] ?? 'text'}`).join(', ')})`,
      [JSON.stringify(martyrs.slice(i, i + 2000))],
    );
  }
}

export async function updateMartyrColumns(trx: Knex, id: number, columns: Record<string, unknown>): Promise<void> {
  if (!Object.keys(columns).length) return;
  await trx('martyrs').where({ id }).update({ ...columns, updated_at: trx.fn.now() });
}

export async function upsertImportRecords(trx: Knex, rows: { source_id: number; record_key: string; martyr_id: number; grave_id: number | null; row_hash: string; last_batch_id: number }[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 10_000) {
    const chunk = rows.slice(i, i + 10_000);
    await trx.raw(
      `INSERT INTO import_records (source_id, record_key, martyr_id, grave_id, row_hash, last_batch_id)
       SELECT * FROM unnest(?::bigint[], ?::text[], ?::bigint[], ?::bigint[], ?::text[], ?::bigint[]) AS r(source_id, record_key, martyr_id, grave_id, row_hash, last_batch_id)
       ON CONFLICT (source_id, record_key) DO UPDATE SET grave_id = EXCLUDED.grave_id, row_hash = EXCLUDED.row_hash, last_batch_id = EXCLUDED.last_batch_id`,
      [chunk.map((r) => r.source_id), chunk.map((r) => r.record_key), chunk.map((r) => r.martyr_id), chunk.map((r) => r.grave_id), chunk.map((r) => r.row_hash), chunk.map((r) => r.last_batch_id)] as unknown as Knex.Value[],
    );
  }
}

export type ImportAudit = { action: string; entity_type: 'martyr' | 'grave' | 'cemetery'; entity_id: number; before: unknown; after: unknown };

/** Audit rows of an import, many at once, each linked to its batch: two per new record, so COPY (as provenance: copyRows). */
export async function insertImportAudit(trx: Knex, batchId: number, actorUserId: number | null, rows: ImportAudit[]): Promise<void> {
  const reason = `import #${batchId}`;
  await copyRows(trx, 'audit_log', ['actor_user_id', 'action', 'entity_type', 'entity_id', 'before', 'after', 'reason', 'import_batch_id'], rows.map((r) => [
    actorUserId, r.action, r.entity_type, r.entity_id, r.before === null || r.before === undefined ? null : JSON.stringify(r.before), r.after === null || r.after === undefined ? null : JSON.stringify(r.after), reason, batchId,
  ]));
}

export async function insertDuplicateCandidates(trx: Knex, batchId: number, pairs: { martyr_id: number; other_martyr_id: number; reason: string }[]): Promise<void> {
  for (let i = 0; i < pairs.length; i += 10_000) {
    const chunk = pairs.slice(i, i + 10_000);
    await trx.raw(
      `INSERT INTO duplicate_candidates (batch_id, martyr_id, other_martyr_id, reason)
       SELECT ?, r.martyr_id, r.other_martyr_id, r.reason FROM unnest(?::bigint[], ?::bigint[], ?::text[]) AS r(martyr_id, other_martyr_id, reason)
       -- A namesake the dry run found may have been deleted since.
       WHERE r.martyr_id <> r.other_martyr_id AND EXISTS (SELECT 1 FROM martyrs m WHERE m.id = r.other_martyr_id)
       ON CONFLICT (martyr_id, other_martyr_id) DO NOTHING`,
      [batchId, chunk.map((p) => p.martyr_id), chunk.map((p) => p.other_martyr_id), chunk.map((p) => p.reason)],
    );
  }
}

/** The open review list of possible duplicates, within scope. */
export async function openDuplicates(db: Db, scope: Scope, limit: number) {
  const c = cemeteryInScope(scope, 'c1');
  const { rows } = await db.raw(
    `SELECT d.id, d.batch_id, d.reason, d.created_at, m1.id AS martyr_id, m1.full_name AS martyr_name, m1.birth_year AS martyr_birth,
            m2.id AS other_id, m2.full_name AS other_name, m2.birth_year AS other_birth
     FROM duplicate_candidates d JOIN martyrs m1 ON m1.id = d.martyr_id JOIN martyrs m2 ON m2.id = d.other_martyr_id
     JOIN import_batches b ON b.id = d.batch_id
     LEFT JOIN graves g1 ON g1.id = m1.grave_id LEFT JOIN cemeteries c1 ON c1.id = g1.cemetery_id
     WHERE d.status = 'open' AND (${scope.national ? 'TRUE' : `b.province_code = ANY(?) OR ${c.sql}`})
     ORDER BY d.id DESC LIMIT ?`,
    scope.national ? [limit] : [scope.provinceCodes, ...c.bindings, limit],
  );
  return rows as Record<string, unknown>[];
}
