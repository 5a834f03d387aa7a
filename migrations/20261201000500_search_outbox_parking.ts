/**
 * The outbox drain claims rows with a lease instead of holding row locks while it waits for
 * Meilisearch, retries a failing row later rather than at once, and parks (dead-letters) a row
 * that keeps failing on its own, so one bad row never blocks the ones behind it. Parked rows stay
 * until an admin retries them (the staff home lists them).
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE search_outbox
      ADD COLUMN next_attempt_at timestamptz,
      ADD COLUMN parked_at timestamptz;
    CREATE INDEX search_outbox_parked_idx ON search_outbox (id) WHERE parked_at IS NOT NULL;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP INDEX search_outbox_parked_idx;
    ALTER TABLE search_outbox DROP COLUMN next_attempt_at, DROP COLUMN parked_at;
  `);
}
