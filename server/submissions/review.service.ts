/**
 * Officers review submissions of their jurisdiction: a queue, a side-by-side view of the record and
 * what is proposed, and a decision. Accepting applies the (possibly adjusted) values to the record
 * in one transaction with the audit rows; the search outbox rows are written by the database's
 * triggers in that same transaction. Two officers deciding at once: the second gets a conflict.
 */
import { changedFields, writeAudit } from '../audit/audit.js';
import type { Scope } from '../accounts/scope.js';
import type { Db, Knex } from '../db/knex.js';
import { Conflict, InvalidInput, NotFound } from '../http/errors.js';
import { placeOnGrave, storeGravePhoto } from '../photos/grave-photo.js';
import type { ProcessingQueue } from '../photos/photo-processing.js';
import type { NewPhoto } from '../photos/photos.queries.js';
import type { FileStore } from '../storage/file-store.js';
import { isUniqueViolation, PLOT_UNIQUE } from '../http/db-errors.js';
import { CemeteryNotInScope, parseAdjusted } from './accept.schema.js';
import {
  advanceSubmission, cemeteryReachable, firstImage, graveAtPlotForUpdate, graveForReview, graveStateForUpdate, insertEvent, insertIdentifiedGrave,
  insertMartyrFromSubmission, markGraveIdentified, martyrById, OPEN_STATUSES, otherMartyrInGrave, queueFigures, sectionIdByCode, staffEvents,
  submissionFile, submissionFiles, submissionInScopeById, updateMartyrFromSubmission, type QueueFilter, type SubmissionRow,
} from './review.queries.js';
import { provenanceField, provenanceFor, writeProvenance } from '../provenance/provenance.queries.js';
import { graveSubjects, martyrSubjects, queueNotification } from '../notify/notify.service.js';
import { martyrUrl } from '../records/urls.js';
import { MARTYR_FIELDS, martyrColumns, martyrSnapshot, ProposalError, type MartyrSnapshot, type Proposal } from './proposal.js';

export { OPEN_STATUSES, type QueueFilter };

export type Actor = { userId: number; ip: string | null };

/** Someone else acted on the submission first (or it is past this step): reload and see. */
export class ActedMeanwhile extends Conflict {
  constructor(message: string) {
    super('conflict', message);
  }
}

/** A decision the rules refuse as asked (no reason, no question, a value the records cannot take): the form comes back. */
const refused = (message: string) => new InvalidInput(message, undefined, 'bad_request');

/** The queue, oldest first, with counts by status and the figures officers watch, all within scope. */
export async function reviewQueue(db: Db, scope: Scope, filter: QueueFilter) {
  const { medianDays, ...figures } = await queueFigures(db, scope, filter);
  return { ...figures, medianDaysToDecision: medianDays === null ? null : Math.round(medianDays * 10) / 10 };
}

async function loadInScope(db: Knex, scope: Scope, id: number, forUpdate = false): Promise<SubmissionRow> {
  const s = await submissionInScopeById(db, scope, id, forUpdate);
  // Out of scope and unknown look alike.
  if (!s) throw new NotFound();
  return s;
}

export type FieldRow = { field: string; current: string; proposed: string; changed: boolean; changedSinceSent: boolean; sentAs: string };

/**
 * Everything an officer needs to decide, including what changed in the record since it was sent.
 * Only reads: opening a submission changes nothing (taking it up is startReview).
 */
export async function reviewView(db: Db, scope: Scope, id: number) {
  const s = await loadInScope(db, scope, id);
  const files = await submissionFiles(db, id);
  const events = await staffEvents(db, id);
  let current: MartyrSnapshot | null = null;
  if (s.martyr_id) {
    const m = await martyrById(db, s.martyr_id);
    if (m) current = martyrSnapshot(m);
  }
  const proposed = s.proposed ?? {};
  const fields: FieldRow[] = (s.kind === 'martyr_correction' || s.kind === 'grave_identity' || s.kind === 'new_person' ? [...MARTYR_FIELDS] : Object.keys(proposed)).map((field) => {
    const cur = (current as Record<string, string> | null)?.[field] ?? '';
    const sentAs = (s.record_snapshot as Record<string, string> | null)?.[field] ?? cur;
    const prop = (proposed as Record<string, string>)[field];
    return { field, current: cur, proposed: prop ?? cur, changed: prop !== undefined && prop !== cur, changedSinceSent: Boolean(s.record_snapshot) && sentAs !== cur, sentAs };
  });
  const grave = s.grave_id ? await graveForReview(db, s.grave_id) : null;
  return { submission: s, files, events, fields, recordChangedSinceSent: fields.some((f) => f.changedSinceSent), grave, open: (OPEN_STATUSES as readonly string[]).includes(s.status) };
}

