/** The one query readiness runs: PostgreSQL answers a statement through the pool. */
import type { Knex } from '../db/knex.js';

export async function pingDatabase(db: Knex): Promise<void> {
  await db.raw('SELECT 1');
}
