/**
 * How many times a batch's current step (dry run or commit) ended in an unexpected error. The sweep
 * retries a failed step; after a few failures in a row the batch is marked failed, so an officer
 * sees a message instead of a progress bar that never moves.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE import_batches ADD COLUMN run_failures integer NOT NULL DEFAULT 0');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE import_batches DROP COLUMN run_failures');
}