/** Moves an open submission on, or fails with a conflict if someone else got there first. */
async function advance(trx: Knex, s: SubmissionRow, version: number, changes: Record<string, unknown>, decidedBy?: number): Promise<void> {
  if (!(await advanceSubmission(trx, s.id, version, changes, decidedBy))) throw new ActedMeanwhile('Another officer has acted on this submission in the meantime. Reload it to see what changed.');
}

/** The sender (and whoever follows the submission) hears of every step they see on the tracking page. */
const submissionStep = (trx: Knex, s: Pick<SubmissionRow, 'id' | 'tracking_code'>, status: string) =>
  queueNotification(trx, { kind: 'submission_update', subjects: [`submission:${s.id}`], details: { status, path: `/theo-doi/${s.tracking_code}` } });

/** An officer takes a received submission up: it is in review from now on, which the sender sees. */
export async function startReview(db: Db, scope: Scope, actor: Actor, id: number, version: number): Promise<void> {
  await db.transaction(async (trx) => {
    const s = await loadInScope(trx, scope, id, true);
    if (s.status !== 'received') throw new ActedMeanwhile('This submission is already being reviewed or has been decided.');
    await advance(trx, s, version, { status: 'in_review' });
    await insertEvent(trx, { submissionId: id, kind: 'in_review', actorUserId: actor.userId });
    await submissionStep(trx, s, 'in_review');
    await writeAudit(trx, { actorUserId: actor.userId, action: 'submission.in_review', entityType: 'submission', entityId: id, submissionId: id, before: { status: 'received' }, after: { status: 'in_review' }, ip: actor.ip });
  });
}

export async function rejectSubmission(db: Db, scope: Scope, actor: Actor, id: number, version: number, reason: string): Promise<void> {
  if (!reason.trim()) throw refused('reason: a reason is needed to reject');
  await db.transaction(async (trx) => {
    const s = await loadInScope(trx, scope, id, true);
    await advance(trx, s, version, { status: 'rejected', decision_reason: reason.trim() }, actor.userId);
    await insertEvent(trx, { submissionId: id, kind: 'rejected', publicMessage: reason.trim(), actorUserId: actor.userId });
    await submissionStep(trx, s, 'rejected');
    await writeAudit(trx, { actorUserId: actor.userId, action: 'submission.reject', entityType: 'submission', entityId: id, submissionId: id, before: { status: s.status }, after: { status: 'rejected' }, reason: reason.trim(), ip: actor.ip });
  });
}

export async function askForInformation(db: Db, scope: Scope, actor: Actor, id: number, version: number, question: string): Promise<void> {
  if (!question.trim()) throw refused('question: write what is needed');
  await db.transaction(async (trx) => {
    const s = await loadInScope(trx, scope, id, true);
    await advance(trx, s, version, { status: 'needs_info', info_request: question.trim(), answer: null, answered_at: null });
    await insertEvent(trx, { submissionId: id, kind: 'needs_info', publicMessage: question.trim(), actorUserId: actor.userId });
    await submissionStep(trx, s, 'needs_info');
    await writeAudit(trx, { actorUserId: actor.userId, action: 'submission.needs_info', entityType: 'submission', entityId: id, submissionId: id, before: { status: s.status }, after: { status: 'needs_info' }, reason: question.trim(), ip: actor.ip });
  });
}

/** Evidence is read from the private store; a headstone photo's files go to the photo store, one image at a time per process. */
export type ReviewStores = { privateStore: FileStore; photoStore: FileStore; queue: ProcessingQueue };

/**
 * Accepts: applies the values (as the officer adjusted them, checked for the kind first) to the
 * records, all in one transaction; a value the records cannot take writes nothing. A headstone
 * photo is encoded and stored before the transaction (its files are content-addressed).
 */
