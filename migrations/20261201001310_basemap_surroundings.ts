/**
 * What the offline basemap draws around and inside Vietnam besides the provinces:
 * - the neighbouring countries as land (Natural Earth), so Vietnam no longer floats in sea;
 * - rivers (WDBII, by level of importance), for the local zooms;
 * - named points: the neighbours, the seas and the archipelagos of Hoàng Sa and Trường Sa;
 * - a label point inside each pre-2025 district (the place names people know at local zoom),
 *   computed once like the province points: refreshed whenever the boundaries are loaded.
 * The first three are filled by seeds/reference/load-basemap.ts from seeds/data/basemap/.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE basemap_countries (
      code    text PRIMARY KEY,
      name_vi text NOT NULL,
      name_en text NOT NULL,
      geom    geometry(MultiPolygon, 4326) NOT NULL
    );
    CREATE INDEX basemap_countries_geom_idx ON basemap_countries USING gist (geom);

    CREATE TABLE basemap_rivers (
      id    integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      -- WDBII: 1 river-lakes, 2 permanent major rivers, 3 additional major, 4 additional, 5 minor.
      level smallint NOT NULL CHECK (level BETWEEN 1 AND 5),
      geom  geometry(LineString, 4326) NOT NULL
    );
    CREATE INDEX basemap_rivers_geom_idx ON basemap_rivers USING gist (geom);

    CREATE TABLE basemap_named_points (
      key     text PRIMARY KEY,
      kind    text NOT NULL CHECK (kind IN ('country', 'sea', 'islands')),
      name_vi text NOT NULL,
      name_en text NOT NULL,
      geom    geometry(Point, 4326) NOT NULL
    );
    CREATE INDEX basemap_named_points_geom_idx ON basemap_named_points USING gist (geom);

    CREATE MATERIALIZED VIEW basemap_district_points AS
      SELECT code, name, ST_PointOnSurface(geom)::geometry(Point, 4326) AS geom FROM old_districts WHERE geom IS NOT NULL;
    CREATE UNIQUE INDEX basemap_district_points_code ON basemap_district_points (code);
    CREATE INDEX basemap_district_points_geom_idx ON basemap_district_points USING gist (geom);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP MATERIALIZED VIEW basemap_district_points;
    DROP TABLE basemap_named_points;
    DROP TABLE basemap_rivers;
    DROP TABLE basemap_countries;
  `);
}
