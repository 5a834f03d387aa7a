/**
 * The SQL of photo uploads: staging rows, the graves a position proposes, the review list, and the
 * graves a typed plot or a row points at. Every grave read goes through cemeteryInScope.
 */
import type { Knex } from '../db/knex.js';
import { naturalOrder } from '../db/natural-order.js';
import { cemeteryInScope, type Scope } from '../accounts/scope.js';

/** Graves farther than this from a photo's position (plus its stated accuracy) are not proposed. */
export const PROPOSAL_RADIUS_M = 30;
/** Accuracy assumed when a phone states none: a phone GPS outdoors is usually within 5-10 m. */
export const DEFAULT_ACCURACY_M = 10;
/** A stated accuracy worse than this adds no more: beyond ~100 m a proposal would be a guess. */
export const MAX_ACCURACY_M = 70;
/**
 * A headstone is photographed from a step or two in front of it, facing it: with a direction the
 * graves are searched around the point this far ahead of the camera, not under the photographer.
 */
export const CAMERA_TO_STONE_M = 1.5;
export const MAX_PROPOSALS = 5;

export type UploadRow = {
  id: number;
  uploaded_by: number;
  content_hash: string;
  media_type: string;
  original_name: string | null;
  original_key: string;
  full_key: string;
  page_key: string;
  thumb_key: string;
  width: number;
  height: number;
  bytes: number;
  taken_at: Date | null;
  latitude: number | null;
  longitude: number | null;
  accuracy_m: number | null;
  direction: number | null;
  created_at: Date;
  assigned_photo_id: number | null;
  assigned_grave_id: number | null;
};

const UPLOAD_SELECT = `
  SELECT u.id, u.uploaded_by, u.content_hash, u.media_type, u.original_name, u.original_key, u.full_key, u.page_key, u.thumb_key,
         u.width, u.height, u.bytes, u.taken_at, ST_Y(u.position) AS latitude, ST_X(u.position) AS longitude,
         u.accuracy_m, u.direction, u.created_at, u.assigned_photo_id, p.grave_id AS assigned_grave_id
  FROM photo_uploads u LEFT JOIN photos p ON p.id = u.assigned_photo_id`;

const numberOrNull = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const toUpload = (r: UploadRow): UploadRow => ({ ...r, id: Number(r.id), uploaded_by: Number(r.uploaded_by), assigned_photo_id: numberOrNull(r.assigned_photo_id), assigned_grave_id: numberOrNull(r.assigned_grave_id) });

export async function findUploadByHash(db: Knex, userId: number, contentHash: string): Promise<UploadRow | undefined> {
  const { rows } = await db.raw<{ rows: UploadRow[] }>(`${UPLOAD_SELECT} WHERE u.uploaded_by = ? AND u.content_hash = ?`, [userId, contentHash]);
  return rows[0] && toUpload(rows[0]);
}

/** The user's own uploads among these ids (anyone else's are simply not found). */
export async function findOwnUploads(db: Knex, userId: number, ids: number[], lock = false): Promise<UploadRow[]> {
  const { rows } = await db.raw<{ rows: UploadRow[] }>(`${UPLOAD_SELECT} WHERE u.uploaded_by = ? AND u.id = ANY(?::bigint[]) ORDER BY u.id${lock ? ' FOR UPDATE OF u' : ''}`, [userId, ids]);
  return rows.map(toUpload);
}

export type NewUpload = Omit<UploadRow, 'id' | 'created_at' | 'assigned_photo_id' | 'assigned_grave_id'>;

/** Inserts the staging row; undefined when the same user's same photo got there first. */
export async function insertUpload(trx: Knex, u: NewUpload): Promise<number | undefined> {
  const { rows } = await trx.raw<{ rows: { id: number }[] }>(
    `INSERT INTO photo_uploads (uploaded_by, content_hash, media_type, original_name, original_key, full_key, page_key, thumb_key,
                                width, height, bytes, taken_at, position, accuracy_m, direction)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, CASE WHEN ?::float8 IS NULL THEN NULL ELSE ST_SetSRID(ST_MakePoint(?, ?), 4326) END, ?, ?)
     ON CONFLICT (uploaded_by, content_hash) DO NOTHING
     RETURNING id`,
    [u.uploaded_by, u.content_hash, u.media_type, u.original_name, u.original_key, u.full_key, u.page_key, u.thumb_key,
      u.width, u.height, u.bytes, u.taken_at, u.longitude, u.longitude, u.latitude, u.accuracy_m, u.direction],
  );
  return rows[0] ? Number(rows[0].id) : undefined;
}

