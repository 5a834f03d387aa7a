/**
 * Per-address counts for the open-data limits (/ogc pages, downloads): one row per address and
 * fixed window, raised by one upsert per request. A crawler's thousandth page costs one short
 * statement, not a hit row and a count over every hit of the window (rate_limit_hits, which the
 * sign-in and form limits keep: they need a hit given back or rolled back). In PostgreSQL, so
 * every app server counts the same requests. Unlogged: a crash losing the counts only forgets
 * who was near a limit.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE UNLOGGED TABLE rate_limit_counters (
      key          text NOT NULL CHECK (length(key) BETWEEN 1 AND 300),
      window_start timestamptz NOT NULL,
      hits         integer NOT NULL,
      PRIMARY KEY (key, window_start)
    );
    CREATE INDEX rate_limit_counters_window_idx ON rate_limit_counters (window_start);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE rate_limit_counters');
}
