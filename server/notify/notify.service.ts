/**
 * Following records by email, and telling followers.
 *
 * The rules:
 * - Double opt-in: a follow starts pending and only a confirmation goes to it; nothing else is sent
 *   to an address until it opened its link (the sender's claim checks it again).
 * - Every change that someone may follow calls queueNotification(trx, event) inside the transaction
 *   that makes the change: the event row commits with the change or not at all.
 * - The job queue fans each event out (one notification per follow, its key making a retry a
 *   no-op), renders the message once with its Message-ID, and hands it to SMTP (mail-sender.ts).
 * - Unsubscribing (one click, from any message) ends the follow at once and deletes the address
 *   as soon as no message to it is in flight.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Db, Knex } from '../db/knex.js';
import { InvalidInput, NotFound, RateLimited } from '../http/errors.js';
import { takeHits, type Limit } from '../limits/rate-limit.queries.js';
import { cemeteryUrl, graveUrl, martyrUrl, plotLabel } from '../records/urls.js';
import { confirmMail, digestMail, noticeMail, type MailSite } from './mail-templates.js';
import {
  activateFollow, attachMail, cemeteryName, endFollow, eventsAbout, followByConfirmToken, followByUnsubscribeToken, followsDueForDigest, graveSubjectKeys,
  insertEventRow, insertFollow, insertMails, insertNotifications, liveFollow, lockNextEvent, markEventFailed, markEventFannedOut, martyrSubjectKeys,
  publicGraveLabel, publicMartyrLabel, searchOutboxHolds, submissionOfCode, touchTrackingVisit, unmailedEvents, unreachedFollowers, unreachedSearchFollows,
  type Cadence, type EventRow, type FollowRow, type FollowTargetType,
} from './notify.queries.js';

export type EventKind =
  | 'photo_added' | 'record_corrected' | 'grave_identified' | 'request_candidate' | 'new_record' | 'submission_update' | 'photo_request_fulfilled' | 'cemetery_changed';

/**
 * A change followers may hear of. `subjects` are the follow keys it concerns ('grave:12',
 * 'martyr:7', 'cemetery:3', 'submission:40', 'request:9', 'photo_request:5'); `details` may carry
 * `path` (the public page to link to), `name` (a public name), `status` (a submission's), `martyrId`
 * (a new record, for saved searches). Nothing private goes in: the tracking page shows these.
 */
export type NotificationEvent = { kind: EventKind; subjects: string[]; details?: Record<string, unknown> };

/** Writes the event in the caller's transaction; an event about nothing anyone may follow writes nothing. */
export async function queueNotification(trx: Knex, event: NotificationEvent): Promise<number | null> {
  const subjects = [...new Set(event.subjects.filter((s) => /^[a-z_]+:[0-9A-Za-z_-]{1,80}$/.test(s)))];
  if (!subjects.length && event.kind !== 'new_record') return null;
  return insertEventRow(trx, event.kind, subjects.length ? subjects : ['search:*'], event.details ?? {});
}

/** Keys of a grave (with its cemetery and public martyrs), for callers that changed a grave. */
export const graveSubjects = (trx: Knex, graveId: number) => graveSubjectKeys(trx, graveId);
/** Keys of a public martyr (with their grave), for callers that changed a martyr. */
export const martyrSubjects = (trx: Knex, martyrId: number) => martyrSubjectKeys(trx, martyrId);

// ----- following -----

export const FOLLOWS_PER_ADDRESS_HOUR = 20;
export const FOLLOWS_PER_EMAIL_HOUR = 5;
/** Days a confirmation link stays good; an unconfirmed address is deleted after it. */
export const CONFIRM_DAYS = 7;

export class TooManyFollows extends RateLimited {
  constructor(retryAfterSeconds: number) {
    super(retryAfterSeconds, 'too_many_follows', 'Too many follow requests from this address or to this email; please try again later.');
  }
}

