import knexFactory, { type Knex } from 'knex';
import knexPostgis from 'knex-postgis';
import pg from 'pg';

export type { Knex };

// PostgreSQL `date` values stay 'YYYY-MM-DD' strings: a JS Date would shift them by the time zone.
pg.types.setTypeParser(pg.types.builtins.DATE, (value) => value);
// Counts come back as bigint; every count this portal shows fits in a JS number.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export type Db = Knex & { postgis: ReturnType<typeof knexPostgis> };

/** A knex instance with knex-postgis attached as `db.postgis`. */
export function createDb(connectionString: string, poolMax = 10): Db {
  const db = knexFactory({
    client: 'pg',
    connection: { connectionString, application_name: 'mo-liet-si' },
    pool: { min: 0, max: poolMax },
  }) as Db;
  db.postgis = knexPostgis(db);
  return db;
}
