/**
 * Officers review submissions of their jurisdiction: a queue, a side-by-side view of the record and
 * what is proposed, and a decision. Accepting applies the (possibly adjusted) values to the record
 * in one transaction with the audit rows; the search outbox rows are written by the database's
 * triggers in that same transaction. Two officers deciding at once: the second gets a conflict.
 */
import { changedFields, writeAudit } from '../audit/audit.js';
import type { Scope } from '../accounts/scope.js';
import { submissionInScope } from '../accounts/scope.js';
import type { Db, Knex } from '../db/knex.js';
import { AppError, BadRequestError, Conflict, NotFoundError } from '../http/errors.js';
import { placeOnGrave, storeGravePhoto } from '../photos/grave-photo.js';
import type { ProcessingQueue } from '../photos/photo-processing.js';
import type { NewPhoto } from '../photos/photos.queries.js';
import type { FileStore } from '../storage/file-store.js';
import { CemeteryNotInScope, parseAdjusted } from './accept.schema.js';
import { cemeteryReachable } from './review.queries.js';
import { MARTYR_FIELDS, martyrColumns, martyrSnapshot, ProposalError, type MartyrSnapshot, type Proposal, type SubmissionKind } from './proposal.js';

export const OPEN_STATUSES = ['received', 'in_review', 'needs_info'] as const;

export type QueueFilter = { status?: string; kind?: string; province?: string; olderThanDays?: number; page: number; perPage: number };

export type Actor = { userId: number; ip: string | null };

type SubmissionRow = {
  id: number; tracking_code: string; kind: SubmissionKind; status: string; martyr_id: number | null; grave_id: number | null; cemetery_id: number | null;
  province_code: string | null; sender_name: string; sender_contact: string; sender_relation: string | null; message: string;
  proposed: Proposal; record_snapshot: MartyrSnapshot | null; decision_reason: string | null; info_request: string | null; answer: string | null;
  version: number; created_at: Date; decided_at: Date | null;
};

/** The queue, oldest first, with counts by status and the figures officers watch, all within scope. */
export async function reviewQueue(db: Db, scope: Scope, filter: QueueFilter) {
  const inScope = submissionInScope(scope);
  const where: string[] = [inScope.sql];
  const bindings: Knex.Value[] = [...inScope.bindings];
  if (filter.status) {
    if (filter.status === 'open') where.push(`s.status IN ('received', 'in_review', 'needs_info')`);
    else {
      where.push('s.status = ?');
      bindings.push(filter.status);
    }
  }
  if (filter.kind) {
    where.push('s.kind = ?');
    bindings.push(filter.kind);
  }
  if (filter.province) {
    where.push('s.province_code = ?');
    bindings.push(filter.province);
  }
  if (filter.olderThanDays) {
    where.push(`s.created_at < now() - make_interval(days => ?)`);
    bindings.push(filter.olderThanDays);
  }
  const clause = where.join(' AND ');
  const [items, total, byStatus, byProvince, median] = await Promise.all([
    db.raw(
      `SELECT s.id, s.tracking_code, s.kind, s.status, s.created_at, s.province_code, p.name AS province_name,
              m.full_name AS martyr_name, s.grave_id, extract(day FROM now() - s.created_at)::int AS age_days
       FROM submissions s LEFT JOIN provinces p ON p.code = s.province_code LEFT JOIN martyrs m ON m.id = s.martyr_id
       WHERE ${clause} ORDER BY s.created_at, s.id LIMIT ? OFFSET ?`,
      [...bindings, filter.perPage, (filter.page - 1) * filter.perPage],
    ),
    db.raw(`SELECT count(*) AS n FROM submissions s WHERE ${clause}`, bindings),
    db.raw(`SELECT s.status, count(*) AS n FROM submissions s WHERE ${inScope.sql} GROUP BY s.status`, inScope.bindings),
    db.raw(
      `SELECT s.province_code AS code, p.name, count(*) AS n FROM submissions s LEFT JOIN provinces p ON p.code = s.province_code
       WHERE ${inScope.sql} AND s.status IN ('received', 'in_review', 'needs_info') GROUP BY s.province_code, p.name ORDER BY n DESC`,
      inScope.bindings,
    ),
    db.raw(
      `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM s.decided_at - s.created_at) / 86400) AS days
       FROM submissions s WHERE ${inScope.sql} AND s.decided_at IS NOT NULL`,
      inScope.bindings,
    ),
  ]);
  return {
    items: items.rows,
    total: Number(total.rows[0].n),
    byStatus: Object.fromEntries(byStatus.rows.map((r: { status: string; n: number }) => [r.status, Number(r.n)])) as Record<string, number>,
    openByProvince: byProvince.rows.map((r: { code: string | null; name: string | null; n: number }) => ({ code: r.code, name: r.name, count: Number(r.n) })),
    medianDaysToDecision: median.rows[0].days === null ? null : Math.round(Number(median.rows[0].days) * 10) / 10,
  };
}

