/** What start-up asks PostgreSQL to decide whether the search index needs a full rebuild. */
import type { Db } from '../db/knex.js';

/** Whether PostgreSQL holds any record the index should have. */
export async function anyRecords(db: Db): Promise<boolean> {
  const { rows } = await db.raw<{ rows: { any: boolean }[] }>('SELECT EXISTS (SELECT 1 FROM martyrs) OR EXISTS (SELECT 1 FROM graves) AS any');
  return Boolean(rows[0]?.any);
}
