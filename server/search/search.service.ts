/**
 * Search: a clean request in, hits out. Meilisearch answers normally; when it cannot (down, timing
 * out, failing with a 5xx: engine-errors.ts), PostgreSQL answers with the same shape and
 * `degraded: true`; any other error is a defect and propagates.
 */
import type { Db } from '../db/knex.js';
import type { Logger } from '../logger.js';
import type { ProvinceCatalogue, ProvinceRef } from '../places/province-catalogue.js';
import { BadRequestError } from '../http/errors.js';
import { foldVietnamese, hasDiacritics, words } from '../text/vietnamese.js';
import type { SearchParams } from 'meilisearch';
import type { Meilisearch } from './client.js';
import type { SearchDocument } from './documents.js';
import { meilisearchUnavailable } from './engine-errors.js';
import { fallbackSearch } from './fallback.queries.js';
import { exactDiacriticMatches, toHit, type SearchHit } from './hits.js';
import { boxFilter, buildEngineQuery, RERANK_WINDOW, type EngineQuery } from './meili-query.js';
import { cemeteryNames, loadCemeteryNames } from './cemetery-names.queries.js';
import { correctedWords, nameScore, typedName, type NameScore, type TypedName } from './name-match.js';
import { LIKELY_MIDDLE_NAMES, middleShare, MIDDLE_NAME_QUERIES, typoVariants, type Variant } from './typo-variants.js';
import { likelyMiddleNames, type MiddleName } from './middle-names.js';
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
  /** What splits namesakes (counted for a bare name, and whenever facets are asked for). */
  hometownProvince: { code: string; name: string; count: number }[];
  birthDecade: { decade: number; count: number }[];
  cemetery: { id: number; name: string; count: number }[];
};

export type SearchResponse = {
  query: string;
  total: number;
  page: number;
  perPage: number;
  degraded: boolean;
  tookMs: number;
  /**
   * The name alone does not single one person out: a bare name (no place, year or filter) that
   * several records carry in full. The namesake facets (hometown province, birth decade, cemetery)
   * then come with the answer, so the page can offer them.
   */
  ambiguous: boolean;
  facets: Facets;
  hits: SearchHit[];
};

export type Suggestion = { kind: 'martyr' | 'grave'; id: number; label: string; detail: string | null; url: string; highlight: string };

export type SearchDeps = { db: Db; meili: Meilisearch; indexUid: string; provinces: ProvinceCatalogue; logger: Logger };

/** What one search cost the engine: calls made and the time spent waiting for them (the route's Server-Timing header). */
export type SearchMeter = { calls: number; engineMs: number };

const emptyFacets = (): Facets => ({
  province: [],
  kind: { martyr: 0, grave: 0 },
  hasPhoto: { true: 0, false: 0 },
  hasGrave: { true: 0, false: 0 },
  unit: [],
  hometownProvince: [],
  birthDecade: [],
  cemetery: [],
});

const CEMETERY_FACET_VALUES = 20;

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
  facets.hometownProvince = Object.entries(distribution.hometownProvinceCode ?? {})
    .map(([code, count]) => ({ code, name: provinces.currentName(code) ?? code, count }))
    .sort((a, b) => b.count - a.count);
  facets.birthDecade = Object.entries(distribution.birthDecade ?? {})
    .map(([decade, count]) => ({ decade: Number(decade), count }))
    .sort((a, b) => a.decade - b.decade);
  return facets;
}

/** The cemetery facet needs names, which the index does not facet on: looked up (and cached) by id. */
async function withCemeteryFacet(db: Db, facets: Facets, distribution: Record<string, Record<string, number>> | undefined): Promise<Facets> {
  const top = Object.entries(distribution?.cemeteryId ?? {})
    .map(([id, count]) => ({ id: Number(id), count }))
    .sort((a, b) => b.count - a.count)
    .slice(0, CEMETERY_FACET_VALUES);
  if (!top.length) return facets;
  const names = await cemeteryNames(db, top.map((c) => c.id));
  facets.cemetery = top.flatMap((c) => (names.has(c.id) ? [{ id: c.id, name: names.get(c.id)!, count: c.count }] : []));
  return facets;
}