async function loadInScope(db: Knex, scope: Scope, id: number, forUpdate = false): Promise<SubmissionRow> {
  const inScope = submissionInScope(scope);
  const { rows } = await db.raw<{ rows: SubmissionRow[] }>(`SELECT s.* FROM submissions s WHERE s.id = ? AND ${inScope.sql}${forUpdate ? ' FOR UPDATE' : ''}`, [id, ...inScope.bindings]);
  // Out of scope and unknown look alike.
  if (!rows[0]) throw new NotFoundError();
  return rows[0];
}

export type FieldRow = { field: string; current: string; proposed: string; changed: boolean; changedSinceSent: boolean; sentAs: string };

/**
 * Everything an officer needs to decide, including what changed in the record since it was sent.
 * Only reads: opening a submission changes nothing (taking it up is startReview).
 */
export async function reviewView(db: Db, scope: Scope, id: number) {
  const s = await loadInScope(db, scope, id);
  const files = await db('submission_files').where({ submission_id: id }).orderBy('id').select('id', 'media_type', 'bytes', 'width', 'height');
  const events = await db('submission_events as e').leftJoin('users as u', 'u.id', 'e.actor_user_id').where({ submission_id: id }).orderBy('e.id').select('e.kind', 'e.at', 'e.public_message', 'u.display_name');
  let current: MartyrSnapshot | null = null;
  if (s.martyr_id) {
    const m = await db('martyrs').where({ id: s.martyr_id }).first();
    if (m) current = martyrSnapshot(m);
  }
  const proposed = s.proposed ?? {};
  const fields: FieldRow[] = (s.kind === 'martyr_correction' || s.kind === 'grave_identity' || s.kind === 'new_person' ? [...MARTYR_FIELDS] : Object.keys(proposed)).map((field) => {
    const cur = (current as Record<string, string> | null)?.[field] ?? '';
    const sentAs = (s.record_snapshot as Record<string, string> | null)?.[field] ?? cur;
    const prop = (proposed as Record<string, string>)[field];
    return { field, current: cur, proposed: prop ?? cur, changed: prop !== undefined && prop !== cur, changedSinceSent: Boolean(s.record_snapshot) && sentAs !== cur, sentAs };
  });
  const grave = s.grave_id ? await db('graves as g').join('cemeteries as c', 'c.id', 'g.cemetery_id').where('g.id', s.grave_id).first('g.id', 'g.state', 'g.row_label', 'g.plot_number', 'c.name as cemetery_name', 'g.known_name', 'g.known_unit') : null;
  return { submission: s, files, events, fields, recordChangedSinceSent: fields.some((f) => f.changedSinceSent), grave, open: (OPEN_STATUSES as readonly string[]).includes(s.status) };
}

/** Moves an open submission on, or fails with a conflict if someone else got there first. */
async function advance(trx: Knex, s: SubmissionRow, version: number, changes: Record<string, unknown>): Promise<void> {
  const updated = await trx('submissions')
    .where({ id: s.id, version })
    .whereIn('status', [...OPEN_STATUSES])
    .update({ ...changes, version: trx.raw('version + 1'), updated_at: trx.raw('now()') });
  if (!updated) throw new AppError(409, 'conflict', 'Another officer has acted on this submission in the meantime. Reload it to see what changed.');
}

