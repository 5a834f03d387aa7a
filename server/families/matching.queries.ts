/**
 * The matching's SQL: the reference places it resolves against, the grave_clues read model (built
 * from public_graves only), finding the graves a notice could be, distances measured by PostGIS,
 * the grave-change outbox, and the candidates and events a match writes.
 */
import type { Knex } from '../db/knex.js';
import type { GraveClueRow, GraveClueSource } from './clues.js';
import type { GazetteerRows, PlaceRef } from './places.js';

export async function gazetteerRows(db: Knex): Promise<GazetteerRows> {
  const [oldProvinces, provinces, oldDistricts, historical, countries, mapping] = await Promise.all([
    db('old_provinces').select('code', 'name'),
    db('provinces').select('code', 'name'),
    db('old_districts').select('code', 'name', 'province_code'),
    db('historical_provinces as h').leftJoin('historical_province_successors as s', 's.historical_name', 'h.name').groupBy('h.name')
      .select('h.name', db.raw(`coalesce(array_agg(s.old_province_code) FILTER (WHERE s.old_province_code IS NOT NULL), '{}') AS successors`)),
    db('basemap_countries').whereIn('code', ['LA', 'KH']).select('code', 'name_vi'),
    db('province_mapping').select('old_province_code', 'new_province_code'),
  ]);
  return { oldProvinces, provinces, oldDistricts, historical, countries, mapping };
}

const CLUE_SOURCE = `SELECT g.id, g.cemetery_id, g.known_name, g.known_unit, g.known_hometown, g.known_place_of_death,
  g.known_death_year, g.known_death_month, g.known_death_day FROM public_graves g`;

/** The public clue columns of these graves, if they are still unidentified. */
export async function clueSources(db: Knex, graveIds: number[]): Promise<GraveClueSource[]> {
  const { rows } = await db.raw<{ rows: GraveClueSource[] }>(`${CLUE_SOURCE} WHERE g.id = ANY(?) AND g.state <> 'identified'`, [graveIds]);
  return rows;
}

/** The next page of unidentified graves after `afterId`, for a rebuild. */
export async function clueSourcesAfter(db: Knex, afterId: number, limit: number): Promise<GraveClueSource[]> {
  const { rows } = await db.raw<{ rows: GraveClueSource[] }>(`${CLUE_SOURCE} WHERE g.id > ? AND g.state <> 'identified' ORDER BY g.id LIMIT ?`, [afterId, limit]);
  return rows;
}

export async function upsertClues(trx: Knex, rows: GraveClueRow[]): Promise<void> {
  if (!rows.length) return;
  await trx('grave_clues').insert(rows.map((r) => ({ ...r, updated_at: trx.fn.now() }))).onConflict('grave_id').merge();
}

export async function deleteClues(trx: Knex, graveIds: number[]): Promise<void> {
  if (graveIds.length) await trx('grave_clues').whereIn('grave_id', graveIds).del();
}

export async function deleteAllClues(db: Knex): Promise<void> {
  await db('grave_clues').del();
}

export async function analyzeClues(db: Knex): Promise<void> {
  await db.raw('ANALYZE grave_clues');
}

/** SQL for the geometry of a resolved place (a one-row `g` column), with its binding. */
function placeGeometry(ref: PlaceRef): { sql: string; bindings: Knex.Value[] } {
  if (ref.table === 'historical_provinces') {
    return { sql: `SELECT ST_Union(ST_Simplify(op.geom, 0.01)) AS g FROM historical_province_successors s JOIN old_provinces op ON op.code = s.old_province_code WHERE s.historical_name = ?`, bindings: [ref.code] };
  }
  if (ref.table === 'regions') {
    return { sql: `SELECT ST_Union(ST_Simplify(geom, 0.01)) AS g FROM old_provinces WHERE code = ANY(?)`, bindings: [ref.code.split(',')] };
  }
  // A few districts of the reference data have no boundary: their province stands in.
  if (ref.table === 'old_districts') {
    return { sql: `SELECT coalesce(d.geom, op.geom) AS g FROM old_districts d JOIN old_provinces op ON op.code = d.province_code WHERE d.code = ?`, bindings: [ref.code] };
  }
  const tables = { old_provinces: 'old_provinces', provinces: 'provinces', basemap_countries: 'basemap_countries' } as const;
  return { sql: `SELECT geom AS g FROM ${tables[ref.table]} WHERE code = ?`, bindings: [ref.code] };
}

