/**
 * The records: cemeteries and their sections, graves, martyrs, headstone photos; the people who
 * work on them (users, roles with a jurisdiction); citizen submissions; the append-only audit log;
 * and the outbox that keeps the search index in step. Later capabilities fill these in; they are
 * defined together so the model can be read whole.
 *
 * Partial dates (a year, a year and month, or a full date) are three columns: never an invented
 * 1 January. partial_date_is_valid() keeps them honest.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE FUNCTION partial_date_is_valid(y integer, m integer, d integer) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
      SELECT CASE
        WHEN y IS NULL THEN m IS NULL AND d IS NULL
        WHEN y NOT BETWEEN 1800 AND 2100 THEN false
        WHEN m IS NULL THEN d IS NULL
        WHEN m NOT BETWEEN 1 AND 12 THEN false
        WHEN d IS NULL THEN true
        ELSE d BETWEEN 1 AND extract(day FROM (make_date(y, m, 1) + interval '1 month - 1 day'))::integer
      END
    $$;

    CREATE TABLE cemeteries (
      id                bigserial PRIMARY KEY,
      name              text NOT NULL CHECK (name = normalize(name, NFC) AND length(name) BETWEEN 3 AND 300),
      level             text NOT NULL CHECK (level IN ('national', 'province', 'district', 'commune')),
      address           text,
      province_code     text NOT NULL REFERENCES provinces (code),
      commune_code      text REFERENCES communes (code),
      old_province_code text REFERENCES old_provinces (code),
      old_district_code text REFERENCES old_districts (code),
      location          geometry(Point, 4326) NOT NULL,
      boundary          geometry(MultiPolygon, 4326),
      -- How well the position is known: surveyed, approximate (e.g. a district centroid), generated (demo).
      location_precision text NOT NULL DEFAULT 'surveyed' CHECK (location_precision IN ('surveyed', 'approximate', 'generated')),
      description       text,
      created_at        timestamptz NOT NULL DEFAULT now(),
      updated_at        timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX cemeteries_location_idx ON cemeteries USING gist (location);
    CREATE INDEX cemeteries_boundary_idx ON cemeteries USING gist (boundary);
    CREATE INDEX cemeteries_province_idx ON cemeteries (province_code);

    -- Khu (area) or lô (lot) inside a cemetery.
    CREATE TABLE cemetery_sections (
      id          bigserial PRIMARY KEY,
      cemetery_id bigint NOT NULL REFERENCES cemeteries (id) ON DELETE CASCADE,
      kind        text NOT NULL DEFAULT 'khu' CHECK (kind IN ('khu', 'lo')),
      code        text NOT NULL CHECK (length(code) BETWEEN 1 AND 20),
      name        text,
      boundary    geometry(Polygon, 4326),
      UNIQUE (cemetery_id, code)
    );
    CREATE INDEX cemetery_sections_boundary_idx ON cemetery_sections USING gist (boundary);

    CREATE TABLE graves (
      id            bigserial PRIMARY KEY,
      cemetery_id   bigint NOT NULL REFERENCES cemeteries (id),
      section_id    bigint REFERENCES cemetery_sections (id),
      row_label     text CHECK (length(row_label) BETWEEN 1 AND 20),
      plot_number   text CHECK (length(plot_number) BETWEEN 1 AND 20),
      position      geometry(Point, 4326),
      -- identified: the martyr is known; partial: the headstone carries some information (unit,
      -- date, place of death); unknown: mộ vô danh, nothing is known.
      state         text NOT NULL CHECK (state IN ('identified', 'partial', 'unknown')),
      is_collective boolean NOT NULL DEFAULT false,
      inscription   text CHECK (inscription = normalize(inscription, NFC)),
      -- What a grave with partial information says about whoever lies there.
      known_name       text,
      known_unit       text,
      known_hometown   text,
      known_place_of_death text,
      known_death_year  smallint,
      known_death_month smallint,
      known_death_day   smallint,
      created_at    timestamptz NOT NULL DEFAULT now(),
      updated_at    timestamptz NOT NULL DEFAULT now(),
      CHECK (partial_date_is_valid(known_death_year, known_death_month, known_death_day))
    );
    -- One grave per plot: (cemetery, section, row, number), a missing section counting as one value.
    CREATE UNIQUE INDEX graves_plot_unique ON graves (cemetery_id, section_id, row_label, plot_number) NULLS NOT DISTINCT
      WHERE plot_number IS NOT NULL;
    CREATE INDEX graves_position_idx ON graves USING gist (position);
    CREATE INDEX graves_section_idx ON graves (section_id);
    CREATE INDEX graves_state_idx ON graves (cemetery_id, state);

    -- A grave's section must be a section of the grave's own cemetery.
    CREATE FUNCTION grave_section_matches_cemetery() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.section_id IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM cemetery_sections s WHERE s.id = NEW.section_id AND s.cemetery_id = NEW.cemetery_id
      ) THEN
        RAISE EXCEPTION 'section % is not a section of cemetery %', NEW.section_id, NEW.cemetery_id
          USING ERRCODE = 'check_violation', CONSTRAINT = 'graves_section_in_cemetery';
      END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER graves_section_in_cemetery BEFORE INSERT OR UPDATE OF section_id, cemetery_id ON graves
      FOR EACH ROW EXECUTE FUNCTION grave_section_matches_cemetery();

    CREATE TABLE martyrs (
      id              bigserial PRIMARY KEY,
      full_name       text NOT NULL CHECK (full_name = normalize(full_name, NFC) AND length(full_name) BETWEEN 1 AND 200),
      aliases         text[] NOT NULL DEFAULT '{}',
      gender          text CHECK (gender IN ('male', 'female')),
      birth_year      smallint,
      birth_month     smallint,
      birth_day       smallint,
      death_year      smallint,
      death_month     smallint,
      death_day       smallint,
      -- Quê quán exactly as the record writes it, and the commune it refers to when known.
      hometown_text          text CHECK (hometown_text = normalize(hometown_text, NFC)),
      hometown_old_commune_code  text REFERENCES old_communes (code),
      hometown_old_district_code text REFERENCES old_districts (code),
      hometown_old_province_code text REFERENCES old_provinces (code),
      hometown_commune_code      text REFERENCES communes (code),
      hometown_province_code     text REFERENCES provinces (code),
      place_of_death  text,
      unit            text,
      rank            text,
      position        text,
      certificate_number text,
      certificate_date   date,
      grave_id        bigint REFERENCES graves (id),
      is_public       boolean NOT NULL DEFAULT true,
      -- Never shown publicly: internal notes of the department that keeps the dossier.
      internal_notes  text,
      -- Where the record came from: a provincial import, staff entry, or an accepted submission.
      source          text NOT NULL DEFAULT 'import' CHECK (source IN ('import', 'staff', 'submission')),
      created_at      timestamptz NOT NULL DEFAULT now(),
      updated_at      timestamptz NOT NULL DEFAULT now(),
      CHECK (partial_date_is_valid(birth_year, birth_month, birth_day)),
      CHECK (partial_date_is_valid(death_year, death_month, death_day)),
      CHECK (birth_year IS NULL OR death_year IS NULL OR birth_year <= death_year)
    );
    CREATE INDEX martyrs_grave_idx ON martyrs (grave_id);
    CREATE INDEX martyrs_hometown_province_idx ON martyrs (hometown_province_code);
    CREATE INDEX martyrs_hometown_old_province_idx ON martyrs (hometown_old_province_code);

    CREATE TABLE users (
      id            bigserial PRIMARY KEY,
      email         text NOT NULL CHECK (email = lower(email) AND email LIKE '%_@_%'),
      username      text CHECK (username = lower(username) AND username ~ '^[a-z0-9._-]{3,40}$'),
      display_name  text NOT NULL,
      password_hash text NOT NULL,
      locale        text NOT NULL DEFAULT 'vi' CHECK (locale IN ('vi', 'en')),
      disabled_at   timestamptz,
      created_at    timestamptz NOT NULL DEFAULT now(),
      updated_at    timestamptz NOT NULL DEFAULT now()
    );
    CREATE UNIQUE INDEX users_email_unique ON users (email);
    CREATE UNIQUE INDEX users_username_unique ON users (username);

    -- A role and, for the roles that have one, its jurisdiction: a current province or a cemetery.
    CREATE TABLE user_roles (
      id            bigserial PRIMARY KEY,
      user_id       bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      role          text NOT NULL CHECK (role IN ('admin', 'ministry_officer', 'province_officer', 'cemetery_staff')),
      province_code text REFERENCES provinces (code),
      cemetery_id   bigint REFERENCES cemeteries (id),
      created_at    timestamptz NOT NULL DEFAULT now(),
      CHECK (
        (role IN ('admin', 'ministry_officer') AND province_code IS NULL AND cemetery_id IS NULL) OR
        (role = 'province_officer' AND province_code IS NOT NULL AND cemetery_id IS NULL) OR
        (role = 'cemetery_staff' AND cemetery_id IS NOT NULL AND province_code IS NULL)
      )
    );
    CREATE UNIQUE INDEX user_roles_unique ON user_roles (user_id, role, province_code, cemetery_id) NULLS NOT DISTINCT;

    CREATE TABLE photos (
      id            bigserial PRIMARY KEY,
      grave_id      bigint NOT NULL REFERENCES graves (id),
      -- Storage keys: the original (private, staff only) and the re-encoded public sizes.
      original_key  text NOT NULL,
      full_key      text NOT NULL,
      page_key      text NOT NULL,
      thumb_key     text NOT NULL,
      content_hash  text NOT NULL CHECK (content_hash ~ '^[0-9a-f]{64}$'),
      width         integer NOT NULL CHECK (width > 0),
      height        integer NOT NULL CHECK (height > 0),
      bytes         integer NOT NULL CHECK (bytes > 0),
      taken_at      timestamptz,
      position      geometry(Point, 4326),
      direction     real CHECK (direction >= 0 AND direction < 360),
      uploaded_by   bigint REFERENCES users (id),
      is_current    boolean NOT NULL DEFAULT false,
      created_at    timestamptz NOT NULL DEFAULT now(),
      UNIQUE (grave_id, content_hash)
    );
    CREATE UNIQUE INDEX photos_one_current ON photos (grave_id) WHERE is_current;

    CREATE TABLE submissions (
      id              bigserial PRIMARY KEY,
      tracking_code   text NOT NULL UNIQUE,
      kind            text NOT NULL CHECK (kind IN ('martyr_correction', 'martyr_grave_info', 'grave_identity', 'headstone_photo', 'new_person')),
      status          text NOT NULL DEFAULT 'received' CHECK (status IN ('received', 'in_review', 'needs_info', 'accepted', 'rejected')),
      martyr_id       bigint REFERENCES martyrs (id),
      grave_id        bigint REFERENCES graves (id),
      cemetery_id     bigint REFERENCES cemeteries (id),
      -- The jurisdiction the submission is routed to.
      province_code   text REFERENCES provinces (code),
      -- Private: never on a public page, in the public API, in the index or in logs.
      sender_name     text NOT NULL CHECK (length(sender_name) BETWEEN 1 AND 200),
      sender_contact  text NOT NULL CHECK (length(sender_contact) BETWEEN 3 AND 200),
      sender_relation text CHECK (length(sender_relation) <= 200),
      message         text NOT NULL CHECK (length(message) BETWEEN 1 AND 5000),
      proposed        jsonb NOT NULL DEFAULT '{}',
      -- The record as it was when the submission was sent, to show what changed since.
      record_snapshot jsonb,
      decision_reason text,
      decided_by      bigint REFERENCES users (id),
      decided_at      timestamptz,
      created_at      timestamptz NOT NULL DEFAULT now(),
      updated_at      timestamptz NOT NULL DEFAULT now(),
      CHECK (status <> 'rejected' OR length(decision_reason) > 0)
    );
    CREATE INDEX submissions_queue_idx ON submissions (province_code, status, created_at);

    CREATE TABLE submission_files (
      id            bigserial PRIMARY KEY,
      submission_id bigint NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
      storage_key   text NOT NULL,
      media_type    text NOT NULL CHECK (media_type IN ('image/jpeg', 'image/png', 'image/webp', 'application/pdf')),
      bytes         integer NOT NULL CHECK (bytes > 0),
      created_at    timestamptz NOT NULL DEFAULT now()
    );

    -- Append-only: who changed what, when, why, and from which submission.
    CREATE TABLE audit_log (
      id            bigserial PRIMARY KEY,
      at            timestamptz NOT NULL DEFAULT now(),
      actor_user_id bigint REFERENCES users (id),
      action        text NOT NULL,
      entity_type   text NOT NULL CHECK (entity_type IN ('martyr', 'grave', 'cemetery', 'photo', 'submission', 'user', 'session')),
      entity_id     bigint,
      before        jsonb,
      after         jsonb,
      reason        text,
      submission_id bigint REFERENCES submissions (id),
      ip            inet
    );
    CREATE INDEX audit_log_entity_idx ON audit_log (entity_type, entity_id, at);
    CREATE INDEX audit_log_actor_idx ON audit_log (actor_user_id, at);

    CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
    END $$;
    CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
      FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
    CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
      FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();

    -- Written in the same transaction as every change search shows; drained into Meilisearch.
    CREATE TABLE search_outbox (
      id           bigserial PRIMARY KEY,
      entity_type  text NOT NULL CHECK (entity_type IN ('martyr', 'grave', 'cemetery', 'photo')),
      entity_id    bigint NOT NULL,
      created_at   timestamptz NOT NULL DEFAULT now(),
      processed_at timestamptz,
      attempts     integer NOT NULL DEFAULT 0,
      last_error   text
    );
    CREATE INDEX search_outbox_pending_idx ON search_outbox (id) WHERE processed_at IS NULL;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP TABLE search_outbox, audit_log, submission_files, submissions, photos, user_roles, users,
      martyrs, graves, cemetery_sections, cemeteries;
    DROP FUNCTION audit_log_is_append_only();
    DROP FUNCTION grave_section_matches_cemetery();
    DROP FUNCTION partial_date_is_valid(integer, integer, integer);
  `);
}
