/**
 * Search: a clean request in, hits out. Meilisearch answers normally; when it cannot (down, timing
 * out, failing with a 5xx: engine-errors.ts), PostgreSQL answers with the same shape and
 * `degraded: true`; any other error is a defect and propagates.
 */
import type { Db } from '../db/knex.js';
import type { Logger } from '../logger.js';
import type { ProvinceCatalogue, ProvinceRef } from '../places/province-catalogue.js';
import { BadRequestError } from '../http/errors.js';
import { hasDiacritics, words } from '../text/vietnamese.js';
import type { SearchParams } from 'meilisearch';
import type { Meilisearch } from './client.js';
import type { SearchDocument } from './documents.js';
import { meilisearchUnavailable } from './engine-errors.js';
import { fallbackSearch } from './fallback.queries.js';
import { exactDiacriticMatches, toHit, type SearchHit } from './hits.js';
import { boxFilter, buildEngineQuery, quote } from './meili-query.js';
import { escapeHtml, highlightWords, typedWords } from './highlight.js';
import { analyseQuery } from './query-text.js';
import type { SearchRequest, SuggestRequest } from './search.schema.js';
import { SEARCH_LOCALES } from './index-settings.js';
import { MAX_TOTAL_HITS } from './result-count.js';

export type Facets = {
  province: { code: string; name: string; count: number }[];
  kind: { martyr: number; grave: number };
  hasPhoto: { true: number; false: number };
  hasGrave: { true: number; false: number };
  unit: { value: string; count: number }[];
};

export type SearchResponse = {
  query: string;
  total: number;
  page: number;
  perPage: number;
  degraded: boolean;
  tookMs: number;
  facets: Facets;
  hits: SearchHit[];
};

export type Suggestion = { kind: 'martyr' | 'grave'; id: number; label: string; detail: string | null; url: string; highlight: string };

export type SearchDeps = { db: Db; meili: Meilisearch; indexUid: string; provinces: ProvinceCatalogue; logger: Logger };

const emptyFacets = (): Facets => ({ province: [], kind: { martyr: 0, grave: 0 }, hasPhoto: { true: 0, false: 0 }, hasGrave: { true: 0, false: 0 }, unit: [] });

function facetsFrom(distribution: Record<string, Record<string, number>> | undefined, provinces: ProvinceCatalogue): Facets {
  const facets = emptyFacets();
  if (!distribution) return facets;
  facets.province = Object.entries(distribution.provinceCodes ?? {})
    .map(([code, count]) => ({ code, name: provinces.currentName(code) ?? code, count }))
    .sort((a, b) => b.count - a.count);
  facets.kind = { martyr: distribution.kind?.martyr ?? 0, grave: distribution.kind?.grave ?? 0 };
  facets.hasPhoto = { true: distribution.hasPhoto?.true ?? 0, false: distribution.hasPhoto?.false ?? 0 };
  facets.hasGrave = { true: distribution.hasGrave?.true ?? 0, false: distribution.hasGrave?.false ?? 0 };
  facets.unit = Object.entries(distribution.unitGroups ?? {}).map(([value, count]) => ({ value, count })).sort((a, b) => b.count - a.count).slice(0, 30);
  return facets;
}

function resolveProvince(request: SearchRequest, provinces: ProvinceCatalogue): ProvinceRef | undefined {
  if (!request.province) return undefined;
  const ref = provinces.resolve(request.province);
  if (!ref) throw new BadRequestError(`province: unknown province "${request.province}" (use a code such as 44 or a name such as quang-tri)`);
  return ref;
}

/**
 * Every typed word first, so a total counts what matches the query and not every "Văn"; only when
 * nothing matches them all are words dropped from the end (years and places go last).
 */
async function searchEveryWordFirst(deps: SearchDeps, q: string, params: SearchParams) {
  const index = deps.meili.index<SearchDocument>(deps.indexUid);
  const result = await index.search(q, { ...params, matchingStrategy: 'all' });
  if (result.hits.length > 0 || !q.trim().includes(' ')) return result;
  return index.search(q, { ...params, matchingStrategy: 'last' });
}

