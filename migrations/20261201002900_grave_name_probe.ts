/**
 * The grave display name's probe, planned the same whatever the statistics say.
 *
 * `refresh_grave_display_names` took a grave's first public martyr with `WHERE grave_id = gid
 * ORDER BY id LIMIT 1`. On a database whose martyrs table had never been analysed (a province's
 * first import into a new portal; or any table grown since its last ANALYZE, which autovacuum
 * cannot do inside the import's one flip transaction), the planner guessed ~20 martyrs per grave
 * and walked the primary key from id 1, filtering on grave_id, for every grave: 5-7 s per
 * 1,000-row chunk of a flip, growing with the table. Reading the grave's own martyrs first (behind
 * an OFFSET 0 fence, so the ORDER BY cannot be pushed into the scan) leaves the planner only the
 * grave_id index; the graves updated are found by their primary key the same way.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE OR REPLACE FUNCTION refresh_grave_display_names(grave_ids bigint[]) RETURNS void LANGUAGE sql AS $$
      UPDATE graves g SET display_name = n.full_name
      FROM (
        SELECT gid, (
          SELECT own.full_name
          FROM (SELECT m.id, m.full_name FROM public_martyrs m WHERE m.grave_id = gid OFFSET 0) own
          ORDER BY own.id LIMIT 1
        ) AS full_name
        FROM unnest(grave_ids) AS gid
      ) n
      WHERE g.id = ANY(grave_ids) AND g.id = n.gid AND g.display_name IS DISTINCT FROM n.full_name
    $$;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE OR REPLACE FUNCTION refresh_grave_display_names(grave_ids bigint[]) RETURNS void LANGUAGE sql AS $$
      UPDATE graves g SET display_name = n.full_name
      FROM (
        SELECT gid, (SELECT m.full_name FROM public_martyrs m WHERE m.grave_id = gid ORDER BY m.id LIMIT 1) AS full_name
        FROM unnest(grave_ids) AS gid
      ) n
      WHERE g.id = n.gid AND g.display_name IS DISTINCT FROM n.full_name
    $$;
  `);
}
