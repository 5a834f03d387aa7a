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

export async function changesAfter(db: Knex, after: ChangePosition | undefined, limit: number): Promise<{ rows: ChangeRow[]; more: boolean }> {
  const { rows } = await db.raw<{ rows: ChangeRow[] }>(
    `SELECT c.txid::text AS txid, c.id, c.entity_type, c.entity_id, c.change, c.at
     FROM public_changes c
     WHERE (c.txid, c.id) > (?::xid8, ?::bigint)
       AND c.txid < ${FRONTIER}
     ORDER BY c.txid, c.id
     LIMIT ?`,
    [after?.txid ?? '0', after?.id ?? 0, limit + 1],
  );
  const more = rows.length > limit;
  return { rows: (more ? rows.slice(0, limit) : rows).map((r) => ({ ...r, id: Number(r.id), entity_id: Number(r.entity_id) })), more };
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
