/**
 * What the map tiles need:
 * - grave counts per cemetery and state, kept exact by statement-level triggers on graves, so the
 *   national and province views of a million graves are a read of a few thousand rows, not a count;
 * - the land outline (the union of the provinces) and label points for the offline basemap,
 *   computed once: materialized views refreshed whenever the reference boundaries are loaded.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    -- No CHECK (n >= 0): an upsert checks the delta row it proposes, which may be negative.
    CREATE TABLE cemetery_stats (
      cemetery_id bigint PRIMARY KEY REFERENCES cemeteries (id) ON DELETE CASCADE,
      identified  integer NOT NULL DEFAULT 0,
      partial     integer NOT NULL DEFAULT 0,
      unknown     integer NOT NULL DEFAULT 0
    );

    CREATE FUNCTION cemetery_stats_apply() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      -- A delta row counts +1 for a grave arriving in a (cemetery, state), -1 for one leaving it;
      -- each event names only the transition tables it has.
      delta text := CASE TG_OP
        WHEN 'INSERT' THEN 'SELECT cemetery_id, state, 1 AS sign FROM new_rows'
        WHEN 'DELETE' THEN 'SELECT cemetery_id, state, -1 AS sign FROM old_rows'
        ELSE 'SELECT cemetery_id, state, 1 AS sign FROM new_rows UNION ALL SELECT cemetery_id, state, -1 FROM old_rows'
      END;
    BEGIN
      EXECUTE format($sql$
        INSERT INTO cemetery_stats AS s (cemetery_id, identified, partial, unknown)
          SELECT cemetery_id,
                 COALESCE(sum(sign) FILTER (WHERE state = 'identified'), 0),
                 COALESCE(sum(sign) FILTER (WHERE state = 'partial'), 0),
                 COALESCE(sum(sign) FILTER (WHERE state = 'unknown'), 0)
          FROM (%s) d GROUP BY cemetery_id
        ON CONFLICT (cemetery_id) DO UPDATE SET
          identified = s.identified + EXCLUDED.identified,
          partial    = s.partial + EXCLUDED.partial,
          unknown    = s.unknown + EXCLUDED.unknown
      $sql$, delta);
      RETURN NULL;
    END $$;

    CREATE TRIGGER graves_stats_insert AFTER INSERT ON graves
      REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION cemetery_stats_apply();
    CREATE TRIGGER graves_stats_update AFTER UPDATE ON graves
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION cemetery_stats_apply();
    CREATE TRIGGER graves_stats_delete AFTER DELETE ON graves
      REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION cemetery_stats_apply();

    INSERT INTO cemetery_stats (cemetery_id, identified, partial, unknown)
      SELECT c.id,
             count(g.id) FILTER (WHERE g.state = 'identified'),
             count(g.id) FILTER (WHERE g.state = 'partial'),
             count(g.id) FILTER (WHERE g.state = 'unknown')
      FROM cemeteries c LEFT JOIN graves g ON g.cemetery_id = c.id GROUP BY c.id;

    CREATE MATERIALIZED VIEW basemap_land AS
      SELECT 1 AS id, ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_Union(geom)), 3))::geometry(MultiPolygon, 4326) AS geom
      FROM provinces WHERE geom IS NOT NULL;
    CREATE INDEX basemap_land_geom_idx ON basemap_land USING gist (geom);

    -- Where a province's name and grave count are drawn: a point inside it, computed once.
    CREATE MATERIALIZED VIEW basemap_province_points AS
      SELECT code, name, ST_PointOnSurface(geom)::geometry(Point, 4326) AS geom FROM provinces WHERE geom IS NOT NULL
      UNION ALL
      SELECT 'old-' || code, name, ST_PointOnSurface(geom)::geometry(Point, 4326) FROM old_provinces WHERE geom IS NOT NULL;
    CREATE UNIQUE INDEX basemap_province_points_code ON basemap_province_points (code);
    CREATE INDEX basemap_province_points_geom_idx ON basemap_province_points USING gist (geom);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP MATERIALIZED VIEW basemap_province_points;
    DROP MATERIALIZED VIEW basemap_land;
    DROP TRIGGER graves_stats_insert ON graves;
    DROP TRIGGER graves_stats_update ON graves;
    DROP TRIGGER graves_stats_delete ON graves;
    DROP FUNCTION cemetery_stats_apply();
    DROP TABLE cemetery_stats;
  `);
}