/** An officer takes a received submission up: it is in review from now on, which the sender sees. */
export async function startReview(db: Db, scope: Scope, actor: Actor, id: number, version: number): Promise<void> {
  await db.transaction(async (trx) => {
    const s = await loadInScope(trx, scope, id, true);
    if (s.status !== 'received') throw new AppError(409, 'conflict', 'This submission is already being reviewed or has been decided.');
    await advance(trx, s, version, { status: 'in_review' });
    await trx('submission_events').insert({ submission_id: id, kind: 'in_review', actor_user_id: actor.userId });
    await writeAudit(trx, { actorUserId: actor.userId, action: 'submission.in_review', entityType: 'submission', entityId: id, submissionId: id, before: { status: 'received' }, after: { status: 'in_review' }, ip: actor.ip });
  });
}

export async function rejectSubmission(db: Db, scope: Scope, actor: Actor, id: number, version: number, reason: string): Promise<void> {
  if (!reason.trim()) throw new BadRequestError('reason: a reason is needed to reject');
  await db.transaction(async (trx) => {
    const s = await loadInScope(trx, scope, id, true);
    await advance(trx, s, version, { status: 'rejected', decision_reason: reason.trim(), decided_by: actor.userId, decided_at: trx.raw('now()') });
    await trx('submission_events').insert({ submission_id: id, kind: 'rejected', public_message: reason.trim(), actor_user_id: actor.userId });
    await writeAudit(trx, { actorUserId: actor.userId, action: 'submission.reject', entityType: 'submission', entityId: id, submissionId: id, before: { status: s.status }, after: { status: 'rejected' }, reason: reason.trim(), ip: actor.ip });
  });
}

export async function askForInformation(db: Db, scope: Scope, actor: Actor, id: number, version: number, question: string): Promise<void> {
  if (!question.trim()) throw new BadRequestError('question: write what is needed');
  await db.transaction(async (trx) => {
    const s = await loadInScope(trx, scope, id, true);
    await advance(trx, s, version, { status: 'needs_info', info_request: question.trim(), answer: null, answered_at: null });
    await trx('submission_events').insert({ submission_id: id, kind: 'needs_info', public_message: question.trim(), actor_user_id: actor.userId });
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
    await advance(trx, s, version, { status: 'accepted', decision_reason: note, decided_by: actor.userId, decided_at: trx.raw('now()') });
    const audit = (entry: Omit<Parameters<typeof writeAudit>[1], 'actorUserId' | 'submissionId' | 'ip'>) => writeAudit(trx, { ...entry, actorUserId: actor.userId, submissionId: id, ip: actor.ip });
    try {
      await applyProposal(trx, photo, scope, s, adjusted, audit);
    } catch (error) {
      if (error instanceof ProposalError) throw new BadRequestError(error.message);
      if ((error as { code?: string }).code === '23505') throw new BadRequestError('That plot already has a grave; choose another or link to it.');
      throw error;
    }
    await trx('submission_events').insert({ submission_id: id, kind: 'accepted', public_message: note, actor_user_id: actor.userId });
    await audit({ action: 'submission.accept', entityType: 'submission', entityId: id, before: { status: s.status }, after: { status: 'accepted', applied: adjusted }, reason: note });
  });
}

type AuditFn = (entry: { action: string; entityType: 'martyr' | 'grave' | 'photo' | 'submission'; entityId: number; before?: unknown; after?: unknown; reason?: string | null }) => Promise<void>;