/** `cover_stones`: how many unidentified graves carry one of the notice's cover names (the same on every row). */
export type CandidateRow = Omit<GraveClueRow, 'unit'> & { unit: unknown; place_km: number | null; home_km: number | null; cover_stones: number };

/** How many unidentified graves' stones name any unit: what a cover's rarity is measured against. */
export async function unitStoneCount(db: Knex): Promise<number> {
  const { rows } = await db.raw<{ rows: { n: number }[] }>(`SELECT count(*)::int AS n FROM grave_clues WHERE unit_keys <> '{}'`);
  return Number(rows[0]?.n ?? 0);
}

/** The points the rough ordering gives (weights.ts, the biggest terms of the exact score). */
export type RoughPoints = {
  regiment: number; division: number; cover: number; fine: number; month: number; year: number; nearYear: number; apartYear: number;
  writtenPlace: number; placeInside: number; placeNear: number; placeMaxKm: number; placeFar: number; placeFarKm: number;
  homeInside: number; homeNear: number; homeMaxKm: number; name: number;
};

export type Retrieval = {
  /** The notice's regiment, division and cover keys (unitKeys of units.ts). */
  regimentKey: string | null;
  divisionKey: string | null;
  coverKeys: string[];
  /** Battalion and company keys, for the rough ordering only. */
  fineKeys: string[];
  month: number | null;
  nameWords: string[];
  placeKey: string | null;
  year: number | null;
  place: PlaceRef | null;
  home: PlaceRef | null;
  /** Degrees around the place of death a cemetery may lie in for a grave found by its year alone. */
  nearDegrees: number;
  /** The same around the hometown. */
  homeDegrees: number;
  points: RoughPoints;
  /** Rows kept after the rough ordering below, for the exact score. */
  limit: number;
};

/** Kilometres from a one-row `g` geometry to a cemetery `c` (0 inside it), on the sphere to the nearest point. */
const KM = (g: string) => `CASE WHEN ${g}.g IS NULL THEN NULL WHEN ST_Intersects(${g}.g, c.location) THEN 0
  ELSE ST_Distance(c.location::geography, ST_ClosestPoint(${g}.g, c.location)::geography) / 1000 END`;

/**
 * One query per notice: the unidentified graves that share a unit key, a name word or the written
 * place with it, or that carry no unit and died within a year of it near the place of death or the
 * hometown; each with its cemetery's distance from the place of death and from the hometown. A
 * rough score in SQL (the big terms of weights.ts, distances included) keeps the `limit` most
 * promising for the exact score: a common regiment or front finds thousands, and only the best
 * few hundred can rank. `found` holds every grave sharing a cover name with the notice, so it also
 * counts them, for the cover's rarity.
 */
