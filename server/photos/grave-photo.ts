/**
 * The one way a headstone photo lands on a grave, whoever sent it: cemetery staff from the field or
 * the grave page (photos.service.ts), or a citizen whose submission an officer accepts
 * (submissions/review.service.ts). Two steps, in this order:
 *   1. Files, outside any transaction: processPhoto (checks, the three PHOTO_SIZES) and the copies
 *      written under photoKeys.grave, the original under photoKeys.original in the photo store,
 *      where the staff "download the original" route reads it. Keys are content-addressed, so a
 *      transaction that fails afterwards leaves only unused files and a retry writes the same ones.
 *   2. placeOnGrave, inside the caller's one short transaction: lock the grave, insert the photo
 *      (the same bytes on the same grave are one row), make it current unless asked not to, audit.
 */
import type { Knex } from '../db/knex.js';
import type { FileStore } from '../storage/file-store.js';
import { photoKeys, processPhoto, storeProcessed, type ProcessingQueue } from './photo-processing.js';
import { photoPlaced } from '../photo-requests/photo-requests.service.js';
import { insertPhoto, lockGraves, photoIdByHash, switchCurrentPhoto, type NewPhoto } from './photos.queries.js';

/** How a photo found its grave, kept in the audit row. */
export type PlacementMethod = 'proposal' | 'plot' | 'row' | 'grave_page' | 'submission';

const METHOD_REASON: Record<PlacementMethod, string> = {
  proposal: 'Ảnh chụp tại nghĩa trang, xác nhận mộ theo vị trí GPS',
  plot: 'Ảnh chụp tại nghĩa trang, xác nhận theo số mộ',
  row: 'Ảnh chụp tại nghĩa trang, xếp theo thứ tự trong hàng',
  grave_page: 'Ảnh tải lên từ trang quản lý phần mộ',
  submission: 'Ảnh bia mộ người dân gửi, cán bộ đã duyệt',
};

/** Writes one audit row in the caller's transaction, with the caller's actor, address and submission. */
export type PhotoAuditWriter = (entry: {
  action: string; entityType: 'photo' | 'grave'; entityId: number; before?: unknown; after?: unknown; reason?: string | null;
}) => Promise<void>;

export type Placement = {
  method: PlacementMethod;
  /** False to keep it in the grave's history without replacing the current photo. */
  makeCurrent?: boolean;
  reason?: string | null;
  /** Added to the photo.add audit row (where the photo came from). */
  details?: Record<string, unknown>;
};

/** Step 1 for bytes that have not been processed yet (a submission's photo): the files of the grave's photo. */
export async function storeGravePhoto(store: FileStore, queue: ProcessingQueue, graveId: number, data: Buffer): Promise<NewPhoto> {
  // Throws PhotoRejected before anything is written.
  const photo = await queue.run(() => processPhoto(data));
  const keys = await storeProcessed(store, photo, (size) => photoKeys.grave(graveId, photo.contentHash, size));
  const { takenAt, latitude, longitude, direction } = photo.metadata;
  return {
    graveId, originalKey: keys.original, keys: { full: keys.full, page: keys.page, thumb: keys.thumb }, contentHash: photo.contentHash,
    width: photo.width, height: photo.height, bytes: photo.original.length, takenAt, latitude, longitude, direction, uploadedBy: null,
  };
}

/**
 * Step 2: puts the stored photo on its grave. Must run inside the transaction that decides it (an
 * upload's assignment, a submission's acceptance), after step 1. Returns the photo's id: its own,
 * or that of the same bytes already on this grave (sent by someone else, or a retry).
 */
export async function placeOnGrave(trx: Knex, audit: PhotoAuditWriter, photo: NewPhoto, how: Placement): Promise<{ photoId: number; added: boolean }> {
  await lockGraves(trx, [photo.graveId]);
  const reason = how.reason || METHOD_REASON[how.method];
  const inserted = await insertPhoto(trx, photo);
  const photoId = inserted ?? (await photoIdByHash(trx, photo.graveId, photo.contentHash))!;
  if (inserted !== undefined) {
    await audit({
      action: 'photo.add', entityType: 'photo', entityId: photoId,
      after: { grave_id: photo.graveId, content_hash: photo.contentHash, taken_at: photo.takenAt, method: how.method, ...how.details }, reason,
    });
  }
  if (how.makeCurrent !== false && (await makeCurrentAudited(trx, audit, photo.graveId, photoId, reason))) {
    // Followers hear of it and open photo requests are fulfilled, in this same transaction.
    await photoPlaced(trx, photo.graveId, photoId);
  }
  return { photoId, added: inserted !== undefined };
}

/** Makes a photo of the grave its current one (the grave locked by the caller), audited when it changes. */
export async function makeCurrentAudited(trx: Knex, audit: PhotoAuditWriter, graveId: number, photoId: number, reason: string): Promise<boolean> {
  const previous = await switchCurrentPhoto(trx, graveId, photoId);
  if (previous === photoId) return false;
  await audit({ action: 'grave.photo.current', entityType: 'grave', entityId: graveId, before: { current_photo_id: previous }, after: { current_photo_id: photoId }, reason });
  return true;
}
