/**
 * Families and the unidentified (issue 17): a family's search request (what the death notice says,
 * and how to reach them: private, officers only), the graves proposed for it with their score and
 * reasons, the request's timeline (what the tracking page shows), the matching read model of
 * unidentified graves (grave_clues, rebuilt from public_graves at any time), and the outbox that
 * keeps requests matching when graves are added or changed: a trigger writes the grave's id in
 * the same transaction as the change, and the job queue drains it.
 *
 * demo_unidentified_truth holds the demo generator's ground truth (which martyr on record lies in
 * which unidentified grave), for the matching benchmark only; real data never fills it.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE family_requests (
      id               bigserial PRIMARY KEY,
      tracking_code    text NOT NULL UNIQUE,
      status           text NOT NULL DEFAULT 'searching' CHECK (status IN ('searching', 'found', 'closed')),
      -- The hometown province's officers own the request.
      province_code    text NOT NULL REFERENCES provinces (code),
      -- The martyr's record, when the portal found it (or an officer's confirmation made it).
      martyr_id        bigint REFERENCES martyrs (id),
      -- What the death notice says, as typed (NFC).
      full_name        text NOT NULL CHECK (full_name = normalize(full_name, NFC) AND length(full_name) BETWEEN 2 AND 200),
      hometown_text    text CHECK (length(hometown_text) <= 300),
      unit             text CHECK (length(unit) <= 300),
      rank             text CHECK (length(rank) <= 100),
      birth_year       smallint CHECK (birth_year BETWEEN 1850 AND 2010),
      death_year       smallint,
      death_month      smallint,
      death_day        smallint,
      place_of_death   text CHECK (length(place_of_death) <= 300),
      -- Private: never on a public page, in the API, the index, a tile, an export, an audit row or a log.
      requester_name     text NOT NULL CHECK (length(requester_name) BETWEEN 1 AND 200),
      requester_phone    text CHECK (length(requester_phone) <= 30),
      requester_email    text CHECK (length(requester_email) <= 200),
      requester_relation text CHECK (length(requester_relation) <= 200),
      requester_ip       inet,
      created_at       timestamptz NOT NULL DEFAULT now(),
      updated_at       timestamptz NOT NULL DEFAULT now(),
      CHECK (requester_phone IS NOT NULL OR requester_email IS NOT NULL),
      CHECK (partial_date_is_valid(death_year, death_month, death_day))
    );
    CREATE INDEX family_requests_province_idx ON family_requests (province_code, status, created_at);
    CREATE INDEX family_requests_open_idx ON family_requests (id) WHERE status = 'searching';

    CREATE TABLE family_request_candidates (
      id             bigserial PRIMARY KEY,
      request_id     bigint NOT NULL REFERENCES family_requests (id),
      grave_id       bigint NOT NULL REFERENCES graves (id),
      score          real NOT NULL,
      reasons        jsonb NOT NULL,
      status         text NOT NULL DEFAULT 'proposed' CHECK (status IN ('proposed', 'confirmed', 'rejected', 'dna_referred', 'withdrawn')),
      -- 'request': found when the request was made; 'grave_change': a grave added or changed later.
      found_by       text NOT NULL CHECK (found_by IN ('request', 'grave_change')),
      decision_reason text,
      decided_by     bigint REFERENCES users (id),
      decided_at     timestamptz,
      version        integer NOT NULL DEFAULT 1,
      created_at     timestamptz NOT NULL DEFAULT now(),
      updated_at     timestamptz NOT NULL DEFAULT now(),
      UNIQUE (request_id, grave_id),
      CHECK (status <> 'rejected' OR length(decision_reason) > 0)
    );
    CREATE INDEX family_request_candidates_grave_idx ON family_request_candidates (grave_id);
    CREATE INDEX family_request_candidates_open_idx ON family_request_candidates (status, score DESC) WHERE status = 'proposed';

    -- The request's timeline as the family sees it; who acted is for officers only.
    CREATE TABLE family_request_events (
      id            bigserial PRIMARY KEY,
      request_id    bigint NOT NULL REFERENCES family_requests (id),
      kind          text NOT NULL CHECK (kind IN ('received', 'candidates_found', 'candidate_added', 'confirmed', 'rejected', 'dna_referred', 'closed')),
      candidate_id  bigint REFERENCES family_request_candidates (id),
      public_message text,
      actor_user_id bigint REFERENCES users (id),
      at            timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX family_request_events_request_idx ON family_request_events (request_id, id);

    -- What each unidentified grave's stone tells, parsed (server/families/clues.ts) from public_graves.
    CREATE TABLE grave_clues (
      grave_id      bigint PRIMARY KEY REFERENCES graves (id) ON DELETE CASCADE,
      cemetery_id   bigint NOT NULL REFERENCES cemeteries (id),
      unit          jsonb,
      unit_keys     text[] NOT NULL DEFAULT '{}',
      -- Battalion and company numbers (D:4, C:2): too common to find graves by, worth ordering them by.
      fine_keys     text[] NOT NULL DEFAULT '{}',
      death_year    smallint,
      death_month   smallint,
      death_day     smallint,
      place_key     text,
      place_label   text,
      fronts        text[] NOT NULL DEFAULT '{}',
      name_words    text[] NOT NULL DEFAULT '{}',
      hometown_keys text[] NOT NULL DEFAULT '{}',
      updated_at    timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX grave_clues_unit_keys_idx ON grave_clues USING gin (unit_keys);
    CREATE INDEX grave_clues_name_words_idx ON grave_clues USING gin (name_words);
    CREATE INDEX grave_clues_year_idx ON grave_clues (death_year, cemetery_id);
    CREATE INDEX grave_clues_place_idx ON grave_clues (place_key);

    CREATE TABLE grave_match_outbox (
      id           bigserial PRIMARY KEY,
      grave_id     bigint NOT NULL,
      created_at   timestamptz NOT NULL DEFAULT now(),
      processed_at timestamptz
    );
    CREATE INDEX grave_match_outbox_pending_idx ON grave_match_outbox (id) WHERE processed_at IS NULL;

    -- A grave inserted, or changed in what it tells (or in whether it is identified), is matched
    -- again. The demo's bulk load skips it and rebuilds grave_clues once at the end.
    CREATE FUNCTION grave_match_capture() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF current_setting('mls.bulk_load', true) = 'on' THEN
        RETURN NULL;
      END IF;
      IF TG_OP = 'INSERT' THEN
        INSERT INTO grave_match_outbox (grave_id) SELECT n.id FROM new_rows n WHERE n.state <> 'identified';
      ELSE
        INSERT INTO grave_match_outbox (grave_id)
        SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE (n.state, n.cemetery_id, n.inscription, n.known_name, n.known_unit, n.known_hometown, n.known_place_of_death,
               n.known_death_year, n.known_death_month, n.known_death_day)
          IS DISTINCT FROM
              (o.state, o.cemetery_id, o.inscription, o.known_name, o.known_unit, o.known_hometown, o.known_place_of_death,
               o.known_death_year, o.known_death_month, o.known_death_day);
      END IF;
      RETURN NULL;
    END $$;
    CREATE TRIGGER graves_match_insert AFTER INSERT ON graves REFERENCING NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION grave_match_capture();
    CREATE TRIGGER graves_match_update AFTER UPDATE ON graves REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION grave_match_capture();

    CREATE TABLE demo_unidentified_truth (
      grave_id  bigint PRIMARY KEY REFERENCES graves (id),
      martyr_id bigint NOT NULL UNIQUE REFERENCES martyrs (id)
    );

    ALTER TABLE audit_log DROP CONSTRAINT audit_log_entity_type_check;
    ALTER TABLE audit_log ADD CONSTRAINT audit_log_entity_type_check
      CHECK (entity_type IN ('martyr', 'grave', 'cemetery', 'photo', 'submission', 'user', 'session', 'family_request'));
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE audit_log DROP CONSTRAINT audit_log_entity_type_check;
    ALTER TABLE audit_log ADD CONSTRAINT audit_log_entity_type_check
      CHECK (entity_type IN ('martyr', 'grave', 'cemetery', 'photo', 'submission', 'user', 'session'));
    DROP TABLE demo_unidentified_truth;
    DROP TRIGGER graves_match_update ON graves;
    DROP TRIGGER graves_match_insert ON graves;
    DROP FUNCTION grave_match_capture();
    DROP TABLE grave_match_outbox, grave_clues, family_request_events, family_request_candidates, family_requests;
  `);
}
