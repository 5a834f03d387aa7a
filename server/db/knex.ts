import knexFactory, { type Knex } from 'knex';
import knexPostgis from 'knex-postgis';
import pg from 'pg';
import type { Logger } from '../logger.js';

export type { Knex };

// PostgreSQL `date` values stay 'YYYY-MM-DD' strings: a JS Date would shift them by the time zone.
pg.types.setTypeParser(pg.types.builtins.DATE, (value) => value);
// Counts come back as bigint; every count this portal shows fits in a JS number.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export type Db = Knex & { postgis: ReturnType<typeof knexPostgis> };

export type DbOptions = {
  /** How long a query waits for a pooled connection (knex's default: a minute). */
  acquireMs?: number;
  /** PostgreSQL's statement_timeout on every connection of the pool; 0 or unset: none. */
  statementMs?: number;
  /** The sessions' application_name (pg_stat_activity), 'mo-liet-si' unless a pool must be told apart (an import thread's). */
  applicationName?: string;
};

/**
 * A knex instance with knex-postgis attached as `db.postgis`. The server passes both timeouts so a
 * full pool or a runaway query becomes a quick 503 (http/db-errors.ts) instead of a request that
 * hangs; scripts (seeding, imports) leave them unset.
 */
export function createDb(connectionString: string, poolMax = 10, logger?: Logger, timeouts: DbOptions = {}): Db {
  const db = knexFactory({
    client: 'pg',
    connection: {
      connectionString, application_name: timeouts.applicationName ?? 'mo-liet-si', ...(timeouts.statementMs ? { statement_timeout: timeouts.statementMs } : {}),
      // No JIT compilation: this portal's statements are many and short, and the planner's cost of
      // one over arrays of a thousand rows (an import's duplicate check) is an overestimate that
      // switched on JIT with inlining: 500 ms of compiling for a 300 ms query, per 1,000-row chunk.
      options: '-c jit=off',
    },
    pool: { min: 0, max: poolMax },
    ...(timeouts.acquireMs ? { acquireConnectionTimeout: timeouts.acquireMs } : {}),
    // knex writes its own warnings to the console unless given somewhere else to put them.
    ...(logger ? { log: { warn: (m: unknown) => logger.warn({ knex: m }), error: (m: unknown) => logger.error({ knex: m }), debug: () => {}, deprecate: (m: unknown) => logger.warn({ knex: m }) } } : {}),
  }) as Db;
  db.postgis = knexPostgis(db);
  return db;
}
