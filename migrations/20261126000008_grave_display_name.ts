/**
 * The name a grave shows on the map, kept on the grave itself: the first public martyr buried there,
 * or nothing. Looking it up for every grave of a dense tile (10,000 graves in one cemetery at zoom
 * 15) took half of the tile's time. Statement-level triggers on martyrs keep it right, in the same
 * transaction as the change. A bulk loader sets mls.bulk_load = 'on' to skip them, then calls
 * refresh_all_grave_display_names() once: one set-based pass instead of a lookup per grave.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE graves ADD COLUMN display_name text;

    CREATE FUNCTION refresh_grave_display_names(grave_ids bigint[]) RETURNS void LANGUAGE sql AS $$
      UPDATE graves g SET display_name = n.full_name
      FROM (
        SELECT gid, (SELECT m.full_name FROM martyrs m WHERE m.grave_id = gid AND m.is_public ORDER BY m.id LIMIT 1) AS full_name
        FROM unnest(grave_ids) AS gid
      ) n
      WHERE g.id = n.gid AND g.display_name IS DISTINCT FROM n.full_name
    $$;

    CREATE FUNCTION refresh_all_grave_display_names() RETURNS void LANGUAGE sql AS $$
      UPDATE graves g SET display_name = m.full_name
      FROM (SELECT DISTINCT ON (grave_id) grave_id, full_name FROM martyrs WHERE is_public AND grave_id IS NOT NULL ORDER BY grave_id, id) m
      WHERE g.id = m.grave_id AND g.display_name IS DISTINCT FROM m.full_name
    $$;

    CREATE FUNCTION martyrs_refresh_grave_names() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF current_setting('mls.bulk_load', true) = 'on' THEN
        RETURN NULL;
      END IF;
      -- Each event names only the transition tables it has; a martyr that moved graves touches both.
      IF TG_OP = 'INSERT' THEN
        PERFORM refresh_grave_display_names(ARRAY(SELECT DISTINCT grave_id FROM new_rows WHERE grave_id IS NOT NULL));
      ELSIF TG_OP = 'DELETE' THEN
        PERFORM refresh_grave_display_names(ARRAY(SELECT DISTINCT grave_id FROM old_rows WHERE grave_id IS NOT NULL));
      ELSE
        PERFORM refresh_grave_display_names(ARRAY(
          SELECT grave_id FROM new_rows WHERE grave_id IS NOT NULL
          UNION SELECT grave_id FROM old_rows WHERE grave_id IS NOT NULL));
      END IF;
      RETURN NULL;
    END $$;

    CREATE TRIGGER martyrs_grave_name_insert AFTER INSERT ON martyrs
      REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION martyrs_refresh_grave_names();
    -- A trigger with transition tables cannot list columns: every update is checked, only changed names written.
    CREATE TRIGGER martyrs_grave_name_update AFTER UPDATE ON martyrs
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION martyrs_refresh_grave_names();
    CREATE TRIGGER martyrs_grave_name_delete AFTER DELETE ON martyrs
      REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION martyrs_refresh_grave_names();
  `);
  // Existing graves, without waking the search outbox: the name is a map detail, not a search field.
  await knex.raw(`SET LOCAL mls.skip_search_outbox = 'on'`);
  await knex.raw('SELECT refresh_all_grave_display_names()');
  await knex.raw(`SET LOCAL mls.skip_search_outbox = 'off'`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP TRIGGER martyrs_grave_name_insert ON martyrs;
    DROP TRIGGER martyrs_grave_name_update ON martyrs;
    DROP TRIGGER martyrs_grave_name_delete ON martyrs;
    DROP FUNCTION martyrs_refresh_grave_names();
    DROP FUNCTION refresh_all_grave_display_names();
    DROP FUNCTION refresh_grave_display_names(bigint[]);
    ALTER TABLE graves DROP COLUMN display_name;
  `);
}
