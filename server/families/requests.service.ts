/**
 * A family's search request: what the death notice says is checked, routed to the hometown
 * province's officers, answered at once with the martyr's record (if the portal holds it) and the
 * unidentified graves that could be theirs, and given a tracking code. The requester's name and
 * contact are stored with the request and nowhere else: not in the audit row, not in a log.
 */
import { provinceExists } from '../places/places.queries.js';
import { writeAudit } from '../audit/audit.js';
import type { Db, Knex } from '../db/knex.js';
import { InvalidInput, RateLimited } from '../http/errors.js';
import { peekHits, takeHits, type Limit } from '../limits/rate-limit.queries.js';
import { newTrackingCode, normalizeTrackingCode } from '../submissions/tracking-code.js';
import { foldVietnamese } from '../text/vietnamese.js';
import { requestFollow, TooManyFollows } from '../notify/notify.service.js';
import type { MailSite } from '../notify/mail-templates.js';
import { parseNotice } from './clues.js';
import type { LooseDate } from './dates.js';
import { addCandidates, gazetteerOf, rankGraves, type RankedGrave } from './matching.service.js';
import { resolvePlace } from './places.js';
import { insertRequest, publicCandidates, publicRequestEvents, recordsByName, requestByTrackingCode, type RecordRow } from './requests.queries.js';
import { parseUnit } from './units.js';

/** Per address and hour: a family sends one or a few; a flood is not a family. */
export const REQUESTS_PER_HOUR = 5;

const requestLimits = (ip: string): Limit[] => [{ key: `family-request:address:${ip}`, max: REQUESTS_PER_HOUR, windowSeconds: 3600 }];

export class TooManyRequests extends RateLimited {
  constructor(retryAfterSeconds: number) {
    super(retryAfterSeconds, 'too_many_family_requests', 'Too many search requests from this address; please try again later.');
  }
}

export type RequestInput = {
  fullName: string;
  hometown: string | null;
  provinceCode: string | null;
  unit: string | null;
  rank: string | null;
  birthYear: number | null;
  death: LooseDate;
  placeOfDeath: string | null;
  requesterName: string;
  requesterPhone: string | null;
  requesterEmail: string | null;
  requesterRelation: string | null;
  ip: string | null;
  /** Where follow confirmations are sent from, and in which language: a requester who gave an email follows their request. */
  follow?: { site: MailSite; locale: 'vi' | 'en' };
};

export type RecordMatch = { id: number; fullName: string; hometown: string | null; deathYear: number | null; graveId: number | null; cemeteryName: string | null; strong: boolean };

/** The martyr records a notice may be about: the same name, told apart by hometown province, year and regiment. */
export async function recordMatches(db: Db, input: Pick<RequestInput, 'fullName' | 'unit' | 'death'>, provinceCode: string | null): Promise<RecordMatch[]> {
  const folded = foldVietnamese(input.fullName.normalize('NFC')).replace(/\s+/g, ' ').trim();
  if (folded.length < 3) return [];
  const rows = await recordsByName(db, folded, 200);
  const regiment = parseUnit(input.unit).levels.E;
  const points = (r: RecordRow) => (r.name_exact ? 4 : 0) + (provinceCode && r.hometown_province_code === provinceCode ? 3 : 0)
    + (input.death.year !== null && r.death_year === input.death.year ? 2 : 0) + (regiment && parseUnit(r.unit).levels.E === regiment ? 2 : 0);
  return rows
    .map((r) => ({ r, p: points(r) }))
    .filter(({ p }) => p >= 4)
    .sort((a, b) => b.p - a.p || a.r.id - b.r.id)
    .slice(0, 5)
    .map(({ r, p }) => ({ id: Number(r.id), fullName: r.full_name, hometown: r.hometown_text, deathYear: r.death_year, graveId: r.grave_id === null ? null : Number(r.grave_id), cemeteryName: r.cemetery_name, strong: p >= 7 }));
}

/** The current province a hometown lies in: the one chosen, else the one its text names (old names mapped to today's). */
async function hometownProvince(db: Db, input: RequestInput): Promise<string> {
  if (input.provinceCode) {
    if (!(await provinceExists(db, input.provinceCode))) throw new InvalidInput('province: unknown', { field: 'province' });
    return input.provinceCode;
  }
  const gazetteer = await gazetteerOf(db);
  const place = resolvePlace(gazetteer, input.hometown);
  const current = place?.provinceKeys.map((k) => gazetteer.currentOf.get(k.slice(3))).find(Boolean);
  if (!current) throw new InvalidInput('province: choose the hometown province', { field: 'province' });
  return current;
}

