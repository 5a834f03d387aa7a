/**
 * What the public may see, decided once, in SQL. Every public reader (pages, the JSON API, tiles,
 * search documents and the PostgreSQL fallback, sitemaps, home counts, /photos, and every later
 * public surface: open data, feeds, family pages) reads these views, never the tables:
 *
 * - `public_martyrs`: the martyrs whose record is public (`is_public`), with only their public
 *   columns (no internal notes, no certificate number: only whether there is one).
 * - `headstone_withheld(grave_id)`: whether a confidential martyr lies in the grave. What its
 *   headstone says (inscription, the partial name and other known fields, the photo) could name
 *   that martyr, so none of it is public; the grave's place, plot and state are, and so are the
 *   public martyrs lying beside them in a collective grave.
 * - `public_graves`: every grave, with the headstone's fields NULL where it is withheld
 *   (`headstone_withheld` says so); `public_headstones`: only the graves whose headstone is public,
 *   for searches of what headstones say.
 * - `public_photos`: the photos of graves whose headstone is public (`is_current` marks the one a
 *   record shows); /photos serves no other file.
 *
 * Staff code reads the tables (it needs the confidential records); a public reader that does is a bug.
 * The grave display name (migration 20261126000008) is the first public martyr's name: its
 * functions are replaced here to read public_martyrs. A change to who is confidential in a grave
 * also changes the grave's and its companions' search documents, so it is written to the outbox.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    -- Confidential martyrs are few: this keeps "does one lie here?" a probe of a tiny index.
    CREATE INDEX martyrs_confidential_grave_idx ON martyrs (grave_id) WHERE NOT is_public AND grave_id IS NOT NULL;

    CREATE VIEW public_martyrs AS
      SELECT id, full_name, aliases, gender,
        birth_year, birth_month, birth_day, death_year, death_month, death_day,
        hometown_text, hometown_old_commune_code, hometown_old_district_code, hometown_old_province_code,
        hometown_commune_code, hometown_province_code,
        place_of_death, unit, rank, position,
        certificate_date, certificate_number IS NOT NULL AS has_certificate,
        grave_id, source, name_folded, created_at, updated_at
      FROM martyrs
      WHERE is_public;

    -- Whether a confidential martyr lies in this grave. A function, not a join: planned as a probe
    -- of the index above per grave or photo, whatever the query around it (a tile of 10,000 graves).
    CREATE FUNCTION headstone_withheld(grave bigint) RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE AS $$
      SELECT EXISTS (SELECT 1 FROM martyrs WHERE grave_id = grave AND NOT is_public)
    $$;

    CREATE VIEW public_graves AS
      SELECT g.id, g.cemetery_id, g.section_id, g.row_label, g.plot_number, g.position, g.state, g.is_collective,
        headstone_withheld(g.id) AS headstone_withheld,
        CASE WHEN NOT headstone_withheld(g.id) THEN g.inscription END AS inscription,
        CASE WHEN NOT headstone_withheld(g.id) THEN g.known_name END AS known_name,
        CASE WHEN NOT headstone_withheld(g.id) THEN g.known_name_folded END AS known_name_folded,
        CASE WHEN NOT headstone_withheld(g.id) THEN g.known_unit END AS known_unit,
        CASE WHEN NOT headstone_withheld(g.id) THEN g.known_hometown END AS known_hometown,
        CASE WHEN NOT headstone_withheld(g.id) THEN g.known_place_of_death END AS known_place_of_death,
        CASE WHEN NOT headstone_withheld(g.id) THEN g.known_death_year END AS known_death_year,
        CASE WHEN NOT headstone_withheld(g.id) THEN g.known_death_month END AS known_death_month,
        CASE WHEN NOT headstone_withheld(g.id) THEN g.known_death_day END AS known_death_day,
        g.display_name, g.created_at, g.updated_at
      FROM graves g;

    -- The graves whose headstone is public, as they are: what a search of headstones matches, where
    -- a condition on a headstone column (the fallback's trigram match on known_name_folded) must
    -- still use that column's index, which public_graves' CASE hides.
    CREATE VIEW public_headstones AS
      SELECT g.id, g.cemetery_id, g.section_id, g.row_label, g.plot_number, g.position, g.state, g.is_collective,
        g.inscription, g.known_name, g.known_name_folded, g.known_unit, g.known_hometown, g.known_place_of_death, g.known_death_year, g.known_death_month, g.known_death_day,
        g.created_at, g.updated_at
      FROM graves g
      WHERE NOT headstone_withheld(g.id);

    CREATE VIEW public_photos AS
      SELECT p.id, p.grave_id, p.full_key, p.page_key, p.thumb_key, p.width, p.height, p.taken_at, p.is_current, p.created_at
      FROM photos p
      WHERE NOT headstone_withheld(p.grave_id);

    CREATE OR REPLACE FUNCTION refresh_grave_display_names(grave_ids bigint[]) RETURNS void LANGUAGE sql AS $$
      UPDATE graves g SET display_name = n.full_name
      FROM (
        SELECT gid, (SELECT m.full_name FROM public_martyrs m WHERE m.grave_id = gid ORDER BY m.id LIMIT 1) AS full_name
        FROM unnest(grave_ids) AS gid
      ) n
      WHERE g.id = n.gid AND g.display_name IS DISTINCT FROM n.full_name
    $$;

    -- Also clears the name of a grave whose only public martyr has gone (the old version left it).
    CREATE OR REPLACE FUNCTION refresh_all_grave_display_names() RETURNS void LANGUAGE sql AS $$
      UPDATE graves g SET display_name = m.full_name
      FROM graves g2
      LEFT JOIN (SELECT DISTINCT ON (grave_id) grave_id, full_name FROM public_martyrs WHERE grave_id IS NOT NULL ORDER BY grave_id, id) m
        ON m.grave_id = g2.id
      WHERE g.id = g2.id AND g.display_name IS DISTINCT FROM m.full_name
    $$;

    CREATE OR REPLACE FUNCTION martyrs_refresh_grave_names() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      -- A confidential martyr arriving in, leaving or becoming confidential in a grave withholds or
      -- releases its headstone: the grave's document and its companions' (photo) change with it.
      IF current_setting('mls.skip_search_outbox', true) IS DISTINCT FROM 'on' THEN
        IF TG_OP = 'INSERT' THEN
          INSERT INTO search_outbox (entity_type, entity_id)
            SELECT DISTINCT 'grave', grave_id FROM new_rows WHERE grave_id IS NOT NULL AND NOT is_public;
        ELSIF TG_OP = 'DELETE' THEN
          INSERT INTO search_outbox (entity_type, entity_id)
            SELECT DISTINCT 'grave', grave_id FROM old_rows WHERE grave_id IS NOT NULL AND NOT is_public;
        ELSE
          INSERT INTO search_outbox (entity_type, entity_id)
            SELECT DISTINCT 'grave', gid FROM (
              SELECT unnest(ARRAY[o.grave_id, n.grave_id]) AS gid
              FROM old_rows o JOIN new_rows n ON n.id = o.id
              WHERE NOT (o.is_public AND n.is_public)
                AND (o.is_public IS DISTINCT FROM n.is_public OR o.grave_id IS DISTINCT FROM n.grave_id)
            ) changed
            WHERE gid IS NOT NULL;
        END IF;
      END IF;
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
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE OR REPLACE FUNCTION martyrs_refresh_grave_names() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF current_setting('mls.bulk_load', true) = 'on' THEN
        RETURN NULL;
      END IF;
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

    CREATE OR REPLACE FUNCTION refresh_all_grave_display_names() RETURNS void LANGUAGE sql AS $$
      UPDATE graves g SET display_name = m.full_name
      FROM (SELECT DISTINCT ON (grave_id) grave_id, full_name FROM martyrs WHERE is_public AND grave_id IS NOT NULL ORDER BY grave_id, id) m
      WHERE g.id = m.grave_id AND g.display_name IS DISTINCT FROM m.full_name
    $$;

    CREATE OR REPLACE FUNCTION refresh_grave_display_names(grave_ids bigint[]) RETURNS void LANGUAGE sql AS $$
      UPDATE graves g SET display_name = n.full_name
      FROM (
        SELECT gid, (SELECT m.full_name FROM martyrs m WHERE m.grave_id = gid AND m.is_public ORDER BY m.id LIMIT 1) AS full_name
        FROM unnest(grave_ids) AS gid
      ) n
      WHERE g.id = n.gid AND g.display_name IS DISTINCT FROM n.full_name
    $$;

    DROP VIEW public_photos, public_headstones, public_graves, public_martyrs;
    DROP FUNCTION headstone_withheld(bigint);
    DROP INDEX martyrs_confidential_grave_idx;
  `);
}
