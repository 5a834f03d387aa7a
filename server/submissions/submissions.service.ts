/**
 * Citizen submissions: sending (routed to the province it concerns), following by tracking code,
 * and answering a question once. Sender details are private: nothing here returns them to the
 * public side, and nothing logs them.
 */
import { provinceExists } from '../places/places.queries.js';
import type { Db, Knex } from '../db/knex.js';
import { writeAudit } from '../audit/audit.js';
import { Conflict, NotFound, RateLimited } from '../http/errors.js';
import { graveUrl, martyrUrl } from '../records/urls.js';
import type { FileStore } from '../storage/file-store.js';
import { peekHits, takeHits, type Limit } from '../limits/rate-limit.queries.js';
import { storeEvidence, type IncomingFile } from './evidence.js';
import { changedMartyrFields, checkCorrection, martyrColumns, martyrSnapshot, ProposalError, type Proposal, type SubmissionKind } from './proposal.js';
import {
  cemeteryById, graveWithCemetery, insertSubmission, lockByTrackingCode, publicEvents, publicMartyrWithCemetery, storeAnswer, submissionByTrackingCode,
} from './submissions.queries.js';
import { newTrackingCode, normalizeTrackingCode } from './tracking-code.js';

/** Per address: a family sending several things is fine, a flood is not. */
export const SUBMISSIONS_PER_HOUR = 5;

export type SubmissionInput = {
  kind: SubmissionKind;
  martyrId?: number;
  graveId?: number;
  cemeteryId?: number;
  statedProvinceCode?: string;
  senderName: string;
  senderContact: string;
  senderRelation?: string;
  message: string;
  proposal: Proposal;
  files: IncomingFile[];
  ip: string | null;
};

export type Target = {
  martyr?: { id: number; fullName: string; snapshot: ReturnType<typeof martyrSnapshot>; provinceCode: string | null; hasGrave: boolean };
  grave?: { id: number; state: string; cemeteryId: number; cemeteryName: string; provinceCode: string };
  cemetery?: { id: number; name: string; provinceCode: string };
};

/** What a submission is about, public records only (a confidential martyr is not found). */
export async function findTarget(db: Knex, ids: { martyrId?: number; graveId?: number; cemeteryId?: number }): Promise<Target> {
  const target: Target = {};
  if (ids.martyrId) {
    const m = await publicMartyrWithCemetery(db, ids.martyrId);
    if (!m) throw new NotFound('No such martyr record.');
    target.martyr = { id: Number(m.id), fullName: m.full_name, snapshot: martyrSnapshot(m), provinceCode: m.cemetery_province_code ?? m.hometown_province_code, hasGrave: m.grave_id !== null };
  }
  if (ids.graveId) {
    const g = await graveWithCemetery(db, ids.graveId);
    if (!g) throw new NotFound('No such grave.');
    target.grave = { id: Number(g.id), state: g.state, cemeteryId: Number(g.cemetery_id), cemeteryName: g.name, provinceCode: g.province_code };
  }
  if (ids.cemeteryId) {
    const c = await cemeteryById(db, ids.cemeteryId);
    if (!c) throw new NotFound('No such cemetery.');
    target.cemetery = { id: Number(c.id), name: c.name, provinceCode: c.province_code };
  }
  return target;
}

/** The jurisdiction a submission goes to: the grave's cemetery, else the martyr's hometown, else what the sender named. */
export function routeTo(target: Target, statedProvinceCode?: string): string | null {
  return target.grave?.provinceCode ?? target.martyr?.provinceCode ?? target.cemetery?.provinceCode ?? statedProvinceCode ?? null;
}

export class TooManySubmissions extends RateLimited {
  constructor(retryAfterSeconds: number) {
    super(retryAfterSeconds, 'too_many_submissions', 'Too many submissions from this address; please try again later.');
  }
}

const submissionLimits = (ip: string): Limit[] => [{ key: `submission:address:${ip}`, max: SUBMISSIONS_PER_HOUR, windowSeconds: 3600 }];

/** Seconds until this address may send again (0: now), taking nothing: refuses a flood before its files are stored. */
export async function submissionWait(db: Db, ip: string | null): Promise<number> {
  if (!ip) return 0;
  const room = await peekHits(db, submissionLimits(ip));
  return room.ok ? 0 : room.retryAfterSeconds;
}

function checkProposal(input: SubmissionInput, target: Target): Proposal {
  switch (input.kind) {
    case 'martyr_correction': {
      if (!target.martyr) throw new ProposalError('martyr', 'a correction is about a martyr');
      const changed = changedMartyrFields(target.martyr.snapshot, input.proposal);
      checkCorrection(target.martyr.snapshot, changed);
      return changed;
    }
    case 'martyr_grave_info': {
      if (!target.martyr) throw new ProposalError('martyr', 'information about a burial place is about a martyr');
      const p = input.proposal;
      const hasPlot = Boolean(p.cemeteryId);
      const hasPoint = Boolean(p.lat && p.lng);
      if (!hasPlot && !hasPoint) throw new ProposalError('cemeteryId', 'cemeteryId: choose the cemetery, or pick the place on the map');
      if (hasPoint && (!(Math.abs(Number(p.lat)) <= 90) || !(Math.abs(Number(p.lng)) <= 180))) throw new ProposalError('lat', 'lat: not a position');
      if (hasPlot && !/^\d{1,18}$/.test(p.cemeteryId!)) throw new ProposalError('cemeteryId', 'cemeteryId: not a cemetery');
      return Object.fromEntries(Object.entries(p).filter(([k, v]) => ['cemeteryId', 'section', 'row', 'number', 'lat', 'lng'].includes(k) && v)) as Proposal;
    }
    case 'grave_identity':
    case 'new_person': {
      if (input.kind === 'grave_identity' && !target.grave) throw new ProposalError('grave', 'information about a grave needs the grave');
      const proposal = Object.fromEntries(Object.entries(input.proposal).filter(([, v]) => v?.trim())) as Proposal;
      if (!proposal.fullName) throw new ProposalError('fullName', 'fullName: the name of the person is needed');
      martyrColumns(proposal);
      return proposal;
    }
    case 'headstone_photo':
      if (!target.grave) throw new ProposalError('grave', 'a headstone photo is for a grave');
      if (!input.files.length) throw new ProposalError('files', 'files: attach the photo of the headstone');
      return {};
  }
}

