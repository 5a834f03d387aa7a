/**
 * "Request a photo" on a grave without a headstone photo: anyone may ask, with an email to be told
 * or none. The request goes on the cemetery's work list and counts on its dashboard; when a photo
 * is put on the grave (grave-photo.ts, whoever sends it) the open requests are fulfilled in that
 * transaction and the requesters who confirmed their address are told, once.
 */
import type { Db, Knex } from '../db/knex.js';
import { Conflict, NotFound, RateLimited } from '../http/errors.js';
import { takeHits } from '../limits/rate-limit.queries.js';
import type { MailSite } from '../notify/mail-templates.js';
import { contactLimits, graveSubjects, normalizeEmail, queueNotification, requestFollow } from '../notify/notify.service.js';
import { graveUrl } from '../records/urls.js';
import { fulfilRequests, insertPhotoRequest, requestableGrave } from './photo-requests.queries.js';
import { InvalidInput } from '../http/errors.js';

export const PHOTO_REQUESTS_PER_ADDRESS_HOUR = 10;
export const PHOTO_REQUESTS_PER_EMAIL_HOUR = 5;

export class TooManyPhotoRequests extends RateLimited {
  constructor(retryAfterSeconds: number) {
    super(retryAfterSeconds, 'too_many_photo_requests', 'Too many photo requests from this address or for this email; please try again later.');
  }
}

export class GraveHasPhoto extends Conflict {
  constructor() {
    super('grave_has_photo', 'This grave already has a headstone photo.');
  }
}

export async function requestPhoto(db: Db, site: MailSite, input: { graveId: number; email: string; locale: 'vi' | 'en'; ip: string | null }): Promise<{ requestId: number; willTell: boolean }> {
  const email = input.email.trim() ? (normalizeEmail(input.email) ?? null) : null;
  if (input.email.trim() && !email) throw new InvalidInput('That is not an email address.', { field: 'email' }, 'invalid_email');
  const grave = await requestableGrave(db, input.graveId);
  // A withheld headstone is never photographed for the public: answered as an unknown grave.
  if (!grave || grave.withheld) throw new NotFound();
  if (grave.has_photo) throw new GraveHasPhoto();
  return db.transaction(async (trx) => {
    const room = await takeHits(trx, contactLimits('photo_request', input.ip, email, PHOTO_REQUESTS_PER_ADDRESS_HOUR, PHOTO_REQUESTS_PER_EMAIL_HOUR));
    if (!room.ok) throw new TooManyPhotoRequests(room.retryAfterSeconds);
    const requestId = await insertPhotoRequest(trx, grave.id, Number(grave.cemetery_id));
    if (email) await requestFollow(db, site, { email, locale: input.locale, cadence: 'immediate', target: { type: 'photo_request', id: requestId, graveId: grave.id }, ip: null }, trx);
    return { requestId, willTell: Boolean(email) };
  });
}

/**
 * Called where a photo becomes a grave's current one, in that transaction: the grave's followers
 * hear of the photo, and its open requests are fulfilled and their requesters told.
 */
export async function photoPlaced(trx: Knex, graveId: number, photoId: number): Promise<void> {
  const subjects = await graveSubjects(trx, graveId);
  if (!subjects.length) return;
  await queueNotification(trx, { kind: 'photo_added', subjects, details: { path: graveUrl(graveId) } });
  const fulfilled = await fulfilRequests(trx, graveId, photoId);
  if (fulfilled.length) await queueNotification(trx, { kind: 'photo_request_fulfilled', subjects: fulfilled.map((id) => `photo_request:${id}`), details: { path: graveUrl(graveId) } });
}