async function applyProposal(trx: Knex, photo: NewPhoto | null, scope: Scope, s: SubmissionRow, adjusted: Proposal, audit: AuditFn): Promise<void> {
  switch (s.kind) {
    case 'martyr_correction': {
      const before = await trx('martyrs').where({ id: s.martyr_id }).forUpdate().first();
      if (!before) throw new NotFoundError();
      const columns = martyrColumns(adjusted);
      const diff = changedFields(before, columns as Record<string, unknown>);
      if (!Object.keys(diff.after).length) return;
      await trx('martyrs').where({ id: s.martyr_id }).update({ ...columns, source: 'submission', updated_at: trx.raw('now()') });
      await audit({ action: 'martyr.update', entityType: 'martyr', entityId: Number(s.martyr_id), ...diff });
      return;
    }
    case 'new_person':
    case 'grave_identity': {
      const columns = martyrColumns(adjusted);
      if (!columns.full_name) throw new ProposalError('fullName', 'fullName: a name is needed');
      const [row] = await trx('martyrs')
        .insert({ ...columns, hometown_province_code: s.kind === 'new_person' ? s.province_code : null, grave_id: s.kind === 'grave_identity' ? s.grave_id : null, source: 'submission' })
        .returning('id');
      await audit({ action: 'martyr.create', entityType: 'martyr', entityId: Number(row!.id), after: columns });
      if (s.kind === 'grave_identity') {
        const grave = await trx('graves').where({ id: s.grave_id }).forUpdate().first('state');
        await trx('graves').where({ id: s.grave_id }).update({ state: 'identified', updated_at: trx.raw('now()') });
        await audit({ action: 'grave.update', entityType: 'grave', entityId: Number(s.grave_id), before: { state: grave.state }, after: { state: 'identified' } });
      }
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
  const martyr = await trx('martyrs').where({ id: s.martyr_id }).forUpdate().first('id', 'grave_id');
  if (!martyr) throw new NotFoundError();
  const cemeteryId = p.cemeteryId ? Number(p.cemeteryId) : null;
  if (!cemeteryId) throw new ProposalError('cemeteryId', 'cemeteryId: choose the cemetery the grave is in');
  if (!(await cemeteryReachable(trx, scope, cemeteryId))) throw new CemeteryNotInScope();
  const section = p.section ? await trx('cemetery_sections').where({ cemetery_id: cemeteryId, code: p.section }).first('id') : null;
  if (p.section && !section) throw new ProposalError('section', `section: this cemetery has no section ${p.section}`);
  const position = p.lat && p.lng ? trx.raw('ST_SetSRID(ST_MakePoint(?, ?), 4326)', [Number(p.lng), Number(p.lat)]) : null;
  let grave = p.number
    ? await trx('graves').where({ cemetery_id: cemeteryId, section_id: section?.id ?? null, row_label: p.row || null, plot_number: p.number }).forUpdate().first('id', 'state', 'is_collective')
    : undefined;
  if (grave && grave.state === 'identified' && !grave.is_collective) {
    const other = await trx('martyrs').where({ grave_id: grave.id }).whereNot({ id: martyr.id }).first('id');
    if (other) throw new ProposalError('number', `number: that grave already holds martyr #${other.id}; check the plot`);
  }
  if (!grave) {
    const [created] = await trx('graves')
      .insert({ cemetery_id: cemeteryId, section_id: section?.id ?? null, row_label: p.row || null, plot_number: p.number || null, position, state: 'identified' })
      .returning(['id', 'state']);
    grave = created;
    await audit({ action: 'grave.create', entityType: 'grave', entityId: Number(grave!.id), after: { cemeteryId, section: p.section, row: p.row, number: p.number, lat: p.lat, lng: p.lng } });
  } else if (grave.state !== 'identified' || position) {
    await trx('graves').where({ id: grave.id }).update({ state: 'identified', ...(position ? { position } : {}), updated_at: trx.raw('now()') });
    await audit({ action: 'grave.update', entityType: 'grave', entityId: Number(grave.id), before: { state: grave.state }, after: { state: 'identified', ...(position ? { lat: p.lat, lng: p.lng } : {}) } });
  }
  await trx('martyrs').where({ id: martyr.id }).update({ grave_id: grave!.id, source: 'submission', updated_at: trx.raw('now()') });
  await audit({ action: 'martyr.update', entityType: 'martyr', entityId: Number(martyr.id), before: { graveId: martyr.grave_id }, after: { graveId: Number(grave!.id) } });
}

/**
 * The files of a headstone-photo submission's photo (the first image sent), made and stored before
 * the accepting transaction opens (grave-photo.ts); null for the other kinds and for decided ones.
 */
async function prepareHeadstonePhoto(db: Db, stores: ReviewStores, scope: Scope, id: number): Promise<NewPhoto | null> {
  const s = await loadInScope(db, scope, id);
  if (s.kind !== 'headstone_photo' || !(OPEN_STATUSES as readonly string[]).includes(s.status)) return null;
  const file = await db('submission_files').where({ submission_id: s.id, media_type: 'image/jpeg' }).orderBy('id').first('storage_key');
  if (!file) throw new BadRequestError('files: no photo was sent');
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
  const file = await db('submission_files').where({ id: fileId, submission_id: submissionId }).first();
  if (!file) throw new NotFoundError();
  return file as { storage_key: string; media_type: string; bytes: number };
}
