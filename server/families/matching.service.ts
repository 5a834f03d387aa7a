/**
 * Matching a death notice to unidentified graves, and keeping requests matching as graves change.
 * rankGraves finds the graves that share something with the notice (matching.queries.ts), measures
 * the cemeteries from the place of death, scores every one (score.ts) and keeps the best.
 * drainGraveChanges is the job-queue side: each grave added or changed is parsed again into
 * grave_clues and scored against every open request; a good score becomes a candidate through
 * addCandidates, the one function every new candidate goes through.
 */
import type { Db, Knex } from '../db/knex.js';
import type { Logger } from '../logger.js';
import { queueNotification } from '../notify/notify.service.js';
import { cluesOf, graveClueRow, parseNotice, type NoticeInput, type ParsedNotice } from './clues.js';
import {
  analyzeClues, claimGraveChanges, clueSources, deleteAllClues, clueSourcesAfter, cemeteryDistances, deleteClues, gazetteerRows, insertCandidates, insertRequestEvent,
  markGraveChangesDone, openRequests, refreshProposedCandidate, retrieveClues, unidentifiedGraveIds, unitStoneCount, upsertClues, withdrawCandidatesOfGraves,
  type NewCandidate, type RoughPoints,
} from './matching.queries.js';
import { buildGazetteer, type Gazetteer } from './places.js';
import { fineKeys } from './units.js';
import { coverPoints, scoreGrave, unresolvedPlaceReason, type Reason } from './score.js';
import { WEIGHTS } from './weights.js';

/** Reference places change only with a migration: read once per process and database. */
const gazetteers = new WeakMap<object, Promise<Gazetteer>>();

export function gazetteerOf(db: Knex): Promise<Gazetteer> {
  const key = db.client as object;
  let found = gazetteers.get(key);
  if (!found) {
    found = gazetteerRows(db).then(buildGazetteer);
    found.catch(() => gazetteers.delete(key));
    gazetteers.set(key, found);
  }
  return found;
}

/**
 * How many stones name a unit changes only as graves are added or identified, and counting them
 * scans grave_clues (~170 ms at a million graves): counted once an hour per process and database.
 */
const UNIT_STONES_TTL_MS = 3_600_000;
const unitStones = new WeakMap<object, { at: number; count: Promise<number> }>();

function unitStonesOf(db: Knex): Promise<number> {
  const key = db.client as object;
  const found = unitStones.get(key);
  if (found && Date.now() - found.at < UNIT_STONES_TTL_MS) return found.count;
  const count = unitStoneCount(db);
  count.catch(() => unitStones.delete(key));
  unitStones.set(key, { at: Date.now(), count });
  return count;
}

export type RankedGrave = { graveId: number; cemeteryId: number; score: number; reasons: Reason[] };

/** Graves the rough SQL ordering passes on to the exact score. */
const ROUGH_KEEP = 400;
/** ~150 km around the place of death, in degrees: a prefilter, the distance itself is measured after. */
const NEAR_DEGREES = 1.5;
/** ~80 km around the hometown. */
const HOME_DEGREES = 0.8;

const w = WEIGHTS;
/** The rough ordering's points, from the same weights as the exact score. */
export const ROUGH_POINTS: RoughPoints = {
  regiment: w.unit.regiment, division: w.unit.division, cover: w.unit.cover, fine: w.unit.battalion,
  month: w.date.sameMonth - w.date.sameYear, year: w.date.sameYear, nearYear: w.date.near, apartYear: w.date.apart,
  writtenPlace: w.place.sameWrittenPlace, placeInside: w.place.inside, placeNear: w.place.near, placeMaxKm: w.place.maxKm, placeFar: w.place.far, placeFarKm: w.place.farKm,
  homeInside: w.hometown.inside, homeNear: w.hometown.near, homeMaxKm: w.hometown.maxKm, name: w.nameFragment,
};

/** The best unidentified graves for a notice, best first, each with its score and reasons: one query, then the exact score. */
export async function rankGraves(db: Knex, parsed: ParsedNotice, keep: number = WEIGHTS.keep): Promise<RankedGrave[]> {
  const { notice, place, home } = parsed;
  const given = notice.nameWords.at(-1);
  const rows = await retrieveClues(db, {
    regimentKey: notice.unit.levels.E ? `E:${notice.unit.levels.E}` : null,
    divisionKey: notice.unit.levels.F ? `F:${notice.unit.levels.F}` : null,
    coverKeys: notice.unit.covers.map((c) => `X:${c}`),
    fineKeys: fineKeys(notice.unit),
    month: notice.death.month,
    nameWords: given ? [given] : [],
    placeKey: notice.placeKey,
    year: notice.death.year,
    place: place?.ref ?? null,
    home: home?.ref ?? null,
    nearDegrees: NEAR_DEGREES,
    homeDegrees: HOME_DEGREES,
    points: ROUGH_POINTS,
    limit: ROUGH_KEEP,
  });
  // A shared cover is worth what its rarity says (every row carries the same count).
  const covered = rows[0] && notice.unit.covers.length ? coverPoints(await unitStonesOf(db), Number(rows[0].cover_stones)) : null;
  const scoredNotice = covered === null ? notice : { ...notice, coverPoints: covered };
  const unresolved = unresolvedPlaceReason(notice);
  const ranked: RankedGrave[] = [];
  for (const row of rows) {
    const km = (v: number | null) => (v === null ? null : Number(v));
    const { score, reasons } = scoreGrave(scoredNotice, cluesOf(row), km(row.place_km), km(row.home_km));
    if (score < WEIGHTS.minimumScore || !reasons.some((r) => r.points > 0)) continue;
    ranked.push({ graveId: Number(row.grave_id), cemeteryId: Number(row.cemetery_id), score, reasons: unresolved ? [...reasons, unresolved] : reasons });
  }
  // Ties go to the older record, so the same data gives the same order.
  ranked.sort((a, b) => b.score - a.score || a.graveId - b.graveId);
  return ranked.slice(0, keep);
}