export type CreatedRequest = { id: number; trackingCode: string; candidates: RankedGrave[]; records: RecordMatch[] };

export async function createFamilyRequest(db: Db, input: RequestInput): Promise<CreatedRequest> {
  if (input.ip) {
    const room = await peekHits(db, requestLimits(input.ip));
    if (!room.ok) throw new TooManyRequests(room.retryAfterSeconds);
  }
  const provinceCode = await hometownProvince(db, input);
  const parsed = parseNotice(await gazetteerOf(db), { fullName: input.fullName, hometown: input.hometown, unit: input.unit, death: input.death, placeOfDeath: input.placeOfDeath });
  const [candidates, records] = await Promise.all([rankGraves(db, parsed), recordMatches(db, input, provinceCode)]);
  // One clear record is theirs; several are for the officer to tell apart.
  const strong = records.filter((r) => r.strong);
  const martyrId = strong.length === 1 ? strong[0]!.id : null;
  for (let attempt = 0; ; attempt++) {
    const trackingCode = newTrackingCode();
    try {
      const id = await db.transaction(async (trx) => {
        if (input.ip) {
          const room = await takeHits(trx, requestLimits(input.ip));
          if (!room.ok) throw new TooManyRequests(room.retryAfterSeconds);
        }
        const requestId = await insertRequest(trx, {
          tracking_code: trackingCode, province_code: provinceCode, martyr_id: martyrId, full_name: input.fullName, hometown_text: input.hometown,
          unit: input.unit, rank: input.rank, birth_year: input.birthYear, death_year: input.death.year, death_month: input.death.month, death_day: input.death.day,
          place_of_death: input.placeOfDeath, requester_name: input.requesterName, requester_phone: input.requesterPhone, requester_email: input.requesterEmail,
          requester_relation: input.requesterRelation, requester_ip: input.ip,
        });
        // A martyr whose grave is known needs no grave found: only graveless ones get candidates.
        const graveKnown = strong.length === 1 && strong[0]!.graveId !== null;
        const added = graveKnown ? [] : await addCandidates(trx, requestId, candidates.map((c) => ({ graveId: c.graveId, score: c.score, reasons: c.reasons })), 'request');
        // The audit keeps what the portal did, not who asked: the requester stays in one row.
        await writeAudit(trx, { actorUserId: null, action: 'family_request.create', entityType: 'family_request', entityId: requestId, after: { provinceCode, martyrId, candidates: added.length } });
        if (input.requesterEmail && input.follow) await followOwnRequest(db, trx, input, requestId, trackingCode);
        return requestId;
      });
      return { id, trackingCode, candidates, records };
    } catch (error) {
      const duplicateCode = (error as { constraint?: string }).constraint === 'family_requests_tracking_code_key';
      if (!duplicateCode || attempt >= 3) throw error;
    }
  }
}

/**
 * The requester's email follows the request (double opt-in, like any follow): later candidates and
 * a confirmed identity reach them by mail. A follow refused (too many from the address) leaves the
 * request made; the family still has its tracking code.
 */
async function followOwnRequest(db: Db, trx: Knex.Transaction, input: RequestInput, requestId: number, trackingCode: string): Promise<void> {
  try {
    await requestFollow(db, input.follow!.site, {
      email: input.requesterEmail!, locale: input.follow!.locale, cadence: 'immediate', ip: input.ip,
      target: { type: 'request', id: requestId, label: input.fullName, path: `/theo-doi/${trackingCode}` },
    }, trx);
  } catch (error) {
    // The form checked the address already; one the follow still refuses leaves the request as made.
    if (!(error instanceof TooManyFollows) && !(error instanceof InvalidInput)) throw error;
  }
}

/** What the tracking page shows of a request: the notice, the record, the candidates with reasons, the timeline; nothing of the requester. */
export async function requestTrackingView(db: Db, code: string) {
  const normalized = normalizeTrackingCode(code);
  if (!normalized) return undefined;
  const r = await requestByTrackingCode(db, normalized);
  if (!r) return undefined;
  const [candidates, events] = await Promise.all([publicCandidates(db, Number(r.id)), publicRequestEvents(db, Number(r.id))]);
  return { request: r, candidates, events };
}
