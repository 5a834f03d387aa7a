/**
 * The search outbox's SQL. The drain's statements run on their own (autocommit) and touch a handful
 * of rows, so no lock is held while the drain waits for Meilisearch; the last two run inside a
 * large writer's transaction.
 */
import type { Db, Knex } from '../db/knex.js';

export type OutboxRow = { id: number; entity_type: 'martyr' | 'grave' | 'cemetery' | 'photo'; entity_id: number; attempts: number };

export type ParkedRow = { id: number; entityType: string; entityId: number; attempts: number; lastError: string | null; createdAt: Date; parkedAt: Date };

/**
 * Claims up to `limit` ready rows for `leaseSeconds`: counted as an attempt, and invisible to other
 * drains until the lease runs out, so a drain killed mid-way has its rows sent again later.
 */
export async function claimOutboxRows(db: Db, limit: number, leaseSeconds: number): Promise<OutboxRow[]> {
  const { rows } = await db.raw<{ rows: OutboxRow[] }>(
    `UPDATE search_outbox o
     SET next_attempt_at = now() + make_interval(secs => ?), attempts = o.attempts + 1
     FROM (
       SELECT id FROM search_outbox
       WHERE processed_at IS NULL AND parked_at IS NULL AND (next_attempt_at IS NULL OR next_attempt_at <= now())
       ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED
     ) ready
     WHERE o.id = ready.id
     RETURNING o.id, o.entity_type, o.entity_id, o.attempts`,
    [leaseSeconds, limit],
  );
  return rows.map((r) => ({ ...r, id: Number(r.id), attempts: Number(r.attempts) })).sort((a, b) => a.id - b.id);
}

export async function markOutboxDone(db: Db, ids: number[]): Promise<void> {
  if (!ids.length) return;
  await db.raw('UPDATE search_outbox SET processed_at = now(), next_attempt_at = NULL, last_error = NULL WHERE id = ANY(?::bigint[])', [ids]);
}

/** Puts claimed rows back: ready again after `retryInSeconds`, or parked for an admin. */
export async function releaseOutboxRows(db: Db, ids: number[], error: string, retryInSeconds: number, park: boolean): Promise<void> {
  if (!ids.length) return;
  await db.raw(
    `UPDATE search_outbox
     SET last_error = ?, next_attempt_at = now() + make_interval(secs => ?), parked_at = CASE WHEN ? THEN now() END
     WHERE id = ANY(?::bigint[]) AND processed_at IS NULL`,
    [error.slice(0, 500), retryInSeconds, park, ids],
  );
}

/** Processed rows older than this are deleted (a rebuild replays only the recent ones). */
export async function deleteProcessedOutboxRows(db: Db, olderThan: string): Promise<void> {
  await db.raw('DELETE FROM search_outbox WHERE processed_at < now() - ?::interval', [olderThan]);
}

export async function countParkedOutboxRows(db: Db): Promise<number> {
  const { rows } = await db.raw<{ rows: { n: string }[] }>('SELECT count(*) AS n FROM search_outbox WHERE parked_at IS NOT NULL');
  return Number(rows[0]?.n ?? 0);
}

export async function listParkedOutboxRows(db: Db, limit: number): Promise<ParkedRow[]> {
  const { rows } = await db.raw<{ rows: Record<string, unknown>[] }>(
    `SELECT id, entity_type, entity_id, attempts, last_error, created_at, parked_at
     FROM search_outbox WHERE parked_at IS NOT NULL ORDER BY id LIMIT ?`,
    [limit],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    entityType: String(r.entity_type),
    entityId: Number(r.entity_id),
    attempts: Number(r.attempts),
    lastError: r.last_error === null ? null : String(r.last_error),
    createdAt: r.created_at as Date,
    parkedAt: r.parked_at as Date,
  }));
}

/** Parked rows back in the queue with a fresh count of attempts; returns how many. */
export async function retryParkedOutboxRows(db: Db, ids?: number[]): Promise<number> {
  const result = await db.raw<{ rowCount: number }>(
    `UPDATE search_outbox SET parked_at = NULL, attempts = 0, next_attempt_at = NULL
     WHERE parked_at IS NOT NULL AND (?::bigint[] IS NULL OR id = ANY(?::bigint[]))`,
    [ids ?? null, ids ?? null],
  );
  return result.rowCount ?? 0;
}

/** The newest outbox row now: a large writer's own rows come after it. */
export async function outboxMark(db: Knex): Promise<number> {
  const { rows } = await db.raw<{ rows: { id: string | null }[] }>('SELECT max(id) AS id FROM search_outbox');
  return Number(rows[0]?.id ?? 0);
}

/**
 * A large write (an import's flip) has the triggers write a row for each grave it creates and
 * another for the martyr laid in it, whose one document both rows rebuild: the drain would build
 * and send it twice. Before it commits, the transaction drops its own rows (rows of other
 * transactions are never touched) for graves of `newGraveIds` that have no document of their own
 * (identified, no photo): every martyr in such a grave was laid there by this transaction, whose
 * martyr row sends the document.
 */
export async function dropOwnRowsOfNewGraves(trx: Knex, after: number, newGraveIds: number[]): Promise<number> {
  if (!newGraveIds.length) return 0;
  const result = await trx.raw<{ rowCount: number }>(
    // The ids joined as a set (hashed), not "= ANY(array)": with a 100,000-row import that test ran
    // once per outbox row over the whole array, 314 s of a flip at 1,000,000 records.
    `DELETE FROM search_outbox o
     USING unnest(?::bigint[]) AS n(id), graves g
     WHERE o.id > ? AND o.processed_at IS NULL AND o.xmin = xid(pg_current_xact_id())
       AND o.entity_type = 'grave' AND o.entity_id = n.id AND g.id = n.id AND g.state = 'identified'
       AND NOT EXISTS (SELECT 1 FROM photos p WHERE p.grave_id = g.id)`,
    [newGraveIds, after],
  );
  return result.rowCount ?? 0;
}
