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
import { Conflict, InvalidInput, NotFound, NotInScope } from '../http/errors.js';
import type { FileStore } from '../storage/file-store.js';
import { makeCurrentAudited, placeOnGrave, type PhotoAuditWriter, type PlacementMethod } from './grave-photo.js';
import { photoKeys, PHOTO_SIZES, processPhoto, storeProcessed, contentHashOf, type PhotoSize, type ProcessingQueue } from './photo-processing.js';
import { isPhotoOfGrave, lockGraves } from './photos.queries.js';
import {
  deleteWaitingUpload, findOwnUploads, findUploadByHash, gravesInScope, insertProposals, insertUpload, markUploadAssigned, originalInUse, proposeGraves, type UploadRow,
} from './uploads.queries.js';

export type PhotoDeps = { db: Db; store: FileStore; queue: ProcessingQueue; logger: Logger };
export type Actor = { userId: number; ip: string | null; scope: Scope };

/** How a photo found its grave, kept in the audit row. */
export type AssignMethod = Exclude<PlacementMethod, 'submission'>;

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

export class UploadConflict extends Conflict {
  constructor(message: string) {
    super('photo_already_assigned', message);
  }
}

const auditAs = (trx: Knex, actor: Actor): PhotoAuditWriter => (entry) => writeAudit(trx, { ...entry, actorUserId: actor.userId, ip: actor.ip });

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

/**
 * Puts uploads on graves, all in one transaction: each becomes a photo of its grave (its current
 * photo unless asked otherwise), audited. Graves outside the scope and uploads of someone else are
 * not found. Confirming an upload again onto the same grave changes nothing.
 */
export async function assignUploads(deps: PhotoDeps, actor: Actor, assignments: Assignment[]): Promise<Array<{ uploadId: number; graveId: number; photoId: number }>> {
  if (!assignments.length) return [];
  if (new Set(assignments.map((a) => a.uploadId)).size !== assignments.length) throw new InvalidInput('A photo can go on one grave only.', undefined, 'one_grave_per_photo');
  const uploads = new Map((await findOwnUploads(deps.db, actor.userId, assignments.map((a) => a.uploadId))).map((u) => [u.id, u]));
  const reachable = await gravesInScope(deps.db, actor.scope, assignments.map((a) => a.graveId));
  for (const a of assignments) {
    if (!uploads.has(a.uploadId)) throw new NotFound();
    if (!reachable.has(a.graveId)) throw new NotInScope();
    const u = uploads.get(a.uploadId)!;
    if (u.assigned_grave_id !== null && u.assigned_grave_id !== a.graveId) throw new UploadConflict(`This photo is already on grave #${u.assigned_grave_id}.`);
  }
  const todo = assignments.filter((a) => uploads.get(a.uploadId)!.assigned_photo_id === null);
  const copies = new Map<number, Record<PhotoSize, string>>();
  // Files first (idempotent: keys are content-addressed); a failed transaction leaves only unused files.
  for (const a of todo) copies.set(a.uploadId, await publishCopies(deps, uploads.get(a.uploadId)!, a.graveId));

  const done = await deps.db.transaction(async (trx) => {
    // Every grave of the batch at once, in id order; placeOnGrave takes each again, already held.
    await lockGraves(trx, todo.map((a) => a.graveId));
    const locked = new Map((await findOwnUploads(trx, actor.userId, todo.map((a) => a.uploadId), true)).map((u) => [u.id, u]));
    const results: Array<{ uploadId: number; graveId: number; photoId: number }> = [];
    for (const a of todo) {
      const u = locked.get(a.uploadId);
      if (!u) throw new NotFound();
      if (u.assigned_photo_id !== null) throw new UploadConflict(`This photo is already on grave #${u.assigned_grave_id}.`);
      const { photoId } = await placeOnGrave(trx, auditAs(trx, actor), {
        graveId: a.graveId, originalKey: u.original_key, keys: copies.get(a.uploadId)!, contentHash: u.content_hash,
        width: u.width, height: u.height, bytes: u.bytes, takenAt: u.taken_at, latitude: u.latitude, longitude: u.longitude, direction: u.direction, uploadedBy: u.uploaded_by,
      }, { method: a.method, makeCurrent: a.makeCurrent, reason: a.reason, details: { distance_m: a.distanceM ?? null, upload_id: u.id } });
      await markUploadAssigned(trx, u.id, photoId);
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
  if (!(await gravesInScope(deps.db, actor.scope, [graveId])).has(graveId)) throw new NotInScope();
  await deps.db.transaction(async (trx) => {
    await lockGraves(trx, [graveId]);
    if (!(await isPhotoOfGrave(trx, graveId, photoId))) throw new NotFound();
    await makeCurrentAudited(trx, auditAs(trx, actor), graveId, photoId, reason || 'Chọn lại ảnh trước đây làm ảnh hiện tại');
  });
}

/** Removes an upload still waiting for its grave, and its files unless another record uses them. */
export async function discardUpload(deps: PhotoDeps, actor: Actor, uploadId: number): Promise<void> {
  const [upload] = await findOwnUploads(deps.db, actor.userId, [uploadId]);
  if (!upload) throw new NotFound();
  if (upload.assigned_photo_id !== null) throw new UploadConflict(`This photo is already on grave #${upload.assigned_grave_id}; it stays in that grave's history.`);
  const originalStillUsed = await deps.db.transaction(async (trx) => {
    await deleteWaitingUpload(trx, actor.userId, uploadId);
    return originalInUse(trx, upload.original_key);
  });
  const keys = [upload.full_key, upload.page_key, upload.thumb_key, ...(originalStillUsed ? [] : [upload.original_key])];
  await Promise.all(keys.map((key) => deps.store.remove(key).catch((error) => deps.logger.warn({ err: error, key }, 'discarded upload file not removed'))));
}
