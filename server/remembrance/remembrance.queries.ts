/**
 * The SQL of remembrance: incense lit (one per visitor per martyr per Vietnamese day, a running
 * total beside it) and the short messages staff moderate. Public reads go through public_martyrs.
 */
import type { Knex } from '../db/knex.js';
import type { SqlFilter } from '../accounts/scope.js';

const TODAY_IN_VIETNAM = `(now() AT TIME ZONE 'Asia/Ho_Chi_Minh')::date`;

export async function isPublicMartyr(db: Knex, martyrId: number): Promise<boolean> {
  return Boolean(await db('public_martyrs').where({ id: martyrId }).first('id'));
}

/** Lights one stick for the visitor today, unless they already did; the total either way. */
export async function lightIncense(trx: Knex, martyrId: number, visitor: string): Promise<{ lit: boolean; sticks: number }> {
  const { rows } = await trx.raw<{ rows: unknown[] }>(
    `INSERT INTO incense_lights (martyr_id, day, visitor) VALUES (?, ${TODAY_IN_VIETNAM}, ?) ON CONFLICT DO NOTHING RETURNING 1`,
    [martyrId, visitor],
  );
  if (rows.length) {
    const { rows: total } = await trx.raw<{ rows: { sticks: string }[] }>(
      `INSERT INTO incense_totals AS t (martyr_id, sticks) VALUES (?, 1) ON CONFLICT (martyr_id) DO UPDATE SET sticks = t.sticks + 1 RETURNING sticks`,
      [martyrId],
    );
    return { lit: true, sticks: Number(total[0]!.sticks) };
  }
  return { lit: false, sticks: await incenseTotal(trx, martyrId) };
}

export async function incenseTotal(db: Knex, martyrId: number): Promise<number> {
  const row = await db('incense_totals').where({ martyr_id: martyrId }).first('sticks');
  return row ? Number(row.sticks) : 0;
}

/** Who lit what is kept only to count one per day: gone after `days`. */
export async function purgeOldIncense(db: Knex, days: number): Promise<number> {
  return db('incense_lights').where('day', '<', db.raw(`${TODAY_IN_VIETNAM} - ?::int`, [days])).del();
}

export async function insertMessage(trx: Knex, m: { martyrId: number; authorName: string | null; body: string }): Promise<number> {
  const [row] = await trx('remembrance_messages').insert({ martyr_id: m.martyrId, author_name: m.authorName, body: m.body }).returning('id');
  return Number(row!.id);
}

export type ApprovedMessage = { id: number; author_name: string | null; body: string; created_at: Date };

export function approvedMessages(db: Knex, martyrId: number, limit: number): Promise<ApprovedMessage[]> {
  return db('remembrance_messages as r').join('public_martyrs as m', 'm.id', 'r.martyr_id').where({ 'r.martyr_id': martyrId, 'r.status': 'approved' })
    .orderBy('r.created_at', 'desc').limit(limit).select('r.id', 'r.author_name', 'r.body', 'r.created_at');
}

export type PendingMessage = ApprovedMessage & { martyr_id: number; full_name: string };

/** Messages waiting for a moderator, of martyrs the scope reaches. */
export function pendingMessages(db: Knex, inScope: SqlFilter, limit: number): Promise<PendingMessage[]> {
  return db('remembrance_messages as r').join('martyrs as m', 'm.id', 'r.martyr_id').leftJoin('graves as g', 'g.id', 'm.grave_id').leftJoin('cemeteries as c', 'c.id', 'g.cemetery_id')
    .where('r.status', 'pending').whereRaw(inScope.sql, inScope.bindings).orderBy('r.created_at').limit(limit)
    .select('r.id', 'r.author_name', 'r.body', 'r.created_at', 'r.martyr_id', 'm.full_name');
}

export async function pendingMessageCount(db: Knex, inScope: SqlFilter): Promise<number> {
  const row = await db('remembrance_messages as r').join('martyrs as m', 'm.id', 'r.martyr_id').leftJoin('graves as g', 'g.id', 'm.grave_id').leftJoin('cemeteries as c', 'c.id', 'g.cemetery_id')
    .where('r.status', 'pending').whereRaw(inScope.sql, inScope.bindings).count<{ count: string }[]>('r.id as count').first();
  return Number(row?.count ?? 0);
}

/** Decides a pending message in scope: the martyr it was left for, or undefined when it is not one (decided meanwhile, or outside the scope). */
export async function moderateMessage(trx: Knex, id: number, inScope: SqlFilter, status: 'approved' | 'rejected', userId: number): Promise<number | undefined> {
  const { rows } = await trx.raw<{ rows: { martyr_id: string }[] }>(
    `UPDATE remembrance_messages r SET status = ?, moderated_by = ?, moderated_at = now()
     FROM martyrs m LEFT JOIN graves g ON g.id = m.grave_id LEFT JOIN cemeteries c ON c.id = g.cemetery_id
     WHERE r.id = ? AND r.status = 'pending' AND m.id = r.martyr_id AND ${inScope.sql}
     RETURNING r.martyr_id`,
    [status, userId, id, ...inScope.bindings],
  );
  return rows[0] ? Number(rows[0].martyr_id) : undefined;
}
