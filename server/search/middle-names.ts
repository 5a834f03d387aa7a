/**
 * The likeliest middle names for a given name, from the records themselves: what a family + given
 * name ("nguyen thanh") is completed with (search.service.ts). The name-frequency data of
 * name-syllables.ts describes people alive today (Minh, Thanh and Ngọc are common middle names
 * there), not the war generation the portal's records hold (Văn, Đình, Đức, Hữu, Xuân...), and a
 * given name brings its own: Thị before Lan, Văn before Thành. So the counts come from the public
 * martyrs (middle-names.queries.ts), per given name, with the counts over every given name for a
 * given name too rare to say.
 */
import type { Db } from '../db/knex.js';
import { middleNameCounts } from './middle-names.queries.js';
import { LIKELY_MIDDLE_NAMES } from './typo-variants.js';

export type MiddleName = { word: string; share: number };

/** A given name with fewer records than this takes the middle names of all given names. */
const MIN_RECORDS = 20;
/** Kept per given name: more than any search asks for. */
const KEPT = 12;
/** Counts are read again after this long (new records change them slowly). */
const REFRESH_MS = 60 * 60_000;

/** Spelling variants the index treats as one, folded, as typed names are compared (name-match.ts). */
const SPELLING: Record<string, string> = { sy: 'si', qui: 'quy', ki: 'ky', li: 'ly', mi: 'my', hi: 'hy' };
const canonical = (w: string) => SPELLING[w] ?? w;

type Table = { byGiven: Map<string, MiddleName[]>; overall: MiddleName[] };
type Entry = { table: Promise<Table>; at: number };

const tables = new WeakMap<Db, Entry>();

function top(counts: Map<string, number>): MiddleName[] {
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  return [...counts]
    .map(([word, n]) => ({ word, share: n / total }))
    .sort((a, b) => b.share - a.share || a.word.localeCompare(b.word))
    .slice(0, KEPT);
}

async function load(db: Db): Promise<Table> {
  const perGiven = new Map<string, Map<string, number>>();
  const overall = new Map<string, number>();
  for (const { given, middle, n } of await middleNameCounts(db)) {
    const g = canonical(given);
    const m = canonical(middle);
    const counts = perGiven.get(g) ?? new Map<string, number>();
    perGiven.set(g, counts);
    counts.set(m, (counts.get(m) ?? 0) + n);
    overall.set(m, (overall.get(m) ?? 0) + n);
  }
  const byGiven = new Map<string, MiddleName[]>();
  for (const [given, counts] of perGiven) {
    if ([...counts.values()].reduce((a, b) => a + b, 0) >= MIN_RECORDS) byGiven.set(given, top(counts));
  }
  return { byGiven, overall: top(overall) };
}

function table(db: Db): Promise<Table> {
  const had = tables.get(db);
  if (had && Date.now() - had.at < REFRESH_MS) return had.table;
  const entry: Entry = { table: load(db), at: Date.now() };
  // A failed read is not kept: the next search asks again (and falls back meanwhile).
  entry.table.catch(() => tables.delete(db));
  // While a refresh runs, searches keep the counts they had.
  if (had) {
    tables.set(db, { ...entry, table: entry.table.catch(() => had.table) });
    return had.table;
  }
  tables.set(db, entry);
  return entry.table;
}

/**
 * The likeliest middle names for `given` (folded), likeliest first, with their share among the
 * three-word names ending in it; the name-frequency data's when the records have no three-word names.
 */
export async function likelyMiddleNames(db: Db, given: string): Promise<readonly MiddleName[]> {
  const t = await table(db);
  const list = t.byGiven.get(canonical(given)) ?? t.overall;
  return list.length ? list : LIKELY_MIDDLE_NAMES;
}

/** Reads the counts again at the next search (after records were added in bulk, and in tests). */
export function forgetMiddleNames(db: Db): void {
  tables.delete(db);
}