/** Facet counts of several answers added up (the merged answer of typo variants). */
function addDistributions(all: Array<Record<string, Record<string, number>> | undefined>): Record<string, Record<string, number>> | undefined {
  const present = all.filter((d): d is Record<string, Record<string, number>> => d !== undefined);
  if (present.length <= 1) return present[0];
  const sum: Record<string, Record<string, number>> = {};
  for (const d of present) {
    for (const [facet, values] of Object.entries(d)) {
      const into = (sum[facet] ??= {});
      for (const [value, count] of Object.entries(values)) into[value] = (into[value] ?? 0) + count;
    }
  }
  return sum;
}

/** The hometown filter as today's province code; a province that no longer exists is refused (its records are under today's). */
function resolveHometown(request: SearchRequest, provinces: ProvinceCatalogue): string | undefined {
  if (!request.hometown) return undefined;
  const ref = provinces.resolve(request.hometown);
  if (!ref) throw new BadRequestError(`hometown: unknown province "${request.hometown}" (use a code such as 42 or a name such as ha-tinh)`);
  if (ref.scope !== 'current') throw new BadRequestError(`hometown: "${request.hometown}" is a province from before July 2025; use today's province it is part of`);
  return ref.code;
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
async function searchEveryWordFirst(deps: SearchDeps, q: string, params: SearchParams, meter: SearchMeter = { calls: 0, engineMs: 0 }) {
  const index = deps.meili.index<SearchDocument>(deps.indexUid);
  const metered = async (strategy: 'all' | 'last') => {
    const started = performance.now();
    meter.calls += 1;
    try {
      return await index.search(q, { ...params, matchingStrategy: strategy });
    } finally {
      meter.engineMs += performance.now() - started;
    }
  };
  const result = await metered('all');
  if (result.hits.length > 0 || !q.trim().includes(' ')) return result;
  return metered('last');
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
    // Fetched by id as documents: no search to run.
    const docs = page.length
      ? (await index.getDocuments<SearchDocument>({ ids: page.map((p) => p.id), limit: page.length, ...(params.attributesToRetrieve ? { fields: ['id', ...params.attributesToRetrieve] as (keyof SearchDocument)[] } : {}) })).results
      : [];
    const byId = new Map(docs.map((d) => [d.id, d]));
    const hits = page.flatMap((p) => (byId.has(p.id) ? [{ ...byId.get(p.id)!, distanceMeters: p.distance }] : []));
    return { ...candidates, hits, estimatedTotalHits: total };
  }
  throw new Error('unreachable: the last box always answers');
}

type EngineDoc = SearchDocument & { _rankingScore?: number; distanceMeters?: number };
type EngineResult = { hits: EngineDoc[]; estimatedTotalHits?: number; facetDistribution?: Record<string, Record<string, number>> };

/** Nothing but name words typed, no filter, the first page: the query whose namesakes need splitting. */
export function isBareName(request: SearchRequest, analysed: ReturnType<typeof analyseQuery>): boolean {
  const { q: _q, page, perPage: _p, facets: _f, lang: _l, ...filters } = request;
  return page === 1 && analysed.nameText.length > 0 && !analysed.years.length && !analysed.places.length && Object.values(filters).every((v) => v === undefined);
}

/**
 * The engine's first answer, re-ranked by exact diacritics when they were typed (ties of the
 * engine's score only), as the whole window from the top when it was asked for one.
 */
export function rerankByDiacritics(docs: EngineDoc[], nameText: string): EngineDoc[] {
  const typed = words(nameText);
  const scored = docs.map((doc, position) => ({ doc, position, score: Math.round((doc._rankingScore ?? 0) * 1e6), exact: exactDiacriticMatches(typed, doc) }));
  // Stable: only ties in the engine's score move, the rest of its order stands.
  scored.sort((a, b) => b.score - a.score || b.exact - a.exact || a.position - b.position);
  return scored.map((s) => s.doc);
}

