/**
 * The review side's SQL: the queue and its figures, one submission within the officer's scope,
 * moving it on (guarded by its version), and the record writes an accepted submission makes.
 * Every read of a submission filters through submissionInScope: outside the scope is not found.
 */
import { cemeteryInScope, submissionInScope, type Scope } from '../accounts/scope.js';
import type { Knex } from '../db/knex.js';
import { Conditions } from '../db/conditions.js';
import type { MartyrSnapshot, martyrSnapshot, Proposal, SubmissionKind } from './proposal.js';

/** A martyr's row: the columns a submission may change, its id and its grave. */
export type MartyrRecord = Parameters<typeof martyrSnapshot>[0] & { id: number; grave_id: number | null };

/** The statuses a submission may still be decided in. */
export const OPEN_STATUSES = ['received', 'in_review', 'needs_info'] as const;

export type QueueFilter = { status?: string; kind?: string; province?: string; olderThanDays?: number; page: number; perPage: number };

export type SubmissionRow = {
  id: number; tracking_code: string; kind: SubmissionKind; status: string; martyr_id: number | null; grave_id: number | null; cemetery_id: number | null;
  province_code: string | null; sender_name: string; sender_contact: string; sender_relation: string | null; message: string;
  proposed: Proposal; record_snapshot: MartyrSnapshot | null; decision_reason: string | null; info_request: string | null; answer: string | null;
  version: number; created_at: Date; decided_at: Date | null;
};

/** The queue's page, oldest first, with counts by status, open ones by province and the median days to a decision, all within scope. */
export async function queueFigures(db: Knex, scope: Scope, filter: QueueFilter) {
  const inScope = submissionInScope(scope);
  const where = new Conditions().add(inScope.sql, ...inScope.bindings);
  if (filter.status === 'open') where.add(`s.status IN ('received', 'in_review', 'needs_info')`);
  else if (filter.status) where.add('s.status = ?', filter.status);
  if (filter.kind) where.add('s.kind = ?', filter.kind);
  if (filter.province) where.add('s.province_code = ?', filter.province);
  if (filter.olderThanDays) where.add(`s.created_at < now() - make_interval(days => ?)`, filter.olderThanDays);
  const clause = where.sql;
  const bindings = where.bindings;
  const [items, total, byStatus, byProvince, median] = await Promise.all([
    db.raw(
      `SELECT s.id, s.tracking_code, s.kind, s.status, s.created_at, s.province_code, p.name AS province_name,
              m.full_name AS martyr_name, s.grave_id, extract(day FROM now() - s.created_at)::int AS age_days
       FROM submissions s LEFT JOIN provinces p ON p.code = s.province_code LEFT JOIN martyrs m ON m.id = s.martyr_id
       WHERE ${clause} ORDER BY s.created_at, s.id LIMIT ? OFFSET ?`,
      [...bindings, filter.perPage, (filter.page - 1) * filter.perPage],
    ),
    db.raw(`SELECT count(*) AS n FROM submissions s WHERE ${clause}`, bindings),
    db.raw(`SELECT s.status, count(*) AS n FROM submissions s WHERE ${inScope.sql} GROUP BY s.status`, inScope.bindings),
    db.raw(
      `SELECT s.province_code AS code, p.name, count(*) AS n FROM submissions s LEFT JOIN provinces p ON p.code = s.province_code
       WHERE ${inScope.sql} AND s.status IN ('received', 'in_review', 'needs_info') GROUP BY s.province_code, p.name ORDER BY n DESC`,
      inScope.bindings,
    ),
    db.raw(
      `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM s.decided_at - s.created_at) / 86400) AS days
       FROM submissions s WHERE ${inScope.sql} AND s.decided_at IS NOT NULL`,
      inScope.bindings,
    ),
  ]);
  return {
    items: items.rows,
    total: Number(total.rows[0].n),
    byStatus: Object.fromEntries(byStatus.rows.map((r: { status: string; n: number }) => [r.status, Number(r.n)])) as Record<string, number>,
    openByProvince: byProvince.rows.map((r: { code: string | null; name: string | null; n: number }) => ({ code: r.code, name: r.name, count: Number(r.n) })),
    medianDays: median.rows[0].days === null ? null : Number(median.rows[0].days),
  };
}

/** One submission if the scope reaches it (out of scope and unknown alike are undefined); locked to decide on it. */
export async function submissionInScopeById(db: Knex, scope: Scope, id: number, lock = false): Promise<SubmissionRow | undefined> {
  const inScope = submissionInScope(scope);
  const { rows } = await db.raw<{ rows: SubmissionRow[] }>(`SELECT s.* FROM submissions s WHERE s.id = ? AND ${inScope.sql}${lock ? ' FOR UPDATE' : ''}`, [id, ...inScope.bindings]);
  return rows[0];
}

export function submissionFiles(db: Knex, submissionId: number): Promise<{ id: number; media_type: string; bytes: number; width: number | null; height: number | null }[]> {
  return db('submission_files').where({ submission_id: submissionId }).orderBy('id').select('id', 'media_type', 'bytes', 'width', 'height');
}

/** An evidence file of the submission. */
export function submissionFile(db: Knex, submissionId: number, fileId: number): Promise<{ storage_key: string; media_type: string; bytes: number } | undefined> {
  return db('submission_files').where({ id: fileId, submission_id: submissionId }).first('storage_key', 'media_type', 'bytes');
}

