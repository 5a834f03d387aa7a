/**
 * Work that must end within a time of its own, tighter than the pool's statement_timeout: a page
 * of open data a crawler asked for. The setting lasts for the transaction only (set_config local).
 */
import type { Db, Knex } from './knex.js';

export function withStatementTimeout<T>(db: Db, ms: number, work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
  return db.transaction(async (trx) => {
    await trx.raw(`SELECT set_config('statement_timeout', ?, true)`, [String(Math.round(ms))]);
    return work(trx);
  });
}

/** Work that is not a request (a job's purge): no statement timeout for this transaction. */
export function withoutStatementTimeout<T>(db: Db, work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
  return withStatementTimeout(db, 0, work);
}