export async function retrieveClues(db: Knex, r: Retrieval): Promise<CandidateRow[]> {
  const none = { sql: 'SELECT NULL::geometry AS g', bindings: [] as Knex.Value[] };
  const place = r.place ? placeGeometry(r.place) : none;
  const home = r.home ? placeGeometry(r.home) : none;
  const unitKeys = [r.regimentKey, r.divisionKey, ...r.coverKeys].filter((k): k is string => k !== null);
  const p = r.points;
  const { rows } = await db.raw<{ rows: CandidateRow[] }>(
    `WITH place AS MATERIALIZED (SELECT ST_Simplify(g, 0.005) AS g FROM (${place.sql}) x),
     home AS MATERIALIZED (SELECT ST_Simplify(g, 0.005) AS g FROM (${home.sql}) x),
     near AS (SELECT c.id FROM cemeteries c, place WHERE place.g IS NOT NULL AND ST_DWithin(c.location, place.g, ?)
              UNION SELECT c.id FROM cemeteries c, home WHERE home.g IS NOT NULL AND ST_DWithin(c.location, home.g, ?)),
     found AS MATERIALIZED (
       SELECT gc.grave_id, gc.cemetery_id, gc.unit, gc.unit_keys, gc.fine_keys, gc.death_year, gc.death_month, gc.death_day, gc.place_key, gc.place_label,
              gc.fronts, gc.name_words, gc.hometown_keys
       FROM grave_clues gc
       WHERE gc.unit_keys && ?::text[]
          OR gc.name_words && ?::text[]
          OR gc.place_key = ?
          OR (gc.death_year BETWEEN ?::int - 1 AND ?::int + 1 AND gc.cemetery_id IN (SELECT id FROM near) AND NOT gc.unit_keys && ?::text[])),
     covers AS (SELECT count(*)::int AS n FROM found WHERE found.unit_keys && ?::text[]),
     dist AS MATERIALIZED (
       SELECT c.id, ${KM('place')} AS place_km, ${KM('home')} AS home_km
       FROM cemeteries c, place, home WHERE c.id IN (SELECT DISTINCT cemetery_id FROM found))
     SELECT f.*, d.place_km, d.home_km, covers.n AS cover_stones
     FROM found f JOIN dist d ON d.id = f.cemetery_id CROSS JOIN covers
     ORDER BY (CASE WHEN f.unit_keys @> ARRAY[?::text] THEN ? ELSE 0 END)
            + (CASE WHEN f.unit_keys @> ARRAY[?::text] THEN ? ELSE 0 END)
            + (CASE WHEN f.unit_keys && ?::text[] THEN ? ELSE 0 END)
            + ? * (SELECT count(*) FROM unnest(f.fine_keys) k WHERE k = ANY(?::text[]))
            + (CASE WHEN f.death_year = ? AND f.death_month = ? THEN ? ELSE 0 END)
            + (CASE WHEN f.death_year = ? THEN ? WHEN abs(f.death_year - ?) = 1 THEN ? WHEN abs(f.death_year - ?) > 1 THEN ? ELSE 0 END)
            + (CASE WHEN f.place_key = ? THEN ? ELSE 0 END)
            + (CASE WHEN d.place_km <= 0.5 THEN ? WHEN d.place_km < ? THEN ? * (1 - d.place_km / ?) WHEN d.place_km > ? THEN ? ELSE 0 END)
            + (CASE WHEN d.home_km <= 0.5 THEN ? WHEN d.home_km < ? THEN ? * (1 - d.home_km / ?) ELSE 0 END)
            + (CASE WHEN f.name_words && ?::text[] THEN ? ELSE 0 END) DESC,
            f.grave_id
     LIMIT ?`,
    [
      ...place.bindings, ...home.bindings, r.nearDegrees, r.homeDegrees, unitKeys, r.nameWords, r.placeKey, r.year, r.year, unitKeys, r.coverKeys,
      r.regimentKey, p.regiment, r.divisionKey, p.division, r.coverKeys, p.cover, p.fine, r.fineKeys,
      r.year, r.month, p.month, r.year, p.year, r.year, p.nearYear, r.year, p.apartYear, r.placeKey, p.writtenPlace,
      p.placeInside, p.placeMaxKm, p.placeNear, p.placeMaxKm, p.placeFarKm, p.placeFar,
      p.homeInside, p.homeMaxKm, p.homeNear, p.homeMaxKm, r.nameWords, p.name, r.limit,
    ],
  );
  return rows;
}

/** Kilometres from the place to each cemetery (0 inside it), measured on the sphere to the place's nearest point. */
export async function cemeteryDistances(db: Knex, ref: PlaceRef, cemeteryIds: number[]): Promise<Map<number, number>> {
  if (!cemeteryIds.length) return new Map();
  const place = placeGeometry(ref);
  const { rows } = await db.raw<{ rows: { id: number; km: number }[] }>(
    `WITH place AS (SELECT ST_Simplify(g, 0.005) AS g FROM (${place.sql}) p)
     SELECT c.id, CASE WHEN ST_Intersects(place.g, c.location) THEN 0
                       ELSE ST_Distance(c.location::geography, ST_ClosestPoint(place.g, c.location)::geography) / 1000 END AS km
     FROM cemeteries c, place WHERE c.id = ANY(?) AND place.g IS NOT NULL`,
    [...place.bindings, cemeteryIds],
  );
  return new Map(rows.map((r) => [Number(r.id), Number(r.km)]));
}

