/**
 * How far the change feed's log (public_changes) has been pruned: the position (txid, id) of the
 * newest row the `change-feed-prune` job deleted. The log kept is everything after it, so a
 * cursor before it may have missed rows and is answered "expired" (410) rather than served with a
 * gap; a cursor at or after it is served as before. One row at most: none until the first prune.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE public_changes_pruned (
      singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
      txid       xid8 NOT NULL,
      id         bigint NOT NULL,
      pruned_at  timestamptz NOT NULL DEFAULT now()
    );
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE public_changes_pruned');
}