/** The engine calls of the typo-variant step: pure, so the benchmark can make the same calls directly. */
export function variantQueries(query: EngineQuery, analysed: { nameText: string; text: string }, variants: Variant[], window: number): Array<{ q: string; params: SearchParams }> {
  const nameWords = analysed.nameText.split(/\s+/).filter(Boolean);
  const rest = analysed.text.split(/\s+/).filter(Boolean).slice(nameWords.length);
  return variants.map((v) => {
    const replaced = nameWords.map((w, i) => (i === v.at ? v.word : w));
    return {
      q: [...replaced, ...rest].join(' '),
      params: {
        ...query.params,
        // Only the name and the narrowing words (province keys, years) are searched: the variant is
        // there to find a name, and those attributes are small, so the query stays cheap.
        attributesToSearchOn: ['names', 'provinceKeys', 'years'],
        // With a place or a year, records without them still come (after those with them).
        matchingStrategy: rest.length ? 'last' : 'all',
        offset: 0,
        limit: window,
        facets: undefined,
      },
    };
  });
}

/** Records asked for with the two words as spelled (followUpQueries): the name that is exactly them comes first, and a page shows a few of it. */
const EXACT_NAME_LIMIT = 3;

/** Whether the engine's first answer needs the typo-variant step: nobody's name at the top carries every typed word. */
export function needsVariants(typed: TypedName, top: Pick<SearchDocument, 'fullName' | 'knownName' | 'aliases'> | undefined): boolean {
  return typed.words.length > 0 && (!top || !nameScore(typed, top).all);
}

type Ranked = { doc: EngineDoc; score: NameScore; share: number; position: number };

/**
 * The first answer and the variants' answers as one list: records whose name carries every typed
 * word (a variant counting as the word it replaces) first, those with more words exactly as typed
 * before those with a variant or a typo, then the engine's score, then the likelier variant; the
 * rest after, in the first answer's order.
 */
function mergeVariants(typed: TypedName, first: EngineDoc[], answers: EngineResult[], variants: Variant[], middles?: readonly MiddleName[]): EngineDoc[] {
  const byVariant = new Map<number, Set<string>>();
  for (const v of variants) {
    if (!byVariant.has(v.at)) byVariant.set(v.at, new Set());
    byVariant.get(v.at)!.add(v.word);
  }
  const widened: TypedName = { ...typed, variants: byVariant };
  const seen = new Map<string, Ranked>();
  let position = 0;
  const add = (doc: EngineDoc, share: number) => {
    const ranked = { doc, score: nameScore(widened, doc), share, position: position++ };
    // `id` is not among the retrieved attributes; kind and record id make it.
    const key = `${doc.kind}-${doc.recordId}`;
    const had = seen.get(key);
    if (!had || (doc._rankingScore ?? 0) > (had.doc._rankingScore ?? 0)) seen.set(key, had ? { ...ranked, position: had.position } : ranked);
  };
  for (const doc of first) add(doc, 1);
  answers.forEach((answer, i) => answer.hits.forEach((doc) => add(doc, variants[i]?.share ?? 1)));
  const ranked = [...seen.values()].sort(
    (a, b) =>
      Number(b.score.all) - Number(a.score.all) ||
      (a.score.all
        ? b.score.exact - a.score.exact ||
          Number(b.score.ends) - Number(a.score.ends) ||
          a.score.extra - b.score.extra ||
          (b.doc._rankingScore ?? 0) - (a.doc._rankingScore ?? 0) ||
          b.share - a.share
        : 0) ||
      a.position - b.position,
  );
  return interleaveMiddleNames(ranked, middles).map((r) => r.doc);
}

/**
 * Family + given name typed, names with one more word between them: each middle name takes its
 * turn by how common it is (Văn about twice as often as Minh), so the first page shows the likely
 * full names side by side rather than fifty Nguyễn Văn Thanh before the first Nguyễn Minh Thanh.
 *
 * With the middle names the records give for the typed given name (`middles`, middle-names.ts),
 * the name typed exactly (two words) joins them: a family + given name is not one person but a
 * handful of full names, each shared by namesakes (at a million records, a hundred Nguyễn Thành
 * and three hundred Nguyễn Văn Thành). Each full name found then comes once first (the one typed,
 * then by how common its middle name is), so the first page says which full names there are and
 * the namesake facets split each; their other records follow, taking turns by the same shares.
 */