/** Metres between two points on the Earth (haversine). */
export function distanceMeters(a: { lat: number; lng: number }, b: { lat: number; lng: number }): number {
  const rad = Math.PI / 180;
  const h = Math.sin(((b.lat - a.lat) * rad) / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(((b.lng - a.lng) * rad) / 2) ** 2;
  return Math.round(2 * 6_371_000 * Math.asin(Math.sqrt(h)));
}

/** Boxes (half-sides in degrees) tried around a point, nearest first, until enough records lie inside. */
const NEAR_BOXES = [0.02, 0.1, 0.5, 2, 8, 40];
/** Meilisearch returns at most this many hits of one query. */
const NEAR_CANDIDATES = MAX_TOTAL_HITS;

/**
 * Nearest first, without Meilisearch's _geo (see index-settings.ts): the matching records inside a
 * growing box around the point, ordered by distance here, then the page's documents fetched by id.
 */
async function nearSearch(deps: SearchDeps, q: string, params: SearchParams, near: { lat: number; lng: number }, needed: number) {
  const index = deps.meili.index<SearchDocument>(deps.indexUid);
  const filter = (params.filter as string[] | undefined) ?? [];
  for (const half of NEAR_BOXES) {
    const box = boxFilter(near.lng - half, near.lat - half, near.lng + half, near.lat + half);
    const candidates = await searchEveryWordFirst(deps, q, {
      ...params,
      filter: [...filter, box],
      offset: 0,
      limit: NEAR_CANDIDATES,
      attributesToRetrieve: ['id', 'lat', 'lng'],
      showRankingScore: false,
    });
    const total = candidates.estimatedTotalHits ?? candidates.hits.length;
    if (total < needed && half !== NEAR_BOXES.at(-1)) continue;
    const ordered = (candidates.hits as Array<{ id: string; lat: number | null; lng: number | null }>)
      .filter((h) => h.lat !== null && h.lng !== null)
      .map((h) => ({ id: h.id, distance: distanceMeters(near, { lat: h.lat!, lng: h.lng! }) }))
      .sort((a, b) => a.distance - b.distance);
    const page = ordered.slice(params.offset ?? 0, (params.offset ?? 0) + (params.limit ?? 20));
    const docs = page.length
      ? (await index.search('', { filter: [`id IN [${page.map((p) => quote(p.id)).join(', ')}]`], limit: page.length, attributesToRetrieve: ['id', ...(params.attributesToRetrieve ?? [])] })).hits
      : [];
    const byId = new Map(docs.map((d) => [d.id, d]));
    const hits = page.flatMap((p) => (byId.has(p.id) ? [{ ...byId.get(p.id)!, distanceMeters: p.distance }] : []));
    return { ...candidates, hits, estimatedTotalHits: total };
  }
  throw new Error('unreachable: the last box always answers');
}

type EngineDoc = SearchDocument & { _rankingScore?: number; distanceMeters?: number };

export async function search(deps: SearchDeps, request: SearchRequest): Promise<SearchResponse> {
  const started = performance.now();
  const province = resolveProvince(request, deps.provinces);
  const analysed = analyseQuery(request.q, deps.provinces);
  const typedWithMarks = hasDiacritics(analysed.nameText);
  // Nearest-first results keep their distance order: no re-ranking by diacritics there.
  const query = buildEngineQuery(request, analysed.text, province, typedWithMarks && !request.near);
  const base = { query: request.q, page: request.page, perPage: request.perPage };
  // What Meilisearch is sent, whose last word it reads as the start of one.
  const typed = typedWords(analysed.text, true);

  try {
    const result = request.near
      ? await nearSearch(deps, query.q, query.params, request.near, query.offset + query.limit)
      : await searchEveryWordFirst(deps, query.q, query.params);
    let docs = result.hits as EngineDoc[];
    if (query.rerank) {
      const typed = words(analysed.nameText);
      const scored = docs.map((doc, position) => ({ doc, position, score: Math.round((doc._rankingScore ?? 0) * 1e6), exact: exactDiacriticMatches(typed, doc) }));
      // Stable: only ties in the engine's score move, the rest of its order stands.
      scored.sort((a, b) => b.score - a.score || b.exact - a.exact || a.position - b.position);
      docs = scored.slice(query.offset, query.offset + query.limit).map((s) => s.doc);
    }
    return {
      ...base,
      total: result.estimatedTotalHits ?? docs.length,
      degraded: false,
      tookMs: Math.round(performance.now() - started),
      facets: facetsFrom(result.facetDistribution, deps.provinces),
      hits: docs.map((doc) => toHit(doc, typed)),
    };
  } catch (error) {
    // Only an engine that cannot answer is replaced; our own bugs and refused queries surface.
    if (!meilisearchUnavailable(error)) throw error;
    deps.logger.warn({ err: error }, 'meilisearch did not answer; searching PostgreSQL instead');
    const fallback = await fallbackSearch(deps.db, request, analysed.nameText, analysed.years, province);
    return {
      ...base,
      total: fallback.total,
      degraded: true,
      tookMs: Math.round(performance.now() - started),
      facets: emptyFacets(),
      hits: fallback.docs.map((doc) => toHit(doc, typed)),
    };
  }
}

const SUGGEST_LIMIT = 8;

function suggestionDetail(doc: SearchDocument): string | null {
  const years = [doc.birthYear, doc.deathYear].some((y) => y !== null) ? `${doc.birthYear ?? '?'}–${doc.deathYear ?? '?'}` : null;
  return [years, doc.hometownProvince ?? doc.cemeteryProvince].filter(Boolean).join(' · ') || null;
}

/** As-you-type: a few short suggestions, names first. */
export async function suggest(deps: SearchDeps, request: SuggestRequest): Promise<{ query: string; degraded: boolean; suggestions: Suggestion[] }> {
  if (!request.q) return { query: request.q, degraded: false, suggestions: [] };
  const analysed = analyseQuery(request.q, deps.provinces);
  const typed = typedWords(analysed.text, true);
  const toSuggestion = (doc: EngineDoc): Suggestion => {
    const label = doc.fullName ?? doc.knownName ?? 'Liệt sĩ chưa biết tên';
    return {
      kind: doc.kind,
      id: doc.recordId,
      label,
      detail: suggestionDetail(doc),
      url: doc.url,
      highlight: highlightWords(label, typed) ?? escapeHtml(label),
    };
  };
  try {
    const params = {
      limit: SUGGEST_LIMIT,
      // As-you-type suggests names: searching only the name attributes, every typed word required,
      // keeps the candidate set (and the time) small; words are dropped only when nothing matches.
      attributesToSearchOn: ['names'],
      attributesToRetrieve: ['kind', 'recordId', 'fullName', 'knownName', 'birthYear', 'deathYear', 'hometownProvince', 'cemeteryProvince', 'url'],
      locales: [...SEARCH_LOCALES],
    };
    const result = await searchEveryWordFirst(deps, analysed.text, params);
    return { query: request.q, degraded: false, suggestions: (result.hits as EngineDoc[]).map(toSuggestion) };
  } catch (error) {
    if (!meilisearchUnavailable(error)) throw error;
    deps.logger.warn({ err: error }, 'meilisearch did not answer suggest; using PostgreSQL');
    const fallback = await fallbackSearch(
      deps.db,
      { q: request.q, page: 1, perPage: SUGGEST_LIMIT } as SearchRequest,
      analysed.nameText,
      analysed.years,
      undefined,
    );
    return { query: request.q, degraded: true, suggestions: fallback.docs.map((d) => toSuggestion(d)) };
  }
}