export async function acceptSubmission(db: Db, stores: ReviewStores, scope: Scope, actor: Actor, id: number, version: number, given: Proposal, note: string | null): Promise<void> {
  const photo = await prepareHeadstonePhoto(db, stores, scope, id);
  await db.transaction(async (trx) => {
    const s = await loadInScope(trx, scope, id, true);
    const adjusted = parseAdjusted(s.kind, given);
    await advance(trx, s, version, { status: 'accepted', decision_reason: note }, actor.userId);
    // Every field an accepted submission sets is the submission's from now on (field_provenance).
    const audit = async (entry: Omit<Parameters<typeof writeAudit>[1], 'actorUserId' | 'submissionId' | 'ip'>) => {
      await writeAudit(trx, { ...entry, actorUserId: actor.userId, submissionId: id, ip: actor.ip });
      if ((entry.entityType === 'martyr' || entry.entityType === 'grave') && entry.entityId && entry.after && typeof entry.after === 'object') {
        const fields = [...new Set(Object.keys(entry.after as object).map((k) => (entry.entityType === 'martyr' ? provenanceField(k === 'graveId' ? 'grave_id' : k) : k)))];
        await writeProvenance(trx, provenanceFor(entry.entityType, entry.entityId, fields, { sourceKind: 'submission', submissionId: id, changedBy: actor.userId }));
      }
    };
    try {
      await applyProposal(trx, photo, scope, s, adjusted, audit);
    } catch (error) {
      if (error instanceof ProposalError) throw refused(error.message);
      // Only the plot's own uniqueness means "taken"; any other violation is a fault to surface.
      if (isUniqueViolation(error, PLOT_UNIQUE)) throw refused('That plot already has a grave; choose another or link to it.');
      throw error;
    }
    await insertEvent(trx, { submissionId: id, kind: 'accepted', publicMessage: note, actorUserId: actor.userId });
    await submissionStep(trx, s, 'accepted');
    await audit({ action: 'submission.accept', entityType: 'submission', entityId: id, before: { status: s.status }, after: { status: 'accepted', applied: adjusted }, reason: note });
  });
}

type AuditFn = (entry: { action: string; entityType: 'martyr' | 'grave' | 'photo' | 'submission'; entityId: number; before?: unknown; after?: unknown; reason?: string | null }) => Promise<void>;

async function applyProposal(trx: Knex, photo: NewPhoto | null, scope: Scope, s: SubmissionRow, adjusted: Proposal, audit: AuditFn): Promise<void> {
  switch (s.kind) {
    case 'martyr_correction': {
      const before = await martyrById(trx, Number(s.martyr_id), true);
      if (!before) throw new NotFound();
      const columns = martyrColumns(adjusted);
      const diff = changedFields(before, columns as Record<string, unknown>);
      if (!Object.keys(diff.after).length) return;
      await updateMartyrFromSubmission(trx, Number(s.martyr_id), columns);
      await audit({ action: 'martyr.update', entityType: 'martyr', entityId: Number(s.martyr_id), ...diff });
      await queueNotification(trx, { kind: 'record_corrected', subjects: await martyrSubjects(trx, Number(s.martyr_id)) });
      return;
    }
    case 'new_person':
    case 'grave_identity': {
      const columns = martyrColumns(adjusted);
      if (!columns.full_name) throw new ProposalError('fullName', 'fullName: a name is needed');
      const martyrId = await insertMartyrFromSubmission(trx, { ...columns, hometown_province_code: s.kind === 'new_person' ? s.province_code : null, grave_id: s.kind === 'grave_identity' ? s.grave_id : null });
      await audit({ action: 'martyr.create', entityType: 'martyr', entityId: martyrId, after: columns });
      if (s.kind === 'grave_identity') {
        const grave = await graveStateForUpdate(trx, Number(s.grave_id));
        await markGraveIdentified(trx, Number(s.grave_id));
        await audit({ action: 'grave.update', entityType: 'grave', entityId: Number(s.grave_id), before: { state: grave!.state }, after: { state: 'identified' } });
        await queueNotification(trx, { kind: 'grave_identified', subjects: await graveSubjects(trx, Number(s.grave_id)) });
      }
      // Saved searches are asked whether they find the new record (notify.service.ts).
      const fullName = String(columns.full_name);
      await queueNotification(trx, { kind: 'new_record', subjects: [], details: { martyrId, name: fullName, path: martyrUrl(martyrId, fullName) } });
      return;
    }
    case 'martyr_grave_info':
      return linkBurial(trx, scope, s, adjusted, audit);
    case 'headstone_photo':
      return addHeadstonePhoto(trx, photo, s, audit);
  }
}

/**
 * Links the martyr to the grave at the given plot (made if the plot is empty) or at the given point.
 * The cemetery must be one the officer's jurisdiction covers: a submission routed to a province
 * does not let its officer write graves into another's.
 */