/** Records which photo an upload became. */
export async function markUploadAssigned(trx: Knex, uploadId: number, photoId: number): Promise<void> {
  await trx('photo_uploads').where({ id: uploadId }).update({ assigned_photo_id: photoId, assigned_at: trx.fn.now() });
}

/** Deletes the user's upload if it still waits for its grave. */
export async function deleteWaitingUpload(trx: Knex, userId: number, uploadId: number): Promise<void> {
  await trx('photo_uploads').where({ id: uploadId, uploaded_by: userId }).whereNull('assigned_photo_id').delete();
}

/** Whether any upload or photo still refers to this original: the same bytes are one file, whoever sent them. */
export async function originalInUse(db: Knex, originalKey: string): Promise<boolean> {
  const { rows } = await db.raw<{ rows: unknown[] }>(
    'SELECT 1 FROM photo_uploads WHERE original_key = ? UNION ALL SELECT 1 FROM photos WHERE original_key = ? LIMIT 1',
    [originalKey, originalKey],
  );
  return rows.length > 0;
}

export type Proposal = { graveId: number; distanceM: number };

/**
 * The nearest graves to where a photo was taken, among the cemeteries in scope: within
 * PROPOSAL_RADIUS_M plus the position's accuracy, nearest first. The bounding box (in degrees,
 * on the geometry column) lets the GiST index find the candidates; the distance itself is
 * measured on the spheroid.
 */
export async function proposeGraves(
  db: Knex,
  scope: Scope,
  at: { latitude: number; longitude: number; accuracyM: number | null; direction: number | null },
): Promise<Proposal[]> {
  const c = cemeteryInScope(scope);
  const radius = PROPOSAL_RADIUS_M + Math.min(at.accuracyM ?? DEFAULT_ACCURACY_M, MAX_ACCURACY_M);
  const dLat = radius / 111_000;
  const dLng = radius / (111_000 * Math.max(0.01, Math.cos((at.latitude * Math.PI) / 180)));
  const { rows } = await db.raw<{ rows: { grave_id: number; distance_m: number }[] }>(
    `WITH camera AS (SELECT ST_SetSRID(ST_MakePoint(?, ?), 4326) AS p),
          here AS (
            SELECT CASE WHEN ?::float8 IS NULL THEN p
                        ELSE ST_Project(p::geography, ?, radians(?::float8))::geometry END AS target
            FROM camera)
     SELECT g.id AS grave_id, ST_Distance(g.position::geography, here.target::geography) AS distance_m
     FROM here, graves g JOIN cemeteries c ON c.id = g.cemetery_id
     WHERE g.position && ST_Expand(here.target, ?, ?)
       AND ST_DWithin(g.position::geography, here.target::geography, ?)
       AND ${c.sql}
     ORDER BY distance_m, g.id
     LIMIT ?`,
    [at.longitude, at.latitude, at.direction, CAMERA_TO_STONE_M, at.direction, dLng, dLat, radius, ...c.bindings, MAX_PROPOSALS],
  );
  return rows.map((r) => ({ graveId: Number(r.grave_id), distanceM: Number(r.distance_m) }));
}

export async function insertProposals(trx: Knex, uploadId: number, proposals: Proposal[]): Promise<void> {
  if (!proposals.length) return;
  await trx('photo_upload_proposals').insert(proposals.map((p, i) => ({ upload_id: uploadId, rank: i + 1, grave_id: p.graveId, distance_m: p.distanceM })));
}