const EMAIL = /^[^\s@<>()",;]+@[^\s@<>()",;]+\.[^\s@<>()",;]{2,}$/;

/** An address as stored: NFC, trimmed, lower case; undefined when it is not one. */
export function normalizeEmail(input: string): string | undefined {
  const email = input.normalize('NFC').trim().toLowerCase();
  return email.length <= 254 && EMAIL.test(email) ? email : undefined;
}

/** Limit keys name an address by its hash: the limits table never holds a follower's email. */
export const emailKey = (email: string) => createHash('sha256').update(email).digest('hex').slice(0, 32);

export function contactLimits(kind: string, ip: string | null, email: string | null, perAddress: number, perEmail: number): Limit[] {
  return [
    ...(ip ? [{ key: `${kind}:address:${ip}`, max: perAddress, windowSeconds: 3600 }] : []),
    ...(email ? [{ key: `${kind}:email:${emailKey(email)}`, max: perEmail, windowSeconds: 3600 }] : []),
  ];
}

const token = () => randomBytes(24).toString('base64url');

export type SavedSearch = { q: string; province?: string; birthYear?: string; deathYear?: string; unit?: string };

export type FollowTarget =
  | { type: 'martyr' | 'grave' | 'cemetery'; id: number }
  | { type: 'submission'; code: string }
  | { type: 'search'; search: SavedSearch }
  | { type: 'photo_request'; id: number; graveId: number }
  | { type: 'request'; id: number; label: string; path: string };

type ResolvedTarget = { type: FollowTargetType; id: number | null; key: string; label: string; path: string; searchParams: SavedSearch | null };

/** What a follow is of, from the public records only: a confidential martyr cannot be followed (not found). */
export async function resolveTarget(db: Knex, target: FollowTarget): Promise<ResolvedTarget> {
  switch (target.type) {
    case 'martyr': {
      const m = await publicMartyrLabel(db, target.id);
      if (!m) throw new NotFound();
      return { type: 'martyr', id: target.id, key: `martyr:${target.id}`, label: m.full_name, path: martyrUrl(target.id, m.full_name), searchParams: null };
    }
    case 'grave':
    case 'photo_request': {
      const graveId = target.type === 'photo_request' ? target.graveId : target.id;
      const g = await publicGraveLabel(db, graveId);
      if (!g) throw new NotFound();
      const label = [plotLabel(g.section_kind, g.section_code, g.row_label, g.plot_number) ?? `#${g.id}`, g.cemetery_name].join(', ');
      return target.type === 'grave'
        ? { type: 'grave', id: graveId, key: `grave:${graveId}`, label, path: graveUrl(graveId), searchParams: null }
        : { type: 'photo_request', id: target.id, key: `photo_request:${target.id}`, label, path: graveUrl(graveId), searchParams: null };
    }
    case 'cemetery': {
      const c = await cemeteryName(db, target.id);
      if (!c) throw new NotFound();
      return { type: 'cemetery', id: target.id, key: `cemetery:${target.id}`, label: c.name, path: cemeteryUrl(target.id, c.name), searchParams: null };
    }
    case 'submission': {
      const s = await submissionOfCode(db, target.code);
      if (!s) throw new NotFound();
      return { type: 'submission', id: Number(s.id), key: `submission:${s.id}`, label: s.tracking_code, path: `/theo-doi/${s.tracking_code}`, searchParams: null };
    }
    case 'search': {
      const search = cleanSearch(target.search);
      if (!search.q && !search.province && !search.unit) throw new InvalidInput('A saved search needs words or a filter.', undefined, 'bad_request');
      const key = createHash('sha256').update(JSON.stringify(search)).digest('hex').slice(0, 40);
      const params = new URLSearchParams(Object.entries(search).filter(([, v]) => v) as [string, string][]);
      const label = [search.q && `“${search.q}”`, search.province, search.unit, search.birthYear && `s. ${search.birthYear}`, search.deathYear && `hs. ${search.deathYear}`].filter(Boolean).join(' · ');
      return { type: 'search', id: null, key: `search:${key}`, label: label.slice(0, 300), path: `/tim-kiem?${params}`, searchParams: search };
    }
    case 'request':
      return { type: 'request', id: target.id, key: `request:${target.id}`, label: target.label.slice(0, 300), path: target.path, searchParams: null };
  }
}

function cleanSearch(s: SavedSearch): SavedSearch {
  const text = (v: unknown, max: number) => (typeof v === 'string' ? v.normalize('NFC').replace(/\s+/g, ' ').trim().slice(0, max) : '');
  const years = (v: unknown) => (typeof v === 'string' && /^\d{4}(-\d{4})?$/.test(v.trim()) ? v.trim() : '');
  const out: SavedSearch = { q: text(s.q, 200) };
  for (const [k, v] of [['province', text(s.province, 60)], ['unit', text(s.unit, 100)], ['birthYear', years(s.birthYear)], ['deathYear', years(s.deathYear)]] as const) if (v) out[k] = v;
  return out;
}

export type FollowRequest = { email: string; locale: 'vi' | 'en'; cadence: Cadence; target: FollowTarget; ip: string | null };

/**
 * Asks an address to confirm a follow; following again while pending sends the confirmation
 * again, and the answer is the same whether the address already followed or not.
 */
export async function requestFollow(db: Db, site: MailSite, input: FollowRequest, trx?: Knex.Transaction): Promise<{ label: string; path: string; followId: number }> {
  const email = normalizeEmail(input.email);
  if (!email) throw new InvalidInput('That is not an email address.', { field: 'email' }, 'invalid_email');
  const target = await resolveTarget(trx ?? db, input.target);
  const work = async (t: Knex.Transaction) => {
    const room = await takeHits(t, contactLimits('follow', input.ip, email, FOLLOWS_PER_ADDRESS_HOUR, FOLLOWS_PER_EMAIL_HOUR));
    if (!room.ok) throw new TooManyFollows(room.retryAfterSeconds);
    let follow = await liveFollow(t, email, target.key);
    if (!follow) {
      follow = await insertFollow(t, {
        email, locale: input.locale, target_type: target.type, target_id: target.id, target_key: target.key, target_path: target.path,
        label: target.label, cadence: input.cadence, confirm_token: token(), unsubscribe_token: token(),
        search_params: target.searchParams ? JSON.stringify(target.searchParams) : null,
      });
    }
    if (follow.status === 'pending') await insertMails(t, [confirmMail(site, follow)]);
    return { label: target.label, path: target.path, followId: Number(follow.id) };
  };
  return trx ? work(trx) : db.transaction(work);
}

/** Opens a confirmation link; undefined when it is unknown, expired or ended. */
export async function confirmFollow(db: Db, confirmToken: string): Promise<{ label: string; path: string } | undefined> {
  if (!/^[A-Za-z0-9_-]{20,64}$/.test(confirmToken)) return undefined;
  return db.transaction(async (trx) => {
    const f = await followByConfirmToken(trx, confirmToken);
    if (!f || f.status === 'ended') return undefined;
    if (f.status === 'pending' && Date.now() - new Date(f.created_at).getTime() > CONFIRM_DAYS * 86_400_000) return undefined;
    await activateFollow(trx, Number(f.id));
    return { label: f.label, path: f.target_path };
  });
}

/** The follow an unsubscribe link names, to ask before acting on a plain visit. */
export async function followOfUnsubscribeToken(db: Db, unsubscribeToken: string): Promise<{ label: string; ended: boolean } | undefined> {
  if (!/^[A-Za-z0-9_-]{20,64}$/.test(unsubscribeToken)) return undefined;
  const f = await db.transaction((trx) => followByUnsubscribeToken(trx, unsubscribeToken));
  return f && { label: f.label, ended: f.status === 'ended' };
}

/** One-click unsubscribe: ends the follow and deletes the address (after a message in flight, if any). */
export async function unsubscribe(db: Db, unsubscribeToken: string): Promise<{ label: string } | undefined> {
  if (!/^[A-Za-z0-9_-]{20,64}$/.test(unsubscribeToken)) return undefined;
  return db.transaction(async (trx) => {
    const f = await followByUnsubscribeToken(trx, unsubscribeToken);
    if (!f) return undefined;
    await endFollow(trx, Number(f.id), f.status === 'ended' ? (f.ended_reason as 'unsubscribed') : 'unsubscribed');
    return { label: f.label };
  });
}

// ----- fan-out -----

/** Whether a saved search finds this martyr now (search-match.ts, on the real search engine). */
export type SearchMatcher = (search: SavedSearch, martyrId: number) => Promise<boolean>;

export type FanOutDeps = { db: Db; site: MailSite; matchSearch?: SearchMatcher; batch?: number };

const FAN_OUT_BATCH = 500;

/**
 * Fans out waiting events, one batch of followers per transaction with the event row locked (one
 * worker per event; others take the next). Returns how many events were finished. A new record
 * waits until the search index shows it, so that saved searches are asked of the real index.
 */
export async function fanOutPending(deps: FanOutDeps, maxEvents = 100): Promise<{ events: number; notified: number; deferred: number }> {
  let events = 0;
  let notified = 0;
  let deferred = 0;
  let after = 0;
  while (events + deferred < maxEvents) {
    let current: number | undefined;
    const step = await deps.db.transaction(async (trx) => {
      const event = await lockNextEvent(trx, after);
      if (!event) return { done: true as const };
      current = Number(event.id);
      if (event.kind === 'new_record' && typeof event.details.martyrId === 'number' && (await searchOutboxHolds(trx, 'martyr', event.details.martyrId))) {
        return { done: false as const, deferred: Number(event.id) };
      }
      const n = await fanOutBatch(trx, deps, event);
      if (n === 0) await markEventFannedOut(trx, Number(event.id));
      return { done: false as const, finished: n === 0, notified: n, id: Number(event.id) };
    }).catch(async (error: unknown) => {
      // One event that keeps failing (a saved search the engine refuses) must not hold up the rest:
      // it is counted and passed over, and after EVENT_MAX_ATTEMPTS left for staff to see.
      if (current === undefined) throw error;
      await markEventFailed(deps.db, current, String((error as Error).message));
      return { done: false as const, deferred: current };
    });
    if (step.done) break;
    if ('deferred' in step && step.deferred !== undefined) {
      deferred++;
      after = step.deferred;
      continue;
    }
    notified += step.notified ?? 0;
    if (step.finished) events++;
  }
  return { events, notified, deferred };
}

async function fanOutBatch(trx: Knex.Transaction, deps: FanOutDeps, event: EventRow): Promise<number> {
  const limit = deps.batch ?? FAN_OUT_BATCH;
  let followers: FollowRow[];
  if (event.kind === 'new_record') {
    const searches = await unreachedSearchFollows(trx, Number(event.id), 0, limit);
    if (!searches.length) return 0;
    const martyrId = Number(event.details.martyrId);
    followers = [];
    const unmatched: FollowRow[] = [];
    for (const f of searches) {
      let found: boolean;
      found = Boolean(deps.matchSearch) && Number.isFinite(martyrId) && (await deps.matchSearch!(f.search_params as SavedSearch, martyrId));
      (found ? followers : unmatched).push(f);
    }
    // Saved searches that do not find the record are recorded as asked (silently), so no retry asks them twice.
    await insertNotifications(trx, Number(event.id), unmatched.map((f) => ({ followId: Number(f.id), mailId: null, silent: true })));
    if (!followers.length) return searches.length;
  } else {
    followers = await unreachedFollowers(trx, event, limit);
    if (!followers.length) return 0;
  }
  const immediate = followers.filter((f) => f.cadence === 'immediate');
  const mailIds = await insertMails(trx, immediate.map((f) => noticeMail(deps.site, f, event)));
  const mailOf = new Map(immediate.map((f, i) => [Number(f.id), mailIds[i]!]));
  await insertNotifications(trx, Number(event.id), followers.map((f) => ({ followId: Number(f.id), mailId: mailOf.get(Number(f.id)) ?? null, silent: false })));
  // A photo request is answered once: its follow ends, and its address goes after this message.
  for (const f of followers.filter((x) => x.target_type === 'photo_request')) await endFollow(trx, Number(f.id), 'fulfilled');
  return followers.length;
}

/** One digest per daily follow with news, each in its own transaction (its notifications take the message's id). */
export async function makeDigests(db: Db, site: MailSite, limit = 1000): Promise<number> {
  let made = 0;
  for (const follow of await followsDueForDigest(db, limit)) {
    await db.transaction(async (trx) => {
      const events = await unmailedEvents(trx, Number(follow.id));
      if (!events.length) return;
      const [mailId] = await insertMails(trx, [digestMail(site, follow, events)]);
      await attachMail(trx, Number(follow.id), events.map((e) => Number(e.id)), mailId!);
      made++;
    });
  }
  return made;
}

// ----- the tracking page -----

/** Visits closer together than this are one visit: a reload keeps "new since your last visit". */
const VISIT_MINUTES = 30;

export type TrackedChange = { kind: EventKind; at: Date; isNew: boolean; details: Record<string, unknown> };

/**
 * What happened to the records a tracking code concerns (its own submission, the martyr and the
 * grave it is about), newest first, marking what is new since the family's previous visit.
 */
export async function changesForCode(db: Db, code: string, about: { submissionId?: number; martyrId?: number | null; graveId?: number | null; requestId?: number }): Promise<TrackedChange[]> {
  const keys = [
    ...(about.submissionId ? [`submission:${about.submissionId}`] : []),
    ...(about.requestId ? [`request:${about.requestId}`] : []),
    ...(about.martyrId ? await martyrSubjectKeys(db, about.martyrId) : []),
    ...(about.graveId ? await graveSubjectKeys(db, about.graveId) : []),
  ].filter((k) => !k.startsWith('cemetery:'));
  const since = await touchTrackingVisit(db, code, VISIT_MINUTES);
  if (!keys.length) return [];
  const events = await eventsAbout(db, [...new Set(keys)], new Date(Date.now() - 365 * 86_400_000), 50);
  return events.map((e) => ({ kind: e.kind as EventKind, at: e.created_at, isNew: e.created_at > since, details: e.details }));
}

/** The tracking page of a submission: what changed about it and its records, new since the last visit marked. */
export async function changesForSubmissionCode(db: Db, code: string): Promise<TrackedChange[]> {
  const s = await submissionOfCode(db, code);
  if (!s) return [];
  return changesForCode(db, s.tracking_code, { submissionId: Number(s.id), martyrId: s.martyr_id === null ? null : Number(s.martyr_id), graveId: s.grave_id === null ? null : Number(s.grave_id) });
}
