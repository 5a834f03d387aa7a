/** The public lists of unidentified graves and of martyrs with no known grave (the queries read only the visibility views). */
import { cachedFor } from '../db/count-cache.js';
import type { Db } from '../db/knex.js';
import { parseUnit, unitKeys } from './units.js';
import { cemeteriesWithUnidentified, gravelessByProvince, gravelessPage, unidentifiedByProvince, unidentifiedPage } from './unidentified.queries.js';

const PER_PAGE = 50;
/** The per-province counts, taken once a minute per database (a group-by over every graveless record). */
const byProvinceOf = new WeakMap<Db, () => ReturnType<typeof gravelessByProvince>>();
const unidentifiedCountsOf = new WeakMap<Db, () => ReturnType<typeof unidentifiedByProvince>>();

export async function unidentifiedGraves(db: Db, f: { province?: string; cemetery?: number; unit?: string; year?: number; clue?: 'unit' | 'year' | 'place' | 'fragment'; page: number }) {
  // A unit filter is understood as a unit is: "E141", "Trung đoàn 141" and "e 141" find the same graves.
  const keys = f.unit ? unitKeys(parseUnit(f.unit)) : undefined;
  const unmatchedUnit = Boolean(f.unit) && !keys?.length;
  // Nationwide and unfiltered, the list would sort 200,000 graves per visit: the provinces come first.
  const byProvinceOnly = !f.province && !f.cemetery && !f.unit && !f.year;
  const counts = (unidentifiedCountsOf.get(db) ?? unidentifiedCountsOf.set(db, cachedFor(60_000, () => unidentifiedByProvince(db))).get(db)!);
  const [page, cemeteries, byProvince] = await Promise.all([
    unmatchedUnit || byProvinceOnly ? Promise.resolve({ items: [], total: 0 }) : unidentifiedPage(db, { ...f, unitKeys: keys, perPage: PER_PAGE }),
    f.province ? cemeteriesWithUnidentified(db, f.province) : Promise.resolve([]),
    byProvinceOnly ? counts() : Promise.resolve([]),
  ]);
  return { ...page, cemeteries, byProvince, byProvinceOnly, perPage: PER_PAGE, unmatchedUnit };
}

export async function gravelessMartyrs(db: Db, f: { province?: string; page: number }) {
  const [page, byProvince] = await Promise.all([
    gravelessPage(db, { ...f, perPage: PER_PAGE }),
    (byProvinceOf.get(db) ?? byProvinceOf.set(db, cachedFor(60_000, () => gravelessByProvince(db))).get(db)!)(),
  ]);
  return { ...page, byProvince, perPage: PER_PAGE };
}
