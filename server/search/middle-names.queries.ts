/**
 * How often each middle name goes with each given name among the public martyrs (three-word full
 * names, folded): what the family + given name step of the search asks the engine for
 * (middle-names.ts). Read from the public view, like every public surface.
 */
import type { Db } from '../db/knex.js';

export type MiddleNameCount = { given: string; middle: string; n: number };

export async function middleNameCounts(db: Db): Promise<MiddleNameCount[]> {
  const { rows } = await db.raw<{ rows: Array<{ given: string; middle: string; n: number }> }>(`
    SELECT w[3] AS given, w[2] AS middle, count(*)::int AS n
    FROM (SELECT regexp_split_to_array(fold_vietnamese(btrim(full_name)), '\\s+') AS w FROM public_martyrs WHERE full_name IS NOT NULL) s
    WHERE cardinality(w) = 3
    GROUP BY 1, 2`);
  return rows;
}