/** An uploader's photos waiting for a grave, in the order they were taken. */
export async function pendingUploads(db: Knex, userId: number, limit: number): Promise<{ total: number; rows: UploadRow[] }> {
  const [{ rows }, count] = await Promise.all([
    db.raw<{ rows: UploadRow[] }>(`${UPLOAD_SELECT} WHERE u.uploaded_by = ? AND u.assigned_photo_id IS NULL ORDER BY u.taken_at NULLS LAST, u.id LIMIT ?`, [userId, limit]),
    db.raw<{ rows: { n: number }[] }>('SELECT count(*) AS n FROM photo_uploads WHERE uploaded_by = ? AND assigned_photo_id IS NULL', [userId]),
  ]);
  return { total: Number(count.rows[0]!.n), rows: rows.map(toUpload) };
}

/** The uploader's latest confirmed photos, to check what just went where. */
export async function recentlyAssigned(db: Knex, userId: number, limit: number): Promise<UploadRow[]> {
  const { rows } = await db.raw<{ rows: UploadRow[] }>(`${UPLOAD_SELECT} WHERE u.uploaded_by = ? AND u.assigned_photo_id IS NOT NULL ORDER BY u.assigned_at DESC, u.id DESC LIMIT ?`, [userId, limit]);
  return rows.map(toUpload);
}

/** What a reviewer needs to recognise a grave: where it is, who lies there, whether it has a photo. */
export type GraveSummary = {
  grave_id: number;
  cemetery_id: number;
  cemetery_name: string;
  section_kind: string | null;
  section_code: string | null;
  row_label: string | null;
  plot_number: string | null;
  state: 'identified' | 'partial' | 'unknown';
  known_name: string | null;
  inscription: string | null;
  names: string | null;
  current_thumb_key: string | null;
};

const GRAVE_SUMMARY = `
  g.id AS grave_id, c.id AS cemetery_id, c.name AS cemetery_name, s.kind AS section_kind, s.code AS section_code,
  g.row_label, g.plot_number, g.state, g.known_name, g.inscription,
  (SELECT string_agg(m.full_name, ', ' ORDER BY m.id) FROM martyrs m WHERE m.grave_id = g.id) AS names,
  ph.thumb_key AS current_thumb_key`;
const GRAVE_JOINS = `
  JOIN cemeteries c ON c.id = g.cemetery_id
  LEFT JOIN cemetery_sections s ON s.id = g.section_id
  LEFT JOIN photos ph ON ph.grave_id = g.id AND ph.is_current`;

export type ProposalRow = GraveSummary & { upload_id: number; rank: number; distance_m: number };

/** The stored proposals of these uploads, filtered through the scope again (it may have changed). */
export async function proposalsOf(db: Knex, scope: Scope, uploadIds: number[]): Promise<ProposalRow[]> {
  if (!uploadIds.length) return [];
  const c = cemeteryInScope(scope);
  const { rows } = await db.raw<{ rows: ProposalRow[] }>(
    `SELECT pr.upload_id, pr.rank, pr.distance_m, ${GRAVE_SUMMARY}
     FROM photo_upload_proposals pr JOIN graves g ON g.id = pr.grave_id ${GRAVE_JOINS}
     WHERE pr.upload_id = ANY(?::bigint[]) AND ${c.sql}
     ORDER BY pr.upload_id, pr.rank`,
    [uploadIds, ...c.bindings],
  );
  return rows.map((r) => ({ ...r, upload_id: Number(r.upload_id), grave_id: Number(r.grave_id), cemetery_id: Number(r.cemetery_id), distance_m: Number(r.distance_m) }));
}

export async function graveSummaries(db: Knex, scope: Scope, graveIds: number[]): Promise<GraveSummary[]> {
  if (!graveIds.length) return [];
  const c = cemeteryInScope(scope);
  const { rows } = await db.raw<{ rows: GraveSummary[] }>(`SELECT ${GRAVE_SUMMARY} FROM graves g ${GRAVE_JOINS} WHERE g.id = ANY(?::bigint[]) AND ${c.sql}`, [graveIds, ...c.bindings]);
  return rows.map((r) => ({ ...r, grave_id: Number(r.grave_id), cemetery_id: Number(r.cemetery_id) }));
}

/** The graves among these ids that the scope reaches. */
export async function gravesInScope(db: Knex, scope: Scope, graveIds: number[]): Promise<Set<number>> {
  if (!graveIds.length) return new Set();
  const c = cemeteryInScope(scope);
  const { rows } = await db.raw<{ rows: { id: number }[] }>(`SELECT g.id FROM graves g JOIN cemeteries c ON c.id = g.cemetery_id WHERE g.id = ANY(?::bigint[]) AND ${c.sql}`, [graveIds, ...c.bindings]);
  return new Set(rows.map((r) => Number(r.id)));
}