/** Claims a batch of pending grave changes; another worker skips the claimed ones. */
export async function claimGraveChanges(trx: Knex, limit: number): Promise<{ id: number; grave_id: number }[]> {
  const { rows } = await trx.raw<{ rows: { id: number; grave_id: number }[] }>(
    `SELECT id, grave_id FROM grave_match_outbox WHERE processed_at IS NULL ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED`, [limit],
  );
  return rows;
}

export async function markGraveChangesDone(trx: Knex, ids: number[]): Promise<void> {
  if (ids.length) await trx('grave_match_outbox').whereIn('id', ids).update({ processed_at: trx.fn.now() });
}

export async function purgeDoneGraveChanges(db: Knex, olderThanDays: number): Promise<void> {
  await db.raw(`DELETE FROM grave_match_outbox WHERE processed_at < now() - make_interval(days => ?)`, [olderThanDays]);
}

export type OpenRequestRow = {
  id: number; full_name: string; hometown_text: string | null; unit: string | null; death_year: number | null; death_month: number | null;
  death_day: number | null; place_of_death: string | null; kept: number; weakest: number | null;
};

/** The requests still searching, with how many candidates they hold and the weakest one's score. */
export async function openRequests(db: Knex): Promise<OpenRequestRow[]> {
  const { rows } = await db.raw<{ rows: OpenRequestRow[] }>(
    `SELECT r.id, r.full_name, r.hometown_text, r.unit, r.death_year, r.death_month, r.death_day, r.place_of_death,
            (SELECT count(*) FROM family_request_candidates k WHERE k.request_id = r.id)::int AS kept,
            (SELECT min(k.score) FROM (SELECT score FROM family_request_candidates WHERE request_id = r.id ORDER BY score DESC LIMIT ?) k) AS weakest
     FROM family_requests r WHERE r.status = 'searching' ORDER BY r.id`, [20],
  );
  return rows;
}

export type NewCandidate = { graveId: number; score: number; reasons: unknown };

/** Inserts the candidates the request does not hold yet; returns the new rows' ids and graves. */
export async function insertCandidates(trx: Knex, requestId: number, candidates: NewCandidate[], foundBy: 'request' | 'grave_change'): Promise<{ id: number; grave_id: number }[]> {
  if (!candidates.length) return [];
  const rows = await trx('family_request_candidates')
    .insert(candidates.map((c) => ({ request_id: requestId, grave_id: c.graveId, score: c.score, reasons: JSON.stringify(c.reasons), found_by: foundBy })))
    .onConflict(['request_id', 'grave_id']).ignore()
    .returning(['id', 'grave_id']);
  return rows.map((r: { id: number; grave_id: number }) => ({ id: Number(r.id), grave_id: Number(r.grave_id) }));
}

/** A still-proposed candidate's score and reasons brought up to date with the grave's new clues. */
export async function refreshProposedCandidate(trx: Knex, requestId: number, c: NewCandidate): Promise<void> {
  await trx('family_request_candidates').where({ request_id: requestId, grave_id: c.graveId, status: 'proposed' })
    .update({ score: c.score, reasons: JSON.stringify(c.reasons), updated_at: trx.fn.now() });
}

/** A grave that became identified (or left the public view) is no longer a candidate anyone should review. */
export async function withdrawCandidatesOfGraves(trx: Knex, graveIds: number[]): Promise<number> {
  if (!graveIds.length) return 0;
  return trx('family_request_candidates').whereIn('grave_id', graveIds).where({ status: 'proposed' })
    .update({ status: 'withdrawn', updated_at: trx.fn.now(), version: trx.raw('version + 1') });
}

export async function insertRequestEvent(trx: Knex, e: { requestId: number; kind: string; candidateId?: number | null; publicMessage?: string | null; actorUserId?: number | null }): Promise<void> {
  await trx('family_request_events').insert({ request_id: e.requestId, kind: e.kind, candidate_id: e.candidateId ?? null, public_message: e.publicMessage ?? null, actor_user_id: e.actorUserId ?? null });
}

/** Which of these graves are unidentified now (a grave confirmed meanwhile is not). */
export async function unidentifiedGraveIds(db: Knex, graveIds: number[]): Promise<Set<number>> {
  const rows = await db('graves').whereIn('id', graveIds).whereNot('state', 'identified').pluck('id');
  return new Set(rows.map(Number));
}
