/**
 * A clean search request → Meilisearch search parameters. Pure: tested against expected output.
 */
import type { SearchParams } from 'meilisearch';
import type { ProvinceRef } from '../places/province-catalogue.js';
import { SEARCH_LOCALES } from './index-settings.js';
import type { SearchRequest } from './search.schema.js';

/** What splits namesakes: where they came from, when they were born, where they lie. */
export const NAMESAKE_FACETS = ['hometownProvinceCode', 'birthDecade', 'cemeteryId'] as const;
export const FACETS = ['provinceCodes', 'kind', 'hasPhoto', 'hasGrave', 'unitGroups', ...NAMESAKE_FACETS] as const;

/**
 * With diacritics typed, the engine still ranks "Thanh" and "Thành" alike; the service re-ranks
 * ties by exact diacritics within the first RERANK_WINDOW results.
 */
export const RERANK_WINDOW = 50;

/** What the API's hits are made of (hits.ts): nothing else travels back. */
export const RETRIEVED_ATTRIBUTES = [
  'kind', 'recordId', 'fullName', 'knownName', 'aliases', 'birthDate', 'deathDate', 'hometown', 'hometownProvince', 'unit', 'placeOfDeath',
  'graveId', 'graveState', 'cemeteryId', 'cemeteryName', 'cemeteryUrl', 'plot', 'lat', 'lng', 'photoUrl', 'thumbUrl', 'url',
];
/**
 * And what re-ranking by diacritics reads (hits.ts, exactDiacriticMatches), only when it runs: the
 * places' names, old ones included, are often the longest field of a document, and every byte of
 * them is the engine's to write and the API's to parse.
 */
const RERANK_ATTRIBUTES = [...RETRIEVED_ATTRIBUTES, 'placeNames'];

/** Documents inside a box, by their plain lat/lng numbers. */
export function boxFilter(minLng: number, minLat: number, maxLng: number, maxLat: number): string {
  return `lat ${minLat} TO ${maxLat} AND lng ${minLng} TO ${maxLng}`;
}

/** A string value inside a Meilisearch filter expression. */
export function quote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export type EngineQuery = { q: string; params: SearchParams; offset: number; limit: number; rerank: boolean };

export function buildFilters(request: SearchRequest, province: ProvinceRef | undefined, hometown?: string): string[] {
  const filters: string[] = [];
  if (hometown) filters.push(`hometownProvinceCode = ${quote(hometown)}`);
  if (province) filters.push(`${province.scope === 'current' ? 'provinceCodes' : 'oldProvinceCodes'} = ${quote(province.code)}`);
  if (request.cemetery) filters.push(`cemeteryId = ${request.cemetery}`);
  if (request.birthYear) filters.push(`birthYear ${request.birthYear.from} TO ${request.birthYear.to}`);
  if (request.deathYear) filters.push(`deathYear ${request.deathYear.from} TO ${request.deathYear.to}`);
  if (request.unit) filters.push(`unitGroups = ${quote(request.unit)}`);
  if (request.kind) filters.push(`kind = ${quote(request.kind)}`);
  if (request.hasPhoto !== undefined) filters.push(`hasPhoto = ${request.hasPhoto}`);
  if (request.hasGrave !== undefined) filters.push(`hasGrave = ${request.hasGrave}`);
  if (request.bbox) {
    const { minLng, minLat, maxLng, maxLat } = request.bbox;
    filters.push(boxFilter(minLng, minLat, maxLng, maxLat));
  }
  return filters;
}

/**
 * `namesakeFacets`: a bare name (nothing but name words, no filter, first page) also counts the
 * facets that split namesakes, so an ambiguous name is answered with them in the same engine call.
 */
export function buildEngineQuery(request: SearchRequest, text: string, province: ProvinceRef | undefined, rerank: boolean, namesakeFacets = false, hometown?: string): EngineQuery {
  const offset = (request.page - 1) * request.perPage;
  // Re-ranking needs the whole window from the top; beyond it, plain paging.
  const useWindow = rerank && offset + request.perPage <= RERANK_WINDOW;
  const params: SearchParams = {
    filter: buildFilters(request, province, hometown),
    ...(request.facets ? { facets: [...FACETS] } : namesakeFacets ? { facets: [...NAMESAKE_FACETS] } : {}),
    offset: useWindow ? 0 : offset,
    limit: useWindow ? RERANK_WINDOW : request.perPage,
    attributesToRetrieve: useWindow ? RERANK_ATTRIBUTES : RETRIEVED_ATTRIBUTES,
    // No attributesToHighlight: matches are marked by the service (highlight.ts).
    // The score is read to re-rank ties, and to merge the answers of typo variants (search.service.ts).
    showRankingScore: true,
    locales: [...SEARCH_LOCALES],
  };
  // With `near`, the service orders by distance itself (see nearSearch in search.service.ts).
  if (!text && !request.near) params.sort = ['sortName:asc'];
  return { q: text, params, offset, limit: request.perPage, rerank: useWindow };
}