export async function rankNotice(db: Knex, input: NoticeInput, keep?: number): Promise<RankedGrave[]> {
  return rankGraves(db, parseNotice(await gazetteerOf(db), input), keep);
}

/**
 * Adds candidates to a request, skipping graves it holds already, and writes the timeline: one
 * "candidates found" event when the request is made, one "candidate added" per grave found later.
 * Every new candidate goes through here (issue 18 adds its notification call here).
 */
export async function addCandidates(trx: Knex, requestId: number, candidates: NewCandidate[], foundBy: 'request' | 'grave_change'): Promise<number[]> {
  const added = await insertCandidates(trx, requestId, candidates, foundBy);
  if (foundBy === 'request') {
    if (added.length) await insertRequestEvent(trx, { requestId, kind: 'candidates_found', publicMessage: String(added.length) });
  } else {
    for (const a of added) await insertRequestEvent(trx, { requestId, kind: 'candidate_added', candidateId: a.id });
    // A grave found later is news to the family that follows the request (the first answer they saw).
    if (added.length) await queueNotification(trx, { kind: 'request_candidate', subjects: [`request:${requestId}`], details: { candidates: added.length } });
  }
  return added.map((a) => a.id);
}

/** Rebuilds grave_clues for every unidentified grave (after a bulk load); returns how many. */
export async function rebuildGraveClues(db: Db, batch = 5_000): Promise<number> {
  const gazetteer = await gazetteerOf(db);
  await deleteAllClues(db);
  let after = 0;
  let count = 0;
  for (;;) {
    const sources = await clueSourcesAfter(db, after, batch);
    if (!sources.length) break;
    await upsertClues(db, sources.map((s) => graveClueRow(gazetteer, s)));
    after = Number(sources.at(-1)!.id);
    count += sources.length;
  }
  await analyzeClues(db);
  return count;
}

/**
 * One batch of grave changes: clues refreshed, the graves scored against every open request, good
 * scores added as candidates, all in one transaction with the outbox rows marked done. Run twice,
 * it adds nothing twice (the candidate's uniqueness); killed midway, nothing of the batch is kept.
 * Returns how many changes it handled (0: none pending).
 */
export async function drainGraveChanges(db: Db, logger?: Logger, batch = 200): Promise<number> {
  const gazetteer = await gazetteerOf(db);
  return db.transaction(async (trx) => {
    const changes = await claimGraveChanges(trx, batch);
    if (!changes.length) return 0;
    const graveIds = [...new Set(changes.map((c) => Number(c.grave_id)))];
    const sources = await clueSources(trx, graveIds);
    const rows = sources.map((s) => graveClueRow(gazetteer, s));
    const kept = new Set(rows.map((r) => r.grave_id));
    const gone = graveIds.filter((id) => !kept.has(id));
    await deleteClues(trx, gone);
    await withdrawCandidatesOfGraves(trx, gone);
    await upsertClues(trx, rows);
    let added = 0;
    if (rows.length) {
      for (const request of await openRequests(trx)) {
        const parsed = parseNotice(gazetteer, {
          fullName: request.full_name, hometown: request.hometown_text, unit: request.unit, placeOfDeath: request.place_of_death,
          death: { year: request.death_year, month: request.death_month, day: request.death_day },
        });
        const cemeteries = [...new Set(rows.map((r) => r.cemetery_id))];
        const distances = parsed.place ? await cemeteryDistances(trx, parsed.place.ref, cemeteries) : new Map<number, number>();
        const homeDistances = parsed.home ? await cemeteryDistances(trx, parsed.home.ref, cemeteries) : new Map<number, number>();
        const fresh: NewCandidate[] = [];
        for (const row of rows) {
          const { score, reasons } = scoreGrave(parsed.notice, cluesOf(row), parsed.place ? (distances.get(row.cemetery_id) ?? null) : null, parsed.home ? (homeDistances.get(row.cemetery_id) ?? null) : null);
          const candidate = { graveId: row.grave_id, score, reasons };
          // A grave already proposed keeps its place, with its reasons brought up to date.
          await refreshProposedCandidate(trx, Number(request.id), candidate);
          const good = score >= WEIGHTS.minimumScore && reasons.some((r) => r.points > 0);
          const ranksIn = request.kept < WEIGHTS.keep || request.weakest === null || score > Number(request.weakest);
          if (good && ranksIn) fresh.push(candidate);
        }
        added += (await addCandidates(trx, Number(request.id), fresh, 'grave_change')).length;
      }
    }
    await markGraveChangesDone(trx, changes.map((c) => Number(c.id)));
    logger?.debug({ changes: changes.length, graves: graveIds.length, added }, 'family matching: grave changes drained');
    return changes.length;
  });
}

/** Drains until nothing is pending (the job's body). */
export async function drainAllGraveChanges(db: Db, logger?: Logger): Promise<number> {
  let total = 0;
  for (let n = await drainGraveChanges(db, logger); n > 0; n = await drainGraveChanges(db, logger)) total += n;
  return total;
}

export { unidentifiedGraveIds };
