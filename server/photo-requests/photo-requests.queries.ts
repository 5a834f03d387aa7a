/**
 * The SQL of photo requests: asked on a public grave without a public headstone photo, listed for
 * the cemetery's staff, fulfilled in the transaction that puts a photo on the grave.
 */
import type { Knex } from '../db/knex.js';

/** The public grave and whether it may be asked for: it shows no headstone photo and its headstone is not withheld. */
export async function requestableGrave(db: Knex, graveId: number): Promise<{ id: number; cemetery_id: number; has_photo: boolean; withheld: boolean } | undefined> {
  const { rows } = await db.raw<{ rows: Array<{ id: number; cemetery_id: number; has_photo: boolean; withheld: boolean }> }>(
    `SELECT g.id, g.cemetery_id, EXISTS (SELECT 1 FROM public_photos p WHERE p.grave_id = g.id AND p.is_current) AS has_photo, headstone_withheld(g.id) AS withheld
     FROM public_graves g WHERE g.id = ?`,
    [graveId],
  );
  return rows[0];
}

export async function insertPhotoRequest(trx: Knex, graveId: number, cemeteryId: number): Promise<number> {
  const [row] = await trx('photo_requests').insert({ grave_id: graveId, cemetery_id: cemeteryId }).returning('id');
  return Number(row!.id);
}

/** Marks the grave's open requests fulfilled by this photo; their ids. */
export async function fulfilRequests(trx: Knex, graveId: number, photoId: number): Promise<number[]> {
  const rows = await trx('photo_requests').where({ grave_id: graveId, status: 'open' }).update({ status: 'fulfilled', fulfilled_at: trx.fn.now(), photo_id: photoId }).returning('id');
  return rows.map((r: { id: number }) => Number(r.id));
}

export async function openRequestCount(db: Knex, cemeteryId: number): Promise<{ graves: number; requests: number }> {
  const row = await db('photo_requests').where({ cemetery_id: cemeteryId, status: 'open' }).first(db.raw('count(DISTINCT grave_id) AS graves'), db.raw('count(*) AS requests'));
  return { graves: Number(row?.graves ?? 0), requests: Number(row?.requests ?? 0) };
}

export type RequestedGrave = { grave_id: number; requests: number; first_at: Date; row_label: string | null; plot_number: string | null; section_code: string | null; section_kind: string | null; names: string | null; known_name: string | null };

/** The cemetery's work list: graves asked for, the longest waiting first. */
export function requestedGraves(db: Knex, cemeteryId: number, limit: number): Promise<RequestedGrave[]> {
  return db('photo_requests as r')
    .join('graves as g', 'g.id', 'r.grave_id')
    .leftJoin('cemetery_sections as s', 's.id', 'g.section_id')
    .where({ 'r.cemetery_id': cemeteryId, 'r.status': 'open' })
    .groupBy('r.grave_id', 'g.row_label', 'g.plot_number', 's.code', 's.kind', 'g.known_name')
    .orderByRaw('min(r.created_at)')
    .limit(limit)
    .select('r.grave_id', db.raw('count(*)::int AS requests'), db.raw('min(r.created_at) AS first_at'), 'g.row_label', 'g.plot_number', 's.code as section_code', 's.kind as section_kind', 'g.known_name',
      db.raw(`(SELECT string_agg(m.full_name, ', ' ORDER BY m.id) FROM martyrs m WHERE m.grave_id = r.grave_id) AS names`));
}

/** Open requests per cemetery of a scope, for the staff home. */
export async function openRequestsInScope(db: Knex, inScope: { sql: string; bindings: Knex.Value[] }): Promise<number> {
  const row = await db('photo_requests as r').join('cemeteries as c', 'c.id', 'r.cemetery_id').where('r.status', 'open').whereRaw(inScope.sql, inScope.bindings).first(db.raw('count(DISTINCT r.grave_id) AS n'));
  return Number(row?.n ?? 0);
}
