/**
 * sign_in_failures kept every failed sign-in's typed identifier (often a mistyped password) and
 * address for ever. Sign-in throttling now counts in rate_limit_hits (20261201000201), which the
 * retention purge empties once past every window, so the old table and what it holds go.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE sign_in_failures');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE sign_in_failures (
      id          bigserial PRIMARY KEY,
      identifier  text NOT NULL,
      ip          inet,
      at          timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX sign_in_failures_identifier_idx ON sign_in_failures (identifier, at);
    CREATE INDEX sign_in_failures_ip_idx ON sign_in_failures (ip, at);
  `);
}
