/**
 * Remembrance on a martyr's page: thắp nén hương (one stick per visitor per day, the visitor known
 * only by a random cookie, stored hashed; no address kept) and short messages that show once a
 * staff member of the martyr's province or cemetery approved them.
 */
import { createHash, randomBytes } from 'node:crypto';
import { martyrInScope, type Scope } from '../accounts/scope.js';
import { writeAudit } from '../audit/audit.js';
import type { Db } from '../db/knex.js';
import { InvalidInput, NotFound, RateLimited } from '../http/errors.js';
import { takeHits } from '../limits/rate-limit.queries.js';
import { contactLimits } from '../notify/notify.service.js';
import { approvedMessages, incenseTotal, insertMessage, isPublicMartyr, lightIncense, moderateMessage, pendingMessageCount, pendingMessages } from './remembrance.queries.js';

export const MESSAGES_PER_ADDRESS_HOUR = 5;
export const MESSAGE_MAX = 1000;
export const AUTHOR_MAX = 100;

export class TooManyMessages extends RateLimited {
  constructor(retryAfterSeconds: number) {
    super(retryAfterSeconds, 'too_many_messages', 'Too many messages from this address; please try again later.');
  }
}

/** A new visitor's cookie value: random, meaningless outside this portal. */
export const newVisitorId = () => randomBytes(16).toString('hex');
export const isVisitorId = (v: unknown): v is string => typeof v === 'string' && /^[0-9a-f]{32}$/.test(v);
const visitorHash = (id: string) => createHash('sha256').update(`incense:${id}`).digest('hex');

export async function lightIncenseFor(db: Db, martyrId: number, visitorId: string): Promise<{ lit: boolean; sticks: number }> {
  if (!(await isPublicMartyr(db, martyrId))) throw new NotFound();
  return db.transaction((trx) => lightIncense(trx, martyrId, visitorHash(visitorId)));
}

export async function remembranceOf(db: Db, martyrId: number) {
  const [sticks, messages] = await Promise.all([incenseTotal(db, martyrId), approvedMessages(db, martyrId, 50)]);
  return { sticks, messages };
}

export async function leaveMessage(db: Db, input: { martyrId: number; authorName: string; body: string; ip: string | null }): Promise<number> {
  const body = input.body.normalize('NFC').trim();
  const author = input.authorName.normalize('NFC').trim();
  if (!body || [...body].length > MESSAGE_MAX) throw new InvalidInput('The message must be 1 to 1000 characters.', { field: 'body' }, 'bad_request');
  if ([...author].length > AUTHOR_MAX) throw new InvalidInput('The name must be at most 100 characters.', { field: 'authorName' }, 'bad_request');
  if (!(await isPublicMartyr(db, input.martyrId))) throw new NotFound();
  return db.transaction(async (trx) => {
    const room = await takeHits(trx, contactLimits('remembrance', input.ip, null, MESSAGES_PER_ADDRESS_HOUR, 0));
    if (!room.ok) throw new TooManyMessages(room.retryAfterSeconds);
    return insertMessage(trx, { martyrId: input.martyrId, authorName: author || null, body });
  });
}

export const moderationQueue = (db: Db, scope: Scope) => pendingMessages(db, martyrInScope(scope), 200);
export const moderationCount = (db: Db, scope: Scope) => pendingMessageCount(db, martyrInScope(scope));

export async function moderate(db: Db, scope: Scope, userId: number, id: number, decision: 'approved' | 'rejected'): Promise<void> {
  // Audited on the martyr the message was left for (the audit log's entity types); the text is not copied.
  const done = await db.transaction(async (trx) => {
    const martyrId = await moderateMessage(trx, id, martyrInScope(scope), decision, userId);
    if (martyrId !== undefined) await writeAudit(trx, { actorUserId: userId, action: `remembrance.${decision}`, entityType: 'martyr', entityId: martyrId, after: { messageId: id } });
    return martyrId !== undefined;
  });
  if (!done) throw new NotFound();
}
