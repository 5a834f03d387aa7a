/**
 * Meilisearch stops counting matches here (the index's pagination.maxTotalHits): a total of this
 * size means "at least this many", and no page beyond it can be reached. Nobody pages past a few
 * hundred results, and a lower cap keeps deep pages cheap. Shared with the browser code.
 */
export const MAX_TOTAL_HITS = 1000;

/** The message that says how many results there are (web/messages/{vi,en}/map.json). */
export function resultCountKey(total: number, q: string | undefined): string {
  const atLeast = total >= MAX_TOTAL_HITS ? 'AtLeast' : '';
  if (q) return total === 1 ? 'search.countFor.one' : `search.count${atLeast}For`;
  return total === 1 ? 'search.count.one' : `search.count${atLeast}`;
}
