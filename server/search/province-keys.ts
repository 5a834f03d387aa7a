/**
 * A province named in a search is matched as one token, not as its syllables. "nguyen van thanh
 * thai binh" must mean Thái Bình, not an alias "Thái" and a cemetery in Hoà Bình: each document
 * carries a key per province its places name ("tinhthaibinh"), and the query text carries the key
 * in place of the name. Keys live in their own attribute with no typo allowed (index-settings.ts),
 * and no name syllable is within a typo of one.
 */
import type { Db, Knex } from '../db/knex.js';
import { loadProvinceCatalogue } from '../places/province-catalogue.js';
import { foldVietnamese } from '../text/vietnamese.js';

/** "thai binh" → "tinhthaibinh". */
export const provinceKey = (foldedName: string) => `tinh${foldedName.replace(/[^a-z0-9]/g, '')}`;

/** Province names run to four syllables ("ba ria vung tau"). */
const LONGEST_NAME = 4;

/** The keys of the province names (folded, as in the catalogue) that appear word for word in the places. */
export function provinceKeysIn(places: readonly string[], provinceNames: ReadonlySet<string>): string[] {
  const keys = new Set<string>();
  for (const place of places) {
    const words = foldVietnamese(place).split(/[^a-z0-9]+/).filter(Boolean);
    for (let start = 0; start < words.length; start++) {
      for (let n = 1; n <= LONGEST_NAME && start + n <= words.length; n++) {
        const name = words.slice(start, start + n).join(' ');
        if (provinceNames.has(name)) keys.add(provinceKey(name));
      }
    }
  }
  return [...keys];
}

/**
 * Reference data, the same in every database of the portal (migrations load it from seeds/data) and
 * changed only by a migration: loaded once per process, also when the caller is a transaction.
 */
let cached: Promise<ReadonlySet<string>> | undefined;

export function provinceNames(db: Knex): Promise<ReadonlySet<string>> {
  if (!cached) {
    const loading = loadProvinceCatalogue(db as Db).then((catalogue) => new Set(catalogue.placeNamesFolded));
    loading.catch(() => {
      if (cached === loading) cached = undefined;
    });
    cached = loading;
  }
  return cached;
}
