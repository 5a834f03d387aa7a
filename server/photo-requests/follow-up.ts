/** The staff home's follow-up figures: graves asked for a photo, messages to moderate, mail waiting (admins). */
import { cemeteryInScope, hasRole, type Scope } from '../accounts/scope.js';
import type { Db } from '../db/knex.js';
import { waitingMailFigures } from '../notify/notify.queries.js';
import { moderationCount } from '../remembrance/remembrance.service.js';
import { openRequestsInScope } from './photo-requests.queries.js';

export async function followUpCounts(db: Db, scope: Scope): Promise<{ photoRequests: number; pendingMessages: number; mailWaiting: number }> {
  const [photoRequests, pendingMessages, mail] = await Promise.all([
    openRequestsInScope(db, cemeteryInScope(scope)),
    moderationCount(db, scope),
    hasRole(scope, 'admin') ? waitingMailFigures(db) : Promise.resolve({ waiting: 0 }),
  ]);
  return { photoRequests, pendingMessages, mailWaiting: mail.waiting };
}