/** The first image sent with the submission (a headstone photo's). */
export function firstImage(db: Knex, submissionId: number): Promise<{ storage_key: string } | undefined> {
  return db('submission_files').where({ submission_id: submissionId, media_type: 'image/jpeg' }).orderBy('id').first('storage_key');
}

/** The timeline as officers see it: with the name of who acted. */
export function staffEvents(db: Knex, submissionId: number): Promise<{ kind: string; at: Date; public_message: string | null; display_name: string | null }[]> {
  return db('submission_events as e').leftJoin('users as u', 'u.id', 'e.actor_user_id').where({ submission_id: submissionId }).orderBy('e.id').select('e.kind', 'e.at', 'e.public_message', 'u.display_name');
}

export function martyrById(db: Knex, martyrId: number, lock = false): Promise<MartyrRecord | undefined> {
  const query = db('martyrs').where({ id: martyrId });
  return lock ? query.forUpdate().first() : query.first();
}

/** The grave a submission is about, as the review page shows it. */
export function graveForReview(db: Knex, graveId: number) {
  return db('graves as g').join('cemeteries as c', 'c.id', 'g.cemetery_id').where('g.id', graveId).first('g.id', 'g.state', 'g.row_label', 'g.plot_number', 'c.name as cemetery_name', 'g.known_name', 'g.known_unit');
}

/**
 * Moves an open submission on if its version is still this one; false when someone else acted
 * first. A decision (decidedBy given) is stamped with who made it and when.
 */
export async function advanceSubmission(trx: Knex, id: number, version: number, changes: Record<string, unknown>, decidedBy?: number): Promise<boolean> {
  const decision = decidedBy === undefined ? {} : { decided_by: decidedBy, decided_at: trx.fn.now() };
  const updated = await trx('submissions')
    .where({ id, version })
    .whereIn('status', [...OPEN_STATUSES])
    .update({ ...changes, ...decision, version: trx.raw('version + 1'), updated_at: trx.fn.now() });
  return updated > 0;
}

export async function insertEvent(trx: Knex, event: { submissionId: number; kind: string; actorUserId: number; publicMessage?: string | null }): Promise<void> {
  await trx('submission_events').insert({ submission_id: event.submissionId, kind: event.kind, actor_user_id: event.actorUserId, public_message: event.publicMessage ?? null });
}

/** Whether the cemetery exists and the scope reaches it (the two are not told apart). */
export async function cemeteryReachable(db: Knex, scope: Scope, cemeteryId: number): Promise<boolean> {
  const reach = cemeteryInScope(scope);
  const { rows } = await db.raw<{ rows: unknown[] }>(`SELECT 1 FROM cemeteries c WHERE c.id = ? AND ${reach.sql}`, [cemeteryId, ...reach.bindings]);
  return rows.length > 0;
}

/** Record values an accepted submission brings in are marked as coming from one. */
export async function updateMartyrFromSubmission(trx: Knex, martyrId: number, columns: Record<string, unknown>): Promise<void> {
  await trx('martyrs').where({ id: martyrId }).update({ ...columns, source: 'submission', updated_at: trx.fn.now() });
}

export async function insertMartyrFromSubmission(trx: Knex, columns: Record<string, unknown>): Promise<number> {
  const [row] = await trx('martyrs').insert({ ...columns, source: 'submission' }).returning('id');
  return Number(row!.id);
}

export function graveStateForUpdate(trx: Knex, graveId: number): Promise<{ state: string } | undefined> {
  return trx('graves').where({ id: graveId }).forUpdate().first('state');
}

export type Position = { lat: number; lng: number };

/** The grave is identified from now on, at this position when one is given. */
export async function markGraveIdentified(trx: Knex, graveId: number, position: Position | null = null): Promise<void> {
  await trx('graves').where({ id: graveId }).update({ state: 'identified', ...(position ? { position: pointOf(trx, position) } : {}), updated_at: trx.fn.now() });
}

const pointOf = (db: Knex, p: Position) => db.raw('ST_SetSRID(ST_MakePoint(?, ?), 4326)', [p.lng, p.lat]);

export function sectionIdByCode(trx: Knex, cemeteryId: number, code: string): Promise<{ id: number } | undefined> {
  return trx('cemetery_sections').where({ cemetery_id: cemeteryId, code }).first('id');
}

export type Plot = { cemeteryId: number; sectionId: number | null; row: string | null; number: string | null };

export function graveAtPlotForUpdate(trx: Knex, plot: Plot): Promise<{ id: number; state: string; is_collective: boolean } | undefined> {
  return trx('graves').where({ cemetery_id: plot.cemeteryId, section_id: plot.sectionId, row_label: plot.row, plot_number: plot.number }).forUpdate().first('id', 'state', 'is_collective');
}

/** Another martyr already lying in the grave, if any. */
export function otherMartyrInGrave(trx: Knex, graveId: number, martyrId: number): Promise<{ id: number } | undefined> {
  return trx('martyrs').where({ grave_id: graveId }).whereNot({ id: martyrId }).first('id');
}

/** A new identified grave at the plot (graves_plot_unique refuses a taken one). */
export async function insertIdentifiedGrave(trx: Knex, plot: Plot, position: Position | null): Promise<{ id: number; state: string }> {
  const [created] = await trx('graves')
    .insert({ cemetery_id: plot.cemeteryId, section_id: plot.sectionId, row_label: plot.row, plot_number: plot.number, position: position ? pointOf(trx, position) : null, state: 'identified' })
    .returning(['id', 'state']);
  return { id: Number(created!.id), state: created!.state };
}
