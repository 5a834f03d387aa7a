/**
 * How often each middle name goes with each given name among the public martyrs (three-word full
 * names, folded): what the family + given name step of the search asks the engine for
 * (middle-names.ts). Read from the public view, like every public surface.
 */
import type { Db } from '../db/knex.js';

export type MiddleNameCount = { given: string; middle: string; n: number };

/**
 * Shares need no census: above this many martyrs, every k-th by id is read (at a million, a
 * quarter: 2 s instead of 5 on a loaded machine, for shares that differ in the third digit).
 */
const SAMPLE_ROWS = 250_000;

export async function middleNameCounts(db: Db): Promise<MiddleNameCount[]> {
  const { rows: sized } = await db.raw<{ rows: Array<{ n: number }> }>(`SELECT greatest(reltuples, 0)::bigint AS n FROM pg_class WHERE oid = 'martyrs'::regclass`);
  const stride = Math.max(1, Math.round(Number(sized[0]?.n ?? 0) / SAMPLE_ROWS));
  // name_folded is the full name then the aliases, folded (stored, unlike fold_vietnamese(full_name)
  // for each row, which takes four times as long): its first three words are a three-word full name's.
  const { rows } = await db.raw<{ rows: MiddleNameCount[] }>(
    `SELECT w[3] AS given, w[2] AS middle, count(*)::int AS n
     FROM (SELECT string_to_array(name_folded, ' ') AS w FROM public_martyrs
           WHERE id % ? = 0 AND cardinality(string_to_array(btrim(full_name), ' ')) = 3) s
     GROUP BY 1, 2`,
    [stride],
  );
  return rows;
}
