/**
 * The staff-only dossier index: one Meilisearch document per OCR'd page, in an index of its own
 * (MEILI_DOSSIER_INDEX) that no public route reads. Diacritics-insensitive and typo-tolerant like
 * the public search (the same Vietnamese locale and typo rules), filtered by the searcher's
 * jurisdiction on the server, and every hit checked again against PostgreSQL before it is shown.
 */
import type { Settings } from 'meilisearch';
import type { Db } from '../db/knex.js';
import type { Scope } from '../accounts/scope.js';
import type { Meilisearch } from '../search/client.js';
import { indexExists, settled } from '../search/index-writer.js';
import { INDEX_SETTINGS, SEARCH_LOCALES } from '../search/index-settings.js';
import { markIndexed, pagesForIndex, type IndexedPage } from './dossiers.queries.js';

export type DossierPageDocument = {
  id: string;
  pageId: number;
  documentId: number;
  pageNumber: number;
  kind: string;
  classification: string;
  text: string;
  names: string[];
  martyrIds: number[];
  provinceCodes: string[];
  cemeteryIds: number[];
  communeCodes: string[];
  writing: string | null;
  year: number | null;
};

export const DOSSIER_INDEX_SETTINGS: Settings = {
  searchableAttributes: ['text', 'names'],
  filterableAttributes: ['provinceCodes', 'cemeteryIds', 'communeCodes', 'classification', 'martyrIds', 'kind', 'writing', 'year'],
  sortableAttributes: ['pageId'],
  rankingRules: ['words', 'typo', 'proximity', 'attribute', 'exactness'],
  localizedAttributes: [{ attributePatterns: ['*'], locales: [...SEARCH_LOCALES] }],
  // The public index's reasons hold here too: short Vietnamese syllables need a typo from three letters, numbers (years, regiments) none.
  typoTolerance: { enabled: true, minWordSizeForTypos: { oneTypo: 3, twoTypos: 8 }, disableOnNumbers: true },
  synonyms: INDEX_SETTINGS.synonyms,
  pagination: { maxTotalHits: 1000 },
  facetSearch: false,
};

/** Creates the index if needed and applies the settings; true when it was created (then it is empty). */
export async function ensureDossierIndex(meili: Meilisearch, uid: string): Promise<boolean> {
  const created = !(await indexExists(meili, uid));
  if (created) await settled(meili, meili.createIndex(uid, { primaryKey: 'id' }));
  await settled(meili, meili.index(uid).updateSettings(DOSSIER_INDEX_SETTINGS), 600_000);
  return created;
}

export function documentOf(page: IndexedPage): DossierPageDocument {
  return {
    id: `page-${page.id}`,
    pageId: page.id,
    documentId: page.document_id,
    pageNumber: page.page_number,
    kind: page.kind,
    classification: page.classification,
    text: page.ocr_text ?? '',
    names: page.names,
    martyrIds: page.martyr_ids,
    provinceCodes: page.province_codes,
    cemeteryIds: page.cemetery_ids,
    communeCodes: page.commune_codes,
    writing: page.writing,
    year: page.issued_year,
  };
}

/** Writes these pages' documents and marks them indexed as of the version written. Repeatable. */
export async function indexPages(db: Db, meili: Meilisearch, uid: string, pageIds: number[]): Promise<number> {
  if (!pageIds.length) return 0;
  const pages = await pagesForIndex(db, pageIds);
  if (!pages.length) return 0;
  await settled(meili, meili.index<DossierPageDocument>(uid).addDocuments(pages.map(documentOf), { primaryKey: 'id' }));
  await markIndexed(db, pages);
  return pages.length;
}

const quoted = (values: (string | number)[]) => `[${values.map((v) => JSON.stringify(String(v))).join(', ')}]`;

/**
 * The index filter for a scope, built on the server from the signed-in user's grants (pure, unit
 * tested): undefined for national scope, null when the scope reaches no dossier at all. Restricted
 * documents only within a province officer's provinces.
 */
export function scopeFilter(scope: Scope): string | undefined | null {
  if (scope.national) return undefined;
  const parts: string[] = [];
  if (scope.provinceCodes.length) parts.push(`provinceCodes IN ${quoted(scope.provinceCodes)}`);
  if (scope.cemeteryIds.length) parts.push(`(cemeteryIds IN ${quoted(scope.cemeteryIds)} AND classification = "internal")`);
  if (scope.communeCodes.length) parts.push(`(communeCodes IN ${quoted(scope.communeCodes)} AND classification = "internal")`);
  return parts.length ? parts.join(' OR ') : null;
}

const PRE = '\u0001';
const POST = '\u0002';

/** Character ranges of the original text that Meilisearch marked in its formatted copy. */
export function markedRanges(formatted: string): { start: number; end: number }[] {
  const ranges: { start: number; end: number }[] = [];
  let offset = 0;
  let open = -1;
  for (const ch of formatted) {
    if (ch === PRE) open = offset;
    else if (ch === POST) {
      if (open >= 0) ranges.push({ start: open, end: offset });
      open = -1;
    } else offset += ch.length;
  }
  return ranges;
}

export type DossierHit = { pageId: number; documentId: number; ranges: { start: number; end: number }[] };

export async function searchDossierIndex(meili: Meilisearch, uid: string, scope: Scope, q: string, limit: number, offset: number): Promise<{ total: number; hits: DossierHit[] }> {
  const filter = scopeFilter(scope);
  if (filter === null) return { total: 0, hits: [] };
  const result = await meili.index<DossierPageDocument>(uid).search(q, {
    filter,
    limit,
    offset,
    attributesToRetrieve: ['pageId', 'documentId'],
    attributesToHighlight: ['text'],
    highlightPreTag: PRE,
    highlightPostTag: POST,
    attributesToCrop: [],
  });
  return {
    total: result.estimatedTotalHits ?? result.hits.length,
    hits: result.hits.map((hit) => ({ pageId: hit.pageId, documentId: hit.documentId, ranges: markedRanges(String((hit._formatted as { text?: string } | undefined)?.text ?? '')) })),
  };
}