function interleaveMiddleNames(ranked: Ranked[], middles?: readonly MiddleName[]): Ranked[] {
  const shares = middles ? new Map(middles.map((m) => [m.word, m.share])) : undefined;
  const shareOf = (middle: string) => shares?.get(middle) ?? middleShare(middle);
  const out = [...ranked];
  let start = 0;
  while (start < out.length) {
    const head = out[start]!.score;
    let end = start + 1;
    const joined = shares !== undefined && head.all && head.ends && head.extra === 0;
    const same = (s: NameScore) =>
      s.all === head.all && s.exact === head.exact && s.ends === head.ends && (s.extra === head.extra || (joined && s.extra === 1));
    while (end < out.length && same(out[end]!.score)) end++;
    if (head.all && head.ends && (head.extra === 1 || joined)) {
      // The name typed exactly repeats as often as the commonest middle name does.
      const topShare = Math.max(...(middles ?? []).map((m) => m.share), 0.0005);
      const seenOf = new Map<string, number>();
      const slotted = out.slice(start, end).map((r, i) => {
        const middle = r.score.words.slice(1, -1).join(' ');
        const share = r.score.extra === 0 ? topShare : shareOf(middle);
        const k = seenOf.get(middle) ?? 0;
        seenOf.set(middle, k + 1);
        // First appearances before any repeat (with `middles`): the typed name, then by share.
        const first = shares !== undefined && k === 0;
        return { r, i, first, rank: r.score.extra === 0 ? Number.POSITIVE_INFINITY : share, slot: (k + 1) / share };
      });
      slotted.sort((a, b) => Number(b.first) - Number(a.first) || (a.first ? b.rank - a.rank : a.slot - b.slot) || a.i - b.i);
      out.splice(start, end - start, ...slotted.map((x) => x.r));
    }
    start = end;
  }
  return out;
}

/**
 * The engine calls that follow the first answer, if any: the typo variants (and, on a later page,
 * the first query again from the top, to merge like the first page did). Null when the first
 * answer stands; an empty list when it only needs the name-first order. Pure: the benchmark makes
 * the same calls straight to Meilisearch.
 */
export function followUpQueries(
  request: SearchRequest,
  query: EngineQuery,
  analysed: ReturnType<typeof analyseQuery>,
  name: TypedName,
  docs: ReadonlyArray<Pick<SearchDocument, 'fullName' | 'knownName' | 'aliases'>>,
  middleNames: readonly MiddleName[] = LIKELY_MIDDLE_NAMES,
): { variants: Variant[]; queries: Array<{ q: string; params: SearchParams }>; refetch: boolean; middles?: readonly MiddleName[] } | null {
  const window = query.offset + query.limit;
  if (request.near || window > RERANK_WINDOW) return null;
  // On a later page the first answer's top is not at hand: this page's first hit stands for it
  // (when it carries every word, so did the records before it, by the engine's own order).
  if (!needsVariants(name, docs[0])) {
    // Family + given name alone ("nguyen thanh" for Nguyễn Văn Thành), more namesakes than one
    // page: the engine puts every Nguyễn Thanh X (the given name typed sits second) before any
    // Nguyễn Văn Thanh, so the likeliest middle names are asked for too, names only.
    if (name.words.length !== 2 || !isBareName(request, analysed) || docs.length < query.limit) return null;
    // Typed with a slip ("nguyne thanh"), the name that is exactly the two words (Nguyễn Thanh)
    // has no edge over a hundred Nguyễn Thanh X in the engine's order: the words as the top
    // record spells them are asked for too, where exactness puts that name first.
    const [family, given] = correctedWords(name, docs[0]!) as [string, string];
    const slipped = family !== name.words[0] || given !== name.words[1];
    const middles = middleNames.filter((m) => m.word !== family && m.word !== given).slice(0, MIDDLE_NAME_QUERIES);
    // Each middle name needs no more records than its turns on the page (interleaveMiddleNames):
    // a smaller limit is less for the engine to rank and send.
    const limitFor = (share: number) => Math.min(window, Math.max(2, Math.ceil(window * share) + 1));
    const params: SearchParams = { ...query.params, attributesToSearchOn: ['names'], matchingStrategy: 'all', offset: 0, facets: undefined };
    const queries = middles.map((m) => ({ q: `${family} ${m.word} ${given}`, params: { ...params, limit: limitFor(m.share) } }));
    if (slipped) queries.unshift({ q: `${family} ${given}`, params: { ...params, limit: EXACT_NAME_LIMIT } });
    return { variants: [], refetch: false, middles, queries };
  }
  const fromTop = query.rerank || query.offset === 0;
  const top = fromTop ? docs[0] : undefined;
  // The words as typed, before spelling variants are made one ("mi" stays "mi", a slip for Mai,
  // where the comparison reads it as My).
  const asTyped = foldVietnamese(analysed.nameText).split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  const variants = typoVariants(asTyped.length === name.words.length ? asTyped : name.words, typedName(top?.fullName ?? top?.knownName ?? '', false).words);
  const calls = variantQueries(query, analysed, variants, window);
  const refetch = !fromTop && calls.length > 0;
  return { variants, refetch, queries: [...(refetch ? [{ q: query.q, params: { ...query.params, offset: 0, limit: window, matchingStrategy: 'all' as const } }] : []), ...calls] };
}

