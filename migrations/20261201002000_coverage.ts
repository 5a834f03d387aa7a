/**
 * The coverage page's materialized views (coverage_current, coverage_monthly), made from the list
 * of measures in server/coverage/measures.ts. They are derived data, like the search index: a
 * later migration that changes the list calls rebuildCoverageViews again, and down() drops them.
 * Made with their data, so the page has figures from the first start; the queue refreshes them.
 */
import type { Knex } from 'knex';
import { rebuildCoverageViews } from '../server/coverage/coverage-views.queries.js';

export async function up(knex: Knex): Promise<void> {
  // Audit rows of one grave are found through (entity_type, entity_id, at): already indexed.
  await rebuildCoverageViews(knex);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP MATERIALIZED VIEW IF EXISTS coverage_current, coverage_monthly');
}
