/**
 * Officers review a request's candidate graves: the grave's cemetery's province decides. Confirming
 * links the martyr (the request's record, or a new one made from the notice) to the grave, which
 * becomes identified, with the audit rows and the request's timeline in the same transaction (the
 * search outbox rows come from the database's triggers). Rejecting needs a reason; referring to DNA
 * identification only records that status: the portal stores no genetic data.
 */
import { writeAudit } from '../audit/audit.js';
import type { Scope } from '../accounts/scope.js';
import type { Db, Knex } from '../db/knex.js';
import { Conflict, InvalidInput, NotFound, NotInScope } from '../http/errors.js';
import { graveSubjects, queueNotification } from '../notify/notify.service.js';
import { insertRequestEvent } from './matching.queries.js';
import {
  candidateById, candidateQueue, decideCandidate, graveForConfirm, insertMartyrFromNotice, linkMartyrToGrave, markRequestFound, martyrForConfirm,
  staffRequestEvents, withdrawOthers, type CandidateDetail, type QueueFilter,
} from './review.queries.js';

export type Actor = { userId: number; ip: string | null };

export class CandidateActedMeanwhile extends Conflict {
  constructor() {
    super('conflict', 'Another officer has acted on this candidate in the meantime. Reload it to see what changed.');
  }
}

export { candidateQueue, type QueueFilter };

export async function candidateView(db: Db, scope: Scope, id: number) {
  const c = await candidateById(db, scope, id);
  if (!c) throw new NotFound();
  return { candidate: c, events: await staffRequestEvents(db, Number(c.request_id)) };
}

async function decidable(trx: Knex, scope: Scope, id: number, version: number): Promise<CandidateDetail> {
  const c = await candidateById(trx, scope, id, true);
  if (!c) throw new NotFound();
  // The hometown's officers see the candidate; only the cemetery's province decides on it.
  if (!c.decides) throw new NotInScope();
  if (c.status !== 'proposed' || c.version !== version) throw new CandidateActedMeanwhile();
  return c;
}

/**
 * Confirms a candidate: the one function every confirmation goes through (issue 18 adds its
 * notification call here). Returns the martyr linked.
 */
export async function confirmCandidate(db: Db, scope: Scope, actor: Actor, id: number, version: number, note: string | null): Promise<{ martyrId: number; graveId: number; requestId: number }> {
  return db.transaction(async (trx) => {
    const c = await decidable(trx, scope, id, version);
    const grave = await graveForConfirm(trx, Number(c.grave_id));
    if (!grave || grave.state === 'identified') throw new Conflict('grave_identified', 'This grave has been identified in the meantime.');
    let martyrId = c.martyr_id === null ? null : Number(c.martyr_id);
    const audit = (entry: Omit<Parameters<typeof writeAudit>[1], 'actorUserId' | 'ip'>) => writeAudit(trx, { ...entry, actorUserId: actor.userId, ip: actor.ip });
    if (martyrId !== null) {
      const m = await martyrForConfirm(trx, martyrId);
      if (!m) throw new NotFound();
      if (m.grave_id !== null) throw new Conflict('martyr_has_grave', 'The martyr of this request already has a grave.');
    } else {
      const columns = {
        full_name: c.full_name, hometown_text: c.hometown_text, unit: c.unit, rank: c.rank, birth_year: c.birth_year,
        death_year: c.death_year, death_month: c.death_month, death_day: c.death_day, place_of_death: c.place_of_death,
        hometown_province_code: null,
      };
      martyrId = await insertMartyrFromNotice(trx, columns);
      await audit({ action: 'martyr.create', entityType: 'martyr', entityId: martyrId, after: { ...columns, familyRequestId: Number(c.request_id) } });
    }
    if (!(await decideCandidate(trx, id, version, 'confirmed', note, actor.userId))) throw new CandidateActedMeanwhile();
    await linkMartyrToGrave(trx, martyrId, Number(c.grave_id));
    await markRequestFound(trx, Number(c.request_id), martyrId);
    await withdrawOthers(trx, Number(c.request_id), Number(c.grave_id), id);
    await audit({ action: 'martyr.update', entityType: 'martyr', entityId: martyrId, before: { graveId: null }, after: { graveId: Number(c.grave_id) }, reason: note });
    await audit({ action: 'grave.update', entityType: 'grave', entityId: Number(c.grave_id), before: { state: grave.state }, after: { state: 'identified', martyrId } });
    await audit({ action: 'family_request.confirm', entityType: 'family_request', entityId: Number(c.request_id), after: { candidateId: id, graveId: Number(c.grave_id), martyrId }, reason: note });
    await insertRequestEvent(trx, { requestId: Number(c.request_id), kind: 'confirmed', candidateId: id, publicMessage: note, actorUserId: actor.userId });
    // The family that asked, and whoever follows the grave or the martyr, hear who lies here.
    await queueNotification(trx, { kind: 'grave_identified', subjects: [...(await graveSubjects(trx, Number(c.grave_id))), `request:${Number(c.request_id)}`] });
    return { martyrId, graveId: Number(c.grave_id), requestId: Number(c.request_id) };
  });
}

export async function rejectCandidate(db: Db, scope: Scope, actor: Actor, id: number, version: number, reason: string): Promise<void> {
  if (!reason.trim()) throw new InvalidInput('reason: a reason is needed to reject', { field: 'reason' }, 'bad_request');
  await db.transaction(async (trx) => {
    const c = await decidable(trx, scope, id, version);
    if (!(await decideCandidate(trx, id, version, 'rejected', reason.trim(), actor.userId))) throw new CandidateActedMeanwhile();
    await writeAudit(trx, { actorUserId: actor.userId, action: 'family_request.reject_candidate', entityType: 'family_request', entityId: Number(c.request_id), after: { candidateId: id, graveId: Number(c.grave_id) }, reason: reason.trim(), ip: actor.ip });
    await insertRequestEvent(trx, { requestId: Number(c.request_id), kind: 'rejected', candidateId: id, publicMessage: reason.trim(), actorUserId: actor.userId });
  });
}

/** The candidate goes to DNA identification: a status and the programmes' addresses for the family, no genetic data. */
export async function referCandidateToDna(db: Db, scope: Scope, actor: Actor, id: number, version: number, note: string | null): Promise<void> {
  await db.transaction(async (trx) => {
    const c = await decidable(trx, scope, id, version);
    if (!(await decideCandidate(trx, id, version, 'dna_referred', note, actor.userId))) throw new CandidateActedMeanwhile();
    await writeAudit(trx, { actorUserId: actor.userId, action: 'family_request.refer_dna', entityType: 'family_request', entityId: Number(c.request_id), after: { candidateId: id, graveId: Number(c.grave_id) }, reason: note, ip: actor.ip });
    await insertRequestEvent(trx, { requestId: Number(c.request_id), kind: 'dna_referred', candidateId: id, publicMessage: note, actorUserId: actor.userId });
  });
}