/** Sends a submission: checked, evidence stored, routed, and given its tracking code. */
export async function createSubmission(db: Db, privateStore: FileStore, input: SubmissionInput): Promise<{ id: number; trackingCode: string }> {
  const wait = await submissionWait(db, input.ip);
  if (wait > 0) throw new TooManySubmissions(wait);
  const target = await findTarget(db, input);
  const proposal = checkProposal(input, target);
  const provinceCode = routeTo(target, input.statedProvinceCode);
  if (input.statedProvinceCode && !(await provinceExists(db, input.statedProvinceCode))) throw new ProposalError('province', 'province: unknown');

  for (let attempt = 0; ; attempt++) {
    const trackingCode = newTrackingCode();
    const evidence = await storeEvidence(privateStore, `submissions/${trackingCode.toLowerCase()}`, input.files);
    try {
      const id = await db.transaction(async (trx) => {
        // The authoritative count: locked per address and taken with the insert, so concurrent
        // sends cannot all pass; a send that fails later rolls its hit back with everything else.
        if (input.ip) {
          const room = await takeHits(trx, submissionLimits(input.ip));
          if (!room.ok) throw new TooManySubmissions(room.retryAfterSeconds);
        }
        const submissionId = await insertSubmission(
          trx,
          {
            tracking_code: trackingCode,
            kind: input.kind,
            status: 'received',
            martyr_id: target.martyr?.id ?? null,
            grave_id: target.grave?.id ?? null,
            cemetery_id: target.cemetery?.id ?? target.grave?.cemeteryId ?? null,
            province_code: provinceCode,
            stated_province_code: input.statedProvinceCode ?? null,
            sender_name: input.senderName,
            sender_contact: input.senderContact,
            sender_relation: input.senderRelation || null,
            sender_ip: input.ip,
            message: input.message,
            proposed: JSON.stringify(proposal),
            record_snapshot: target.martyr ? JSON.stringify(target.martyr.snapshot) : null,
          },
          evidence,
        );
        // The audit keeps what was proposed, not who sent it: contact details stay in one place.
        await writeAudit(trx, { actorUserId: null, action: 'submission.create', entityType: 'submission', entityId: submissionId, after: { kind: input.kind, martyrId: target.martyr?.id, graveId: target.grave?.id, provinceCode, proposal }, submissionId, ip: null });
        return submissionId;
      });
      return { id, trackingCode };
    } catch (error) {
      await Promise.all(evidence.map((e) => privateStore.remove(e.storageKey)));
      const duplicateCode = (error as { constraint?: string }).constraint === 'submissions_tracking_code_key';
      if (!duplicateCode || attempt >= 3) throw error;
    }
  }
}

export type TrackingView = {
  trackingCode: string;
  kind: SubmissionKind;
  status: string;
  createdAt: Date;
  subject: { label: string; url: string } | null;
  events: { kind: string; at: Date; message: string | null }[];
  canAnswer: boolean;
  infoRequest: string | null;
};

/** What the tracking page shows: the status and its timeline, nothing private. */
export async function trackingView(db: Db, code: string): Promise<TrackingView | undefined> {
  const normalized = normalizeTrackingCode(code);
  if (!normalized) return undefined;
  const s = await submissionByTrackingCode(db, normalized);
  if (!s) return undefined;
  const events = await publicEvents(db, s.id);
  return {
    trackingCode: s.tracking_code,
    kind: s.kind,
    status: s.status,
    createdAt: s.created_at,
    subject: s.martyr_id ? { label: s.full_name!, url: martyrUrl(s.martyr_id, s.full_name!) } : s.grave_id ? { label: `#${s.grave_id}`, url: graveUrl(s.grave_id) } : null,
    events,
    canAnswer: s.status === 'needs_info' && !s.answered_at,
    infoRequest: s.status === 'needs_info' ? s.info_request : null,
  };
}

/** The sender answers the officer's question, once. */
export async function answerSubmission(db: Db, code: string, answer: string): Promise<void> {
  const normalized = normalizeTrackingCode(code);
  if (!normalized) throw new NotFound();
  await db.transaction(async (trx) => {
    const s = await lockByTrackingCode(trx, normalized);
    if (!s) throw new NotFound();
    if (s.status !== 'needs_info' || s.answered_at) throw new Conflict('already_answered', 'This question has already been answered, or none is open.');
    await storeAnswer(trx, Number(s.id), answer);
    await writeAudit(trx, { actorUserId: null, action: 'submission.answer', entityType: 'submission', entityId: Number(s.id), submissionId: Number(s.id), after: { status: 'in_review' } });
  });
}
