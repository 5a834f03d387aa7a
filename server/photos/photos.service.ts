/**
 * The rules of headstone photos: a photo arrives (stored once per uploader and content, with the
 * graves its position proposes), is confirmed onto a grave (becoming its current photo, the one
 * before kept in the history), or is discarded; an earlier photo can be made current again.
 * Every change is audited in its own transaction; the database triggers write the search outbox.
 */
import type { Db, Knex } from '../db/knex.js';
import type { Logger } from '../logger.js';
import type { Scope } from '../accounts/scope.js';
import { writeAudit } from '../audit/audit.js';
import { AppError, NotFoundError } from '../http/errors.js';
import type { FileStore } from '../storage/file-store.js';
import { photoKeys, PHOTO_SIZES, processPhoto, storeProcessed, contentHashOf, type PhotoSize, type ProcessingQueue } from './photo-processing.js';
import { findOwnUploads, findUploadByHash, gravesInScope, insertProposals, insertUpload, proposeGraves, type UploadRow } from './uploads.queries.js';

export type PhotoDeps = { db: Db; store: FileStore; queue: ProcessingQueue; logger: Logger };
export type Actor = { userId: number; ip: string | null; scope: Scope };

/** How a photo found its grave, kept in the audit row. */
export type AssignMethod = 'proposal' | 'plot' | 'row' | 'grave_page';

export type Assignment = {
  uploadId: number;
  graveId: number;
  method: AssignMethod;
  /** Distance from the photo's position when the grave was proposed, for the audit row. */
  distanceM?: number | null;
  /** False to keep it in the grave's history without replacing the current photo. */
  makeCurrent?: boolean;
  reason?: string | null;
};

const SIZES = Object.keys(PHOTO_SIZES) as PhotoSize[];

const METHOD_REASON: Record<AssignMethod, string> = {
  proposal: 'Ảnh chụp tại nghĩa trang, xác nhận mộ theo vị trí GPS',
  plot: 'Ảnh chụp tại nghĩa trang, xác nhận theo số mộ',
  row: 'Ảnh chụp tại nghĩa trang, xếp theo thứ tự trong hàng',
  grave_page: 'Ảnh tải lên từ trang quản lý phần mộ',
};

export class UploadConflict extends AppError {
  constructor(message: string) {
    super(409, 'photo_already_assigned', message);
  }
}

/**
 * Stores a photo sent from the field and proposes its graves. The same photo sent again by the
 * same person (a retry over a poor connection) is not processed again: the stored upload is
 * returned with `duplicate: true`.
 */
export async function receivePhoto(deps: PhotoDeps, actor: Actor, file: { data: Buffer; name: string | null }): Promise<{ uploadId: number; duplicate: boolean }> {
  const hash = contentHashOf(file.data);
  const known = await findUploadByHash(deps.db, actor.userId, hash);
  if (known) return { uploadId: known.id, duplicate: true };

  // Throws PhotoRejected before anything is written.
  const photo = await deps.queue.run(() => processPhoto(file.data));
  const keys = await storeProcessed(deps.store, photo, (size) => photoKeys.staging(actor.userId, photo.contentHash, size));
  const { latitude, longitude, accuracyM, direction, takenAt } = photo.metadata;
  const proposals = latitude !== null && longitude !== null ? await proposeGraves(deps.db, actor.scope, { latitude, longitude, accuracyM, direction }) : [];
  return deps.db.transaction(async (trx) => {
    const id = await insertUpload(trx, {
      uploaded_by: actor.userId, content_hash: photo.contentHash, media_type: photo.mediaType, original_name: file.name?.slice(0, 255) || null,
      original_key: keys.original, full_key: keys.full, page_key: keys.page, thumb_key: keys.thumb,
      width: photo.width, height: photo.height, bytes: photo.original.length,
      taken_at: takenAt, latitude, longitude, accuracy_m: accuracyM, direction,
    });
    if (id === undefined) {
      // Two copies of one photo arrived together: the other request stored it.
      const other = await findUploadByHash(trx, actor.userId, photo.contentHash);
      return { uploadId: other!.id, duplicate: true };
    }
    await insertProposals(trx, id, proposals);
    return { uploadId: id, duplicate: false };
  });
}

