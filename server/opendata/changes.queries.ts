/**
 * Reading the public change log (migration 20261201001600) in commit-safe order. A row is handed
 * out only once its transaction id lies below the frontier: the lowest transaction that was still
 * running when the reading snapshot was taken and that could still write to this database's log.
 * Every transaction below the frontier has committed or rolled back, so no row can later appear at
 * a position a reader has already passed; rows of transactions still running wait for a later poll.
 *
 * The frontier starts from the snapshot's own list of running transactions (pg_snapshot_xip),
 * not its xmin: transaction ids are shared by the whole cluster, and a long COPY into another
 * database on it would otherwise hold the feed back for its whole length. A running transaction
 * pg_stat_activity places in another database is left out; one it cannot place (it ended since the
 * snapshot, or the role may not see other sessions: grant it pg_read_all_stats) is kept, which only
 * delays, never skips. Read in the same statement as the snapshot, so the two agree.
 */
import type { Knex } from '../db/knex.js';

export type ChangePosition = { txid: string; id: number };

export type ChangeRow = { txid: string; id: number; entity_type: 'martyr' | 'grave' | 'cemetery'; entity_id: number; change: 'upsert' | 'remove'; at: Date };

const FRONTIER = `
  (SELECT COALESCE(
     (SELECT min(x) FROM pg_snapshot_xip(pg_current_snapshot()) AS x
      WHERE x::xid NOT IN (SELECT a.backend_xid FROM pg_stat_activity a
                           WHERE a.backend_xid IS NOT NULL AND a.datname IS DISTINCT FROM current_database())),
     pg_snapshot_xmax(pg_current_snapshot())))`;

/** Whether the log has been pruned past this position: rows after it may be gone (public_changes_pruned). */
const PRUNED_PAST = `EXISTS (SELECT 1 FROM public_changes_pruned p WHERE (p.txid, p.id) > (?::xid8, ?::bigint))`;

/**
 * The rows after a position, or `expired` when the log no longer holds all of them. The rows are
 * read only if the log was not pruned past the position in the same statement's snapshot, so a
 * prune that commits between two reads can never hand out a page with a hole in it.
 */
export async function changesAfter(db: Knex, after: ChangePosition | undefined, limit: number): Promise<{ rows: ChangeRow[]; more: boolean; expired: boolean }> {
  const position = [after?.txid ?? '0', after?.id ?? 0];
  const { rows } = await db.raw<{ rows: ChangeRow[] }>(
    `SELECT c.txid::text AS txid, c.id, c.entity_type, c.entity_id, c.change, c.at
     FROM public_changes c
     WHERE (c.txid, c.id) > (?::xid8, ?::bigint)
       AND c.txid < ${FRONTIER}
       AND NOT ${PRUNED_PAST}
     ORDER BY c.txid, c.id
     LIMIT ?`,
    [...position, ...position, limit + 1],
  );
  if (!rows.length) {
    const { rows: gate } = await db.raw<{ rows: { expired: boolean }[] }>(`SELECT ${PRUNED_PAST} AS expired`, position);
    if (gate[0]!.expired) return { rows: [], more: false, expired: true };
  }
  const more = rows.length > limit;
  return { rows: (more ? rows.slice(0, limit) : rows).map((r) => ({ ...r, id: Number(r.id), entity_id: Number(r.entity_id) })), more, expired: false };
}

/**
 * Deletes the log's rows older than `days` as one prefix in feed order: everything up to the
 * newest position among rows that old (of transactions that have ended), which is recorded in
 * public_changes_pruned in the same statement. A prefix, not "every old row": a long transaction's
 * old rows may sit after a younger one's, and the feed must be able to say exactly which cursors
 * still have their whole continuation. Running it again finds nothing more to delete.
 */
export async function pruneChanges(db: Knex, days: number): Promise<{ deleted: number; upTo: ChangePosition | undefined }> {
  const { rows } = await db.raw<{ rows: { deleted: number; txid: string | null; id: number | null }[] }>(
    `WITH horizon AS (
       SELECT c.txid, c.id FROM public_changes c
       WHERE c.at < now() - make_interval(days => ?) AND c.txid < ${FRONTIER}
       ORDER BY c.txid DESC, c.id DESC
       LIMIT 1
     ),
     gone AS (
       DELETE FROM public_changes c USING horizon h WHERE (c.txid, c.id) <= (h.txid, h.id) RETURNING 1
     ),
     marked AS (
       INSERT INTO public_changes_pruned (txid, id) SELECT txid, id FROM horizon
       ON CONFLICT (singleton) DO UPDATE SET txid = EXCLUDED.txid, id = EXCLUDED.id, pruned_at = now()
         WHERE (public_changes_pruned.txid, public_changes_pruned.id) < (EXCLUDED.txid, EXCLUDED.id)
     )
     SELECT (SELECT count(*) FROM gone) AS deleted, (SELECT txid::text FROM horizon) AS txid, (SELECT id FROM horizon) AS id`,
    [days],
  );
  const r = rows[0]!;
  return { deleted: Number(r.deleted), upTo: r.txid === null ? undefined : { txid: r.txid, id: Number(r.id) } };
}

/**
 * The position just before the first change this snapshot may not hold: every transaction of this
 * database below the frontier is in it. Read in the transaction a download is built in, a consumer of that file
 * continues from here; changes of transactions that committed between the frontier and the snapshot are
 * in the file and may come once more in the feed, which applying them idempotently absorbs.
 */
export const SNAPSHOT_POSITION_SQL = `SELECT (${FRONTIER}::text::numeric - 1)::text AS txid`;

export async function snapshotPosition(db: Knex): Promise<ChangePosition> {
  const { rows } = await db.raw<{ rows: { txid: string }[] }>(SNAPSHOT_POSITION_SQL);
  return { txid: rows[0]!.txid, id: Number.MAX_SAFE_INTEGER };
}