/** The likely middle names of a given name; the name-frequency data's when the records cannot be read. */
function familyGivenMiddles(deps: SearchDeps, given: string): Promise<readonly MiddleName[]> {
  return likelyMiddleNames(deps.db, given).catch((error: unknown) => {
    deps.logger.warn({ err: error }, 'middle name counts could not be read; using the name-frequency data');
    return LIKELY_MIDDLE_NAMES;
  });
}

/** Reads what searches keep in memory (middle name counts, cemetery names) before the first search needs it. */
export function prepareSearch(deps: SearchDeps): void {
  void familyGivenMiddles(deps, '');
  loadCemeteryNames(deps.db).catch((error: unknown) => deps.logger.warn({ err: error }, 'cemetery names could not be read ahead; searches read them as needed'));
}

export async function search(deps: SearchDeps, request: SearchRequest, meter: SearchMeter = { calls: 0, engineMs: 0 }): Promise<SearchResponse> {
  const started = performance.now();
  const province = resolveProvince(request, deps.provinces);
  const hometown = resolveHometown(request, deps.provinces);
  const analysed = analyseQuery(request.q, deps.provinces);
  const typedWithMarks = hasDiacritics(analysed.nameText);
  const bare = isBareName(request, analysed);
  // Nearest-first results keep their distance order: no re-ranking by diacritics there.
  const query = buildEngineQuery(request, analysed.text, province, typedWithMarks && !request.near, bare, hometown);
  const base = { query: request.q, page: request.page, perPage: request.perPage };
  // What Meilisearch is sent, whose last word it reads as the start of one.
  const typed = typedWords(analysed.text, true);
  const name = typedName(analysed.nameText, true);

  // Read (from a cache, middle-names.ts) while the engine answers; only a family + given name uses them.
  const middleNames = bare && name.words.length === 2 ? familyGivenMiddles(deps, name.words[1]!) : undefined;

  try {
    const result: EngineResult = request.near
      ? await nearSearch(deps, query.q, query.params, request.near, query.offset + query.limit)
      : await searchEveryWordFirst(deps, query.q, query.params, meter);
    // `docs` runs from the top when the query asked for a window, from the page's offset otherwise.
    let docs = result.hits;
    let fromTop = query.rerank || query.offset === 0;
    if (query.rerank) docs = rerankByDiacritics(docs, analysed.nameText);
    let total = result.estimatedTotalHits ?? docs.length;
    let distribution = result.facetDistribution;

    const followUp = followUpQueries(request, query, analysed, name, docs, middleNames ? await middleNames : undefined);
    if (followUp) {
      const { variants, queries, refetch } = followUp;
      if (queries.length) {
        const t0 = performance.now();
        meter.calls += 1;
        const { results } = await deps.meili.multiSearch({ queries: queries.map((c) => ({ indexUid: deps.indexUid, q: c.q, ...c.params })) }).finally(() => {
          meter.engineMs += performance.now() - t0;
        });
        const answers = results as unknown as EngineResult[];
        const first = refetch ? answers.shift()!.hits : docs;
        fromTop = true;
        docs = mergeVariants(name, first, answers, variants, followUp.middles);
        // Middle names tried for a family + given name find records the first query matched
        // already: its total and facets stand. Typo variants find others.
        if (variants.length) {
          total = Math.min(MAX_TOTAL_HITS, total + answers.reduce((sum, a) => sum + (a.estimatedTotalHits ?? a.hits.length), 0));
          distribution = addDistributions([distribution, ...answers.map((a) => a.facetDistribution)]);
        }
      } else {
        docs = mergeVariants(name, docs, [], []);
      }
    } else if (!request.near && name.words.length) {
      // Within what the engine sent, a name with every word as typed goes before one that needs a
      // typo or a prefix for one of them: the engine's `attribute` rule, before `typo`, also weighs
      // where in the name a word sits, which can put "Đặng Văn Đức" before "Trịnh Văn Dân" for
      // "van dan". Stable: the engine's order stands among equals.
      docs = mergeVariants(name, docs, [], []);
    }
    const page = fromTop ? docs.slice(query.offset, query.offset + query.limit) : docs;
    const ambiguous = bare && page.length >= 2 && total >= 2 && nameScore(name, page[0]!).all && nameScore(name, page[1]!).all;
    let facets = facetsFrom(distribution, deps.provinces);
    if (distribution?.cemeteryId) facets = await withCemeteryFacet(deps.db, facets, distribution);
    return {
      ...base,
      total,
      degraded: false,
      tookMs: Math.round(performance.now() - started),
      ambiguous,
      facets,
      hits: page.map((doc) => toHit(doc, typed)),
    };
  } catch (error) {
    // Only an engine that cannot answer is replaced; our own bugs and refused queries surface.
    if (!meilisearchUnavailable(error)) throw error;
    deps.logger.warn({ err: error }, 'meilisearch did not answer; searching PostgreSQL instead');
    const fallback = await fallbackSearch(deps.db, request, analysed.nameText, analysed.years, province, hometown);
    return {
      ...base,
      total: fallback.total,
      degraded: true,
      tookMs: Math.round(performance.now() - started),
      ambiguous: false,
      facets: emptyFacets(),
      hits: fallback.docs.map((doc) => toHit(doc, typed)),
    };
  }
}

