/**
 * Administrative units before and after the 1 July 2025 reform, the old → new mapping, and the
 * historical province names that records still use. Codes are text: they carry leading zeros.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE EXTENSION IF NOT EXISTS postgis;
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
    CREATE EXTENSION IF NOT EXISTS unaccent;

    -- Units as they were until 30 June 2025: 63 provinces, 696 districts, ~10,000 communes.
    CREATE TABLE old_provinces (
      code        text PRIMARY KEY CHECK (code ~ '^[0-9]{2}$'),
      name        text NOT NULL,
      full_name   text NOT NULL,
      name_en     text NOT NULL,
      slug        text NOT NULL UNIQUE,
      unit_type   text NOT NULL,
      geom        geometry(MultiPolygon, 4326)
    );
    CREATE TABLE old_districts (
      code          text PRIMARY KEY CHECK (code ~ '^[0-9]{3}$'),
      province_code text NOT NULL REFERENCES old_provinces (code),
      name          text NOT NULL,
      full_name     text NOT NULL,
      name_en       text NOT NULL,
      unit_type     text NOT NULL,
      geom          geometry(MultiPolygon, 4326)
    );
    CREATE INDEX old_districts_province_idx ON old_districts (province_code);
    CREATE TABLE old_communes (
      code          text PRIMARY KEY CHECK (code ~ '^[0-9]{5}$'),
      district_code text NOT NULL REFERENCES old_districts (code),
      name          text NOT NULL,
      full_name     text NOT NULL,
      name_en       text NOT NULL,
      unit_type     text NOT NULL
    );
    CREATE INDEX old_communes_district_idx ON old_communes (district_code);

    -- Units since 1 July 2025: 34 provinces and ~3,300 communes, no district level.
    CREATE TABLE provinces (
      code       text PRIMARY KEY CHECK (code ~ '^[0-9]{2}$'),
      name       text NOT NULL,
      full_name  text NOT NULL,
      name_en    text NOT NULL,
      slug       text NOT NULL UNIQUE,
      unit_type  text NOT NULL,
      geom       geometry(MultiPolygon, 4326)
    );
    CREATE INDEX provinces_geom_idx ON provinces USING gist (geom);
    CREATE TABLE communes (
      code          text PRIMARY KEY CHECK (code ~ '^[0-9]{5}$'),
      province_code text NOT NULL REFERENCES provinces (code),
      name          text NOT NULL,
      full_name     text NOT NULL,
      name_en       text NOT NULL,
      unit_type     text NOT NULL
    );
    CREATE INDEX communes_province_idx ON communes (province_code);
    CREATE INDEX old_provinces_geom_idx ON old_provinces USING gist (geom);
    CREATE INDEX old_districts_geom_idx ON old_districts USING gist (geom);

    -- Every old province went whole into exactly one new one.
    CREATE TABLE province_mapping (
      old_province_code text PRIMARY KEY REFERENCES old_provinces (code),
      new_province_code text NOT NULL REFERENCES provinces (code),
      merge_type        text NOT NULL CHECK (merge_type IN ('full', 'partial'))
    );
    CREATE INDEX province_mapping_new_idx ON province_mapping (new_province_code);

    -- One row per (old unit, new commune) pair: an old commune split across several new ones has
    -- several rows (merge_type 'partial'). Old codes are not foreign keys: the mapping was built on
    -- a GSO snapshot with a dozen codes the pre-2025 list no longer has.
    CREATE TABLE commune_mapping (
      old_code          text NOT NULL,
      old_level         text NOT NULL CHECK (old_level IN ('ward', 'district')),
      old_name          text NOT NULL,
      old_province_code text NOT NULL REFERENCES old_provinces (code),
      new_commune_code  text NOT NULL REFERENCES communes (code),
      merge_type        text NOT NULL CHECK (merge_type IN ('full', 'partial')),
      PRIMARY KEY (old_code, new_commune_code)
    );
    CREATE INDEX commune_mapping_new_idx ON commune_mapping (new_commune_code);

    -- Names records still use (Hà Tây, Nghệ Tĩnh, Bình Trị Thiên...) and the pre-2025 provinces
    -- whose land they now make up.
    CREATE TABLE historical_provinces (
      name      text PRIMARY KEY,
      from_year smallint,
      to_year   smallint,
      note      text,
      CHECK (from_year IS NULL OR to_year IS NULL OR from_year <= to_year)
    );
    CREATE TABLE historical_province_successors (
      historical_name   text NOT NULL REFERENCES historical_provinces (name) ON DELETE CASCADE,
      old_province_code text NOT NULL REFERENCES old_provinces (code),
      PRIMARY KEY (historical_name, old_province_code)
    );
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP TABLE historical_province_successors, historical_provinces, commune_mapping,
      province_mapping, communes, provinces, old_communes, old_districts, old_provinces;
  `);
}
