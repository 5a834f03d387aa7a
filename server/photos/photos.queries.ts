/**
 * The SQL of the photos on graves: the one insert every headstone photo goes through, the grave
 * lock, the current-photo switch, and the reads the photo routes serve files from.
 */
import type { Knex } from '../db/knex.js';
import type { PhotoSize } from './photo-processing.js';

/** A photo row as the pipeline writes it; position and direction come from the photo's metadata. */
export type NewPhoto = {
  graveId: number;
  originalKey: string;
  keys: Record<PhotoSize, string>;
  contentHash: string;
  /** The original's upright size and its bytes, whatever public sizes were made from it. */
  width: number;
  height: number;
  bytes: number;
  takenAt: Date | null;
  latitude: number | null;
  longitude: number | null;
  direction: number | null;
  uploadedBy: number | null;
};

/**
 * Locks the graves' rows until the transaction ends, in id order, so two writers touching the same
 * graves wait for each other instead of deadlocking. Whoever changes a grave's photos holds it.
 */
export async function lockGraves(trx: Knex, graveIds: number[]): Promise<void> {
  if (!graveIds.length) return;
  await trx.raw('SELECT id FROM graves WHERE id = ANY(?::bigint[]) ORDER BY id FOR UPDATE', [[...new Set(graveIds)]]);
}

/** Inserts the photo; undefined when the grave already has these very bytes (that row stays as it is). */
export async function insertPhoto(trx: Knex, p: NewPhoto): Promise<number | undefined> {
  const { rows } = await trx.raw<{ rows: { id: number }[] }>(
    `INSERT INTO photos (grave_id, original_key, full_key, page_key, thumb_key, content_hash, width, height, bytes, taken_at, position, direction, uploaded_by)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, CASE WHEN ?::float8 IS NULL OR ?::float8 IS NULL THEN NULL ELSE ST_SetSRID(ST_MakePoint(?, ?), 4326) END, ?, ?)
     ON CONFLICT (grave_id, content_hash) DO NOTHING
     RETURNING id`,
    [p.graveId, p.originalKey, p.keys.full, p.keys.page, p.keys.thumb, p.contentHash, p.width, p.height, p.bytes, p.takenAt,
      p.longitude, p.latitude, p.longitude, p.latitude, p.direction, p.uploadedBy],
  );
  return rows[0] ? Number(rows[0].id) : undefined;
}

export async function photoIdByHash(db: Knex, graveId: number, contentHash: string): Promise<number | undefined> {
  const row = await db('photos').where({ grave_id: graveId, content_hash: contentHash }).first('id');
  return row ? Number(row.id) : undefined;
}

/** Whether the photo is one of this grave's. */
export async function isPhotoOfGrave(db: Knex, graveId: number, photoId: number): Promise<boolean> {
  return Boolean(await db('photos').where({ id: photoId, grave_id: graveId }).first('id'));
}

/** Makes `photoId` the grave's current photo (the grave row locked by the caller); returns the one it replaced. */
export async function switchCurrentPhoto(trx: Knex, graveId: number, photoId: number): Promise<number | null> {
  const { rows } = await trx.raw<{ rows: { id: number }[] }>('SELECT id FROM photos WHERE grave_id = ? AND is_current', [graveId]);
  const previous = rows[0] ? Number(rows[0].id) : null;
  if (previous === photoId) return previous;
  // The old one first: one current photo per grave is a unique index, checked row by row.
  if (previous !== null) await trx('photos').where({ id: previous }).update({ is_current: false });
  await trx('photos').where({ id: photoId }).update({ is_current: true });
  return previous;
}

/** The storage key of one public size of a photo. */
export async function photoSizeKey(db: Knex, photoId: number, size: PhotoSize): Promise<string | undefined> {
  const row = await db('photos').where({ id: photoId }).first(`${size}_key as key`);
  return row?.key;
}

export async function photoOriginalKey(db: Knex, photoId: number): Promise<string | undefined> {
  const row = await db('photos').where({ id: photoId }).first('original_key');
  return row?.original_key;
}