async function readAll(store: FileStore, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of store.read(key)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The grave's public copies of an upload: from the staging copies, or made again from the original. */
async function publishCopies(deps: PhotoDeps, upload: UploadRow, graveId: number): Promise<Record<PhotoSize, string>> {
  const target = Object.fromEntries(SIZES.map((size) => [size, photoKeys.grave(graveId, upload.content_hash, size)])) as Record<PhotoSize, string>;
  const staged = { full: upload.full_key, page: upload.page_key, thumb: upload.thumb_key };
  if ((await Promise.all(SIZES.map((s) => deps.store.exists(staged[s])))).every(Boolean)) {
    for (const size of SIZES) await deps.store.put(target[size], await readAll(deps.store, staged[size]));
  } else {
    const photo = await deps.queue.run(async () => processPhoto(await readAll(deps.store, upload.original_key)));
    await storeProcessed(deps.store, photo, (size) => target[size]);
  }
  return target;
}

/** Makes `photoId` the grave's current photo (the grave row is locked by the caller); returns the one it replaced. */
async function makeCurrent(trx: Knex, graveId: number, photoId: number): Promise<number | null> {
  const { rows } = await trx.raw<{ rows: { id: number }[] }>('SELECT id FROM photos WHERE grave_id = ? AND is_current', [graveId]);
  const previous = rows[0] ? Number(rows[0].id) : null;
  if (previous === photoId) return previous;
  // The old one first: one current photo per grave is a unique index, checked row by row.
  if (previous !== null) await trx('photos').where({ id: previous }).update({ is_current: false });
  await trx('photos').where({ id: photoId }).update({ is_current: true });
  return previous;
}

const lockGraves = (trx: Knex, graveIds: number[]) =>
  // In id order, so two batches touching the same graves wait for each other instead of deadlocking.
  trx.raw('SELECT id FROM graves WHERE id = ANY(?::bigint[]) ORDER BY id FOR UPDATE', [[...new Set(graveIds)]]);

/**
 * Puts uploads on graves, all in one transaction: each becomes a photo of its grave (its current
 * photo unless asked otherwise), audited. Graves outside the scope and uploads of someone else are
 * not found. Confirming an upload again onto the same grave changes nothing.
 */
export async function assignUploads(deps: PhotoDeps, actor: Actor, assignments: Assignment[]): Promise<Array<{ uploadId: number; graveId: number; photoId: number }>> {
  if (!assignments.length) return [];
  if (new Set(assignments.map((a) => a.uploadId)).size !== assignments.length) throw new AppError(400, 'bad_request', 'A photo can go on one grave only.');
  const uploads = new Map((await findOwnUploads(deps.db, actor.userId, assignments.map((a) => a.uploadId))).map((u) => [u.id, u]));
  const reachable = await gravesInScope(deps.db, actor.scope, assignments.map((a) => a.graveId));
  for (const a of assignments) {
    if (!uploads.has(a.uploadId) || !reachable.has(a.graveId)) throw new NotFoundError();
    const u = uploads.get(a.uploadId)!;
    if (u.assigned_grave_id !== null && u.assigned_grave_id !== a.graveId) throw new UploadConflict(`This photo is already on grave #${u.assigned_grave_id}.`);
  }
  const todo = assignments.filter((a) => uploads.get(a.uploadId)!.assigned_photo_id === null);
  const copies = new Map<number, Record<PhotoSize, string>>();
  // Files first (idempotent: keys are content-addressed); a failed transaction leaves only unused files.
  for (const a of todo) copies.set(a.uploadId, await publishCopies(deps, uploads.get(a.uploadId)!, a.graveId));

  const done = await deps.db.transaction(async (trx) => {
    await lockGraves(trx, todo.map((a) => a.graveId));
    const locked = new Map((await findOwnUploads(trx, actor.userId, todo.map((a) => a.uploadId), true)).map((u) => [u.id, u]));
    const results: Array<{ uploadId: number; graveId: number; photoId: number }> = [];
    for (const a of todo) {
      const u = locked.get(a.uploadId);
      if (!u) throw new NotFoundError();
      if (u.assigned_photo_id !== null) throw new UploadConflict(`This photo is already on grave #${u.assigned_grave_id}.`);
      const keys = copies.get(a.uploadId)!;
      const inserted = await trx.raw<{ rows: { id: number }[] }>(
        `INSERT INTO photos (grave_id, original_key, full_key, page_key, thumb_key, content_hash, width, height, bytes, taken_at, position, direction, uploaded_by)
         SELECT ?, u.original_key, ?, ?, ?, u.content_hash, u.width, u.height, u.bytes, u.taken_at, u.position, u.direction, u.uploaded_by
         FROM photo_uploads u WHERE u.id = ?
         ON CONFLICT (grave_id, content_hash) DO NOTHING
         RETURNING id`,
        [a.graveId, keys.full, keys.page, keys.thumb, u.id],
      );
      let photoId: number;
      if (inserted.rows[0]) {
        photoId = Number(inserted.rows[0].id);
        await writeAudit(trx, {
          actorUserId: actor.userId, ip: actor.ip, action: 'photo.add', entityType: 'photo', entityId: photoId,
          after: { grave_id: a.graveId, content_hash: u.content_hash, taken_at: u.taken_at, method: a.method, distance_m: a.distanceM ?? null, upload_id: u.id },
          reason: a.reason || METHOD_REASON[a.method],
        });
      } else {
        // Someone else's copy of the very same photo is already on this grave: use that one.
        photoId = Number((await trx('photos').where({ grave_id: a.graveId, content_hash: u.content_hash }).first('id')).id);
      }
      if (a.makeCurrent !== false) {
        const previous = await makeCurrent(trx, a.graveId, photoId);
        if (previous !== photoId) {
          await writeAudit(trx, {
            actorUserId: actor.userId, ip: actor.ip, action: 'grave.photo.current', entityType: 'grave', entityId: a.graveId,
            before: { current_photo_id: previous }, after: { current_photo_id: photoId }, reason: a.reason || METHOD_REASON[a.method],
          });
        }
      }
      await trx('photo_uploads').where({ id: u.id }).update({ assigned_photo_id: photoId, assigned_at: trx.fn.now() });
      results.push({ uploadId: u.id, graveId: a.graveId, photoId });
    }
    return results;
  });

  // The staging copies have served their purpose; a failure to remove one only costs disk space.
  for (const a of todo) {
    const u = uploads.get(a.uploadId)!;
    await Promise.all([u.full_key, u.page_key, u.thumb_key].map((key) => deps.store.remove(key).catch((error) => deps.logger.warn({ err: error, key }, 'staging copy not removed'))));
  }
  const already = assignments.filter((a) => uploads.get(a.uploadId)!.assigned_photo_id !== null)
    .map((a) => ({ uploadId: a.uploadId, graveId: a.graveId, photoId: uploads.get(a.uploadId)!.assigned_photo_id! }));
  return [...done, ...already];
}

/** Makes an earlier photo of the grave its current one again. */
export async function setCurrentPhoto(deps: PhotoDeps, actor: Actor, graveId: number, photoId: number, reason: string | null): Promise<void> {
  if (!(await gravesInScope(deps.db, actor.scope, [graveId])).has(graveId)) throw new NotFoundError();
  await deps.db.transaction(async (trx) => {
    await lockGraves(trx, [graveId]);
    const photo = await trx('photos').where({ id: photoId, grave_id: graveId }).first('id');
    if (!photo) throw new NotFoundError();
    const previous = await makeCurrent(trx, graveId, photoId);
    if (previous === photoId) return;
    await writeAudit(trx, {
      actorUserId: actor.userId, ip: actor.ip, action: 'grave.photo.current', entityType: 'grave', entityId: graveId,
      before: { current_photo_id: previous }, after: { current_photo_id: photoId }, reason: reason || 'Chọn lại ảnh trước đây làm ảnh hiện tại',
    });
  });
}

/** Removes an upload still waiting for its grave, and its files unless another record uses them. */
export async function discardUpload(deps: PhotoDeps, actor: Actor, uploadId: number): Promise<void> {
  const [upload] = await findOwnUploads(deps.db, actor.userId, [uploadId]);
  if (!upload) throw new NotFoundError();
  if (upload.assigned_photo_id !== null) throw new UploadConflict(`This photo is already on grave #${upload.assigned_grave_id}; it stays in that grave's history.`);
  const originalStillUsed = await deps.db.transaction(async (trx) => {
    await trx('photo_uploads').where({ id: uploadId, uploaded_by: actor.userId }).whereNull('assigned_photo_id').delete();
    const { rows } = await trx.raw<{ rows: unknown[] }>(
      'SELECT 1 FROM photo_uploads WHERE original_key = ? UNION ALL SELECT 1 FROM photos WHERE original_key = ? LIMIT 1',
      [upload.original_key, upload.original_key],
    );
    return rows.length > 0;
  });
  const keys = [upload.full_key, upload.page_key, upload.thumb_key, ...(originalStillUsed ? [] : [upload.original_key])];
  await Promise.all(keys.map((key) => deps.store.remove(key).catch((error) => deps.logger.warn({ err: error, key }, 'discarded upload file not removed'))));
}