const SUGGEST_LIMIT = 8;

/**
 * As-you-type suggests names: searching only the name attributes, every typed word required,
 * keeps the candidate set (and the time) small; words are dropped only when nothing matches.
 */
export const SUGGEST_PARAMS: SearchParams = {
  limit: SUGGEST_LIMIT,
  attributesToSearchOn: ['names'],
  attributesToRetrieve: ['kind', 'recordId', 'fullName', 'knownName', 'birthYear', 'deathYear', 'hometownProvince', 'cemeteryProvince', 'url'],
  locales: [...SEARCH_LOCALES],
};

function suggestionDetail(doc: SearchDocument): string | null {
  const years = [doc.birthYear, doc.deathYear].some((y) => y !== null) ? `${doc.birthYear ?? '?'}–${doc.deathYear ?? '?'}` : null;
  return [years, doc.hometownProvince ?? doc.cemeteryProvince].filter(Boolean).join(' · ') || null;
}

/** As-you-type: a few short suggestions, names first. */
export async function suggest(deps: SearchDeps, request: SuggestRequest, meter: SearchMeter = { calls: 0, engineMs: 0 }): Promise<{ query: string; degraded: boolean; suggestions: Suggestion[] }> {
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
    const params = SUGGEST_PARAMS;
    const result = await searchEveryWordFirst(deps, analysed.text, params, meter);
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
