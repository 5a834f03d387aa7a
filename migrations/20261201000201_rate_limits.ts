/**
 * One table for every limit counted per key and time window (sign-in attempts per account and per
 * address, submissions per address). A hit is taken before the work it limits, under a per-key
 * advisory lock, by one statement that counts and inserts: concurrent requests cannot all see room.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE rate_limit_hits (
      id   bigserial PRIMARY KEY,
      key  text NOT NULL CHECK (length(key) BETWEEN 1 AND 300),
      at   timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX rate_limit_hits_key_idx ON rate_limit_hits (key, at);
    CREATE INDEX rate_limit_hits_at_idx ON rate_limit_hits (at);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE rate_limit_hits');
}
