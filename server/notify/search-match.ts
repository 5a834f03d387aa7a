/**
 * Whether a saved search finds a new record, asked of the real search index with the same query
 * the search page sends (analysed text, province, years, unit) narrowed to that one document. All
 * the typed words must match, as the search page's first pass asks: a record the family would
 * only find among the words-dropped fallbacks is not news to them.
 */
import type { SearchDeps } from '../search/search.service.js';
import { martyrDocumentId } from '../search/documents.js';
import { buildEngineQuery, quote } from '../search/meili-query.js';
import { analyseQuery } from '../search/query-text.js';
import { searchSchema } from '../search/search.schema.js';
import type { SavedSearch, SearchMatcher } from './notify.service.js';

export function searchMatcher(deps: Pick<SearchDeps, 'meili' | 'indexUid' | 'provinces'>): SearchMatcher {
  return async (saved: SavedSearch, martyrId: number) => {
    const parsed = searchSchema.safeParse({ ...saved, kind: 'martyr' });
    if (!parsed.success) return false;
    const request = parsed.data;
    const province = request.province ? deps.provinces.resolve(request.province) : undefined;
    if (request.province && !province) return false;
    const analysed = analyseQuery(request.q, deps.provinces);
    const query = buildEngineQuery(request, analysed.text, province, false);
    const filter = [...((query.params.filter as string[] | undefined) ?? []), `id = ${quote(martyrDocumentId(martyrId))}`];
    const result = await deps.meili.index(deps.indexUid).search(query.q, { filter, limit: 1, attributesToRetrieve: ['id'], matchingStrategy: 'all', locales: query.params.locales });
    return result.hits.length > 0;
  };
}