export type PlotQuery = { cemeteryId: number; section: string | null; row: string | null };

/** Where a section code and row narrow the graves of a cemetery; an empty section or row means "none". */
function plotWhere(q: PlotQuery): { sql: string; bindings: Knex.Value[] } {
  return {
    sql: `g.cemetery_id = ?
      AND ${q.section ? 'lower(s.code) = lower(?)' : 's.id IS NULL'}
      AND ${q.row ? 'lower(g.row_label) = lower(?)' : 'g.row_label IS NULL'}`,
    bindings: [q.cemeteryId, ...(q.section ? [q.section] : []), ...(q.row ? [q.row] : [])],
  };
}

/**
 * The grave at a typed plot (khu, hàng, mộ số) of a cemetery in scope. A section or row left empty
 * matches any, as long as only one grave has that number: staff type as little as the plot needs.
 */
export async function graveAtPlot(db: Knex, scope: Scope, q: PlotQuery & { number: string }): Promise<number | 'none' | 'ambiguous'> {
  const c = cemeteryInScope(scope);
  const where = ['g.cemetery_id = ?', 'lower(g.plot_number) = lower(?)'];
  const bindings: Knex.Value[] = [q.cemeteryId, q.number];
  if (q.section) {
    where.push('lower(s.code) = lower(?)');
    bindings.push(q.section);
  }
  if (q.row) {
    where.push('lower(g.row_label) = lower(?)');
    bindings.push(q.row);
  }
  const { rows } = await db.raw<{ rows: { id: number }[] }>(
    `SELECT g.id FROM graves g JOIN cemeteries c ON c.id = g.cemetery_id LEFT JOIN cemetery_sections s ON s.id = g.section_id
     WHERE ${where.join(' AND ')} AND ${c.sql} LIMIT 2`,
    [...bindings, ...c.bindings],
  );
  return rows.length === 0 ? 'none' : rows.length > 1 ? 'ambiguous' : Number(rows[0]!.id);
}

/** Plot numbers in the order a person walks them: 1, 2, 10, 10a, 11; `g` is the grave. */
export function naturalPlotOrder(descending = false, g = 'g'): string {
  return naturalOrder(`${g}.plot_number`, descending);
}

/** The graves of one row, in walking order, from a starting plot number when given. */
export async function gravesOfRow(db: Knex, scope: Scope, q: PlotQuery & { from: string | null; descending: boolean }): Promise<Array<{ id: number; plot_number: string | null }>> {
  const c = cemeteryInScope(scope);
  const w = plotWhere(q);
  const { rows } = await db.raw<{ rows: Array<{ id: number; plot_number: string | null }> }>(
    `SELECT g.id, g.plot_number FROM graves g JOIN cemeteries c ON c.id = g.cemetery_id LEFT JOIN cemetery_sections s ON s.id = g.section_id
     WHERE ${w.sql} AND g.plot_number IS NOT NULL AND ${c.sql}
     ORDER BY ${naturalPlotOrder(q.descending)}`,
    [...w.bindings, ...c.bindings],
  );
  const graves = rows.map((r) => ({ id: Number(r.id), plot_number: r.plot_number }));
  if (!q.from) return graves;
  const start = graves.findIndex((g) => g.plot_number?.toLowerCase() === q.from!.toLowerCase());
  return start < 0 ? [] : graves.slice(start);
}

/** Cemeteries in scope for the plot pickers (a national scope lists the first ones by name). */
export async function cemeteriesInScope(db: Knex, scope: Scope, limit = 300): Promise<Array<{ id: number; name: string }>> {
  const c = cemeteryInScope(scope);
  const { rows } = await db.raw<{ rows: Array<{ id: number; name: string }> }>(`SELECT c.id, c.name FROM cemeteries c WHERE ${c.sql} ORDER BY c.name, c.id LIMIT ?`, [...c.bindings, limit]);
  return rows.map((r) => ({ id: Number(r.id), name: r.name }));
}
