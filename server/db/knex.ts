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

/** A knex instance with knex-postgis attached as `db.postgis`. */
export function createDb(connectionString: string, poolMax = 10, logger?: Logger): Db {
  const db = knexFactory({
    client: 'pg',
    connection: { connectionString, application_name: 'mo-liet-si' },
    pool: { min: 0, max: poolMax },
    // knex writes its own warnings to the console unless given somewhere else to put them.
    ...(logger ? { log: { warn: (m: unknown) => logger.warn({ knex: m }), error: (m: unknown) => logger.error({ knex: m }), debug: () => {}, deprecate: (m: unknown) => logger.warn({ knex: m }) } } : {}),
  }) as Db;
  db.postgis = knexPostgis(db);
  return db;
}