async function linkBurial(trx: Knex, scope: Scope, s: SubmissionRow, p: Proposal, audit: AuditFn): Promise<void> {
  const martyr = await martyrById(trx, Number(s.martyr_id), true);
  if (!martyr) throw new NotFound();
  const cemeteryId = p.cemeteryId ? Number(p.cemeteryId) : null;
  if (!cemeteryId) throw new ProposalError('cemeteryId', 'cemeteryId: choose the cemetery the grave is in');
  if (!(await cemeteryReachable(trx, scope, cemeteryId))) throw new CemeteryNotInScope();
  const section = p.section ? await sectionIdByCode(trx, cemeteryId, p.section) : null;
  if (p.section && !section) throw new ProposalError('section', `section: this cemetery has no section ${p.section}`);
  const position = p.lat && p.lng ? { lat: Number(p.lat), lng: Number(p.lng) } : null;
  const plot = { cemeteryId, sectionId: section?.id ?? null, row: p.row || null, number: p.number || null };
  let grave: { id: number; state: string; is_collective?: boolean } | undefined = p.number ? await graveAtPlotForUpdate(trx, plot) : undefined;
  if (grave && grave.state === 'identified' && !grave.is_collective) {
    const other = await otherMartyrInGrave(trx, grave.id, martyr.id);
    if (other) throw new ProposalError('number', `number: that grave already holds martyr #${other.id}; check the plot`);
  }
  if (!grave) {
    grave = await insertIdentifiedGrave(trx, plot, position);
    await audit({ action: 'grave.create', entityType: 'grave', entityId: Number(grave.id), after: { cemeteryId, section: p.section, row: p.row, number: p.number, lat: p.lat, lng: p.lng } });
  } else if (grave.state !== 'identified' || position) {
    await markGraveIdentified(trx, grave.id, position);
    await audit({ action: 'grave.update', entityType: 'grave', entityId: Number(grave.id), before: { state: grave.state }, after: { state: 'identified', ...(position ? { lat: p.lat, lng: p.lng } : {}) } });
  }
  await updateMartyrFromSubmission(trx, Number(martyr.id), { grave_id: grave.id });
  await audit({ action: 'martyr.update', entityType: 'martyr', entityId: Number(martyr.id), before: { graveId: martyr.grave_id }, after: { graveId: Number(grave.id) } });
  await queueNotification(trx, { kind: 'record_corrected', subjects: await martyrSubjects(trx, Number(martyr.id)) });
}

/**
 * The files of a headstone-photo submission's photo (the first image sent), made and stored before
 * the accepting transaction opens (grave-photo.ts); null for the other kinds and for decided ones.
 */
async function prepareHeadstonePhoto(db: Db, stores: ReviewStores, scope: Scope, id: number): Promise<NewPhoto | null> {
  const s = await loadInScope(db, scope, id);
  if (s.kind !== 'headstone_photo' || !(OPEN_STATUSES as readonly string[]).includes(s.status)) return null;
  const file = await firstImage(db, s.id);
  if (!file) throw refused('files: no photo was sent');
  if (!(await stores.privateStore.exists(file.storage_key))) throw new Conflict('evidence_missing', 'The photo sent with this submission is no longer stored; ask the sender to send it again.');
  const chunks: Buffer[] = [];
  for await (const chunk of stores.privateStore.read(file.storage_key)) chunks.push(chunk as Buffer);
  return storeGravePhoto(stores.photoStore, stores.queue, Number(s.grave_id), Buffer.concat(chunks));
}

/** The sent photo becomes the grave's current headstone photo, through the one pipeline field photos take. */
async function addHeadstonePhoto(trx: Knex, photo: NewPhoto | null, s: SubmissionRow, audit: AuditFn): Promise<void> {
  // Prepared for this very submission; absent only if it was decided meanwhile, which advance() refused already.
  if (!photo || photo.graveId !== Number(s.grave_id)) throw new ProposalError('files', 'files: no photo was sent');
  await placeOnGrave(trx, audit, photo, { method: 'submission', details: { submission_id: s.id } });
}

/** An evidence file, for officers only. */
export async function evidenceFile(db: Db, scope: Scope, submissionId: number, fileId: number) {
  await loadInScope(db, scope, submissionId);
  const file = await submissionFile(db, submissionId, fileId);
  if (!file) throw new NotFound();
  return file;
}
