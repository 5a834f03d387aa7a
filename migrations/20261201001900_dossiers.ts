/**
 * Digital dossiers (hồ sơ liệt sĩ): scanned documents on a martyr record or a grave, their pages
 * rendered and read by OCR, the contradictions the OCR text shows against the record, who opened
 * a dossier, and the commune officer role that reads dossiers by delegation.
 *
 * Dossiers are staff-only: no public view reads these tables, and the staff search index they feed
 * is a separate Meilisearch index (server/dossiers/dossier-index.ts).
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    -- The commune officer: one of the 2025 communes, granted by a province officer of its province.
    ALTER TABLE user_roles ADD COLUMN commune_code text REFERENCES communes (code);
    ALTER TABLE user_roles ADD COLUMN granted_by bigint REFERENCES users (id);
    ALTER TABLE user_roles DROP CONSTRAINT user_roles_role_check;
    ALTER TABLE user_roles ADD CONSTRAINT user_roles_role_check
      CHECK (role IN ('admin', 'ministry_officer', 'province_officer', 'cemetery_staff', 'commune_officer'));
    ALTER TABLE user_roles DROP CONSTRAINT user_roles_check;
    ALTER TABLE user_roles ADD CONSTRAINT user_roles_check CHECK (
      (role IN ('admin', 'ministry_officer') AND province_code IS NULL AND cemetery_id IS NULL AND commune_code IS NULL) OR
      (role = 'province_officer' AND province_code IS NOT NULL AND cemetery_id IS NULL AND commune_code IS NULL) OR
      (role = 'cemetery_staff' AND cemetery_id IS NOT NULL AND province_code IS NULL AND commune_code IS NULL) OR
      (role = 'commune_officer' AND commune_code IS NOT NULL AND province_code IS NULL AND cemetery_id IS NULL)
    );
    DROP INDEX user_roles_unique;
    CREATE UNIQUE INDEX user_roles_unique ON user_roles (user_id, role, province_code, cemetery_id, commune_code) NULLS NOT DISTINCT;

    CREATE TABLE dossier_documents (
      id              bigserial PRIMARY KEY,
      -- On a martyr's record, or on a grave (reburial minutes), never both.
      martyr_id       bigint REFERENCES martyrs (id),
      grave_id        bigint REFERENCES graves (id),
      kind            text NOT NULL CHECK (kind IN ('death_notice', 'certificate', 'reburial_minutes', 'extract', 'family_papers', 'letter', 'other')),
      classification  text NOT NULL DEFAULT 'internal' CHECK (classification IN ('internal', 'restricted')),
      issued_year     smallint,
      issued_month    smallint,
      issued_day      smallint,
      issuing_body    text CHECK (issuing_body = normalize(issuing_body, NFC) AND length(issuing_body) <= 300),
      document_number text CHECK (document_number = normalize(document_number, NFC) AND length(document_number) <= 100),
      file_name       text NOT NULL CHECK (length(file_name) BETWEEN 1 AND 255),
      media_type      text NOT NULL CHECK (media_type IN ('application/pdf', 'image/jpeg', 'image/png', 'image/tiff')),
      -- The original, unchanged, kept by the sha256 of its bytes (originals/<hash>.<ext>).
      content_hash    text NOT NULL CHECK (content_hash ~ '^[0-9a-f]{64}$'),
      original_key    text NOT NULL,
      bytes           integer NOT NULL CHECK (bytes > 0),
      page_count      integer NOT NULL CHECK (page_count BETWEEN 1 AND 1000),
      -- rendering: pages being made by the job queue; ready; failed: render_error says why.
      state           text NOT NULL DEFAULT 'rendering' CHECK (state IN ('rendering', 'ready', 'failed')),
      render_attempts integer NOT NULL DEFAULT 0,
      render_error    text,
      uploaded_by     bigint REFERENCES users (id),
      created_at      timestamptz NOT NULL DEFAULT now(),
      updated_at      timestamptz NOT NULL DEFAULT now(),
      CHECK (num_nonnulls(martyr_id, grave_id) = 1),
      CHECK (partial_date_is_valid(issued_year, issued_month, issued_day))
    );
    -- The same scan sent twice to one record is one document.
    CREATE UNIQUE INDEX dossier_documents_once ON dossier_documents (martyr_id, grave_id, content_hash) NULLS NOT DISTINCT;
    CREATE INDEX dossier_documents_martyr_idx ON dossier_documents (martyr_id);
    CREATE INDEX dossier_documents_grave_idx ON dossier_documents (grave_id);

    CREATE TABLE dossier_pages (
      id             bigserial PRIMARY KEY,
      document_id    bigint NOT NULL REFERENCES dossier_documents (id) ON DELETE CASCADE,
      page_number    integer NOT NULL CHECK (page_number >= 1),
      -- Pixel size of the full image (the one OCR reads); boxes are in its pixels.
      width          integer NOT NULL CHECK (width > 0),
      height         integer NOT NULL CHECK (height > 0),
      full_key       text NOT NULL,
      page_key       text NOT NULL,
      thumb_key      text NOT NULL,
      ocr_state      text NOT NULL DEFAULT 'pending' CHECK (ocr_state IN ('pending', 'running', 'retrying', 'done', 'parked')),
      ocr_attempts   integer NOT NULL DEFAULT 0,
      ocr_error      text,
      ocr_text       text CHECK (ocr_text = normalize(ocr_text, NFC)),
      -- [{ t: word, s: offset in ocr_text, x, y, w, h, c: confidence 0-100 }]
      ocr_words      jsonb,
      ocr_confidence real CHECK (ocr_confidence BETWEEN 0 AND 100),
      ocr_at         timestamptz,
      -- Only printed pages feed the checks; handwriting is beyond Tesseract.
      writing        text CHECK (writing IN ('printed', 'handwritten')),
      writing_set_by text CHECK (writing_set_by IN ('ocr', 'staff')),
      changed_at     timestamptz NOT NULL DEFAULT now(),
      indexed_at     timestamptz,
      UNIQUE (document_id, page_number)
    );
    CREATE INDEX dossier_pages_unindexed_idx ON dossier_pages (id) WHERE indexed_at IS NULL OR indexed_at < changed_at;

    -- A field of the record the OCR text of a printed page contradicts, with its evidence.
    CREATE TABLE dossier_flags (
      id             bigserial PRIMARY KEY,
      martyr_id      bigint NOT NULL REFERENCES martyrs (id),
      page_id        bigint NOT NULL REFERENCES dossier_pages (id) ON DELETE CASCADE,
      field          text NOT NULL CHECK (field IN ('full_name', 'death_date', 'hometown_text', 'unit', 'birth_year', 'certificate_number')),
      record_value   text,
      document_value text NOT NULL,
      evidence       text NOT NULL,
      word_indexes   integer[] NOT NULL DEFAULT '{}',
      confidence     real,
      state          text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'checked', 'corrected')),
      resolved_by    bigint REFERENCES users (id),
      resolved_at    timestamptz,
      created_at     timestamptz NOT NULL DEFAULT now(),
      UNIQUE (page_id, field)
    );
    CREATE INDEX dossier_flags_martyr_idx ON dossier_flags (martyr_id, state);

    -- One audit row per dossier opened per session: the session's hash remembers it was written.
    CREATE TABLE dossier_views (
      session_hash text NOT NULL,
      martyr_id    bigint NOT NULL REFERENCES martyrs (id),
      at           timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (session_hash, martyr_id)
    );

    -- A record whose old hometown commune was split across new communes: a province officer
    -- confirms, per record, which new commune it belongs to before a commune officer reads it.
    CREATE TABLE dossier_commune_confirmations (
      martyr_id     bigint NOT NULL REFERENCES martyrs (id),
      commune_code  text NOT NULL REFERENCES communes (code),
      confirmed_by  bigint NOT NULL REFERENCES users (id),
      confirmed_at  timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (martyr_id, commune_code)
    );
    CREATE INDEX martyrs_hometown_old_commune_idx ON martyrs (hometown_old_commune_code);

    -- Folder uploads wait here, matched by file name, until staff confirm them on the review screen.
    CREATE TABLE dossier_batch_items (
      id            bigserial PRIMARY KEY,
      uploaded_by   bigint NOT NULL REFERENCES users (id),
      file_name     text NOT NULL,
      media_type    text NOT NULL,
      content_hash  text NOT NULL CHECK (content_hash ~ '^[0-9a-f]{64}$'),
      original_key  text NOT NULL,
      bytes         integer NOT NULL,
      page_count    integer NOT NULL,
      proposed_martyr_id bigint REFERENCES martyrs (id),
      matched_by    text CHECK (matched_by IN ('id', 'certificate')),
      kind          text NOT NULL DEFAULT 'other',
      document_id   bigint REFERENCES dossier_documents (id),
      discarded_at  timestamptz,
      created_at    timestamptz NOT NULL DEFAULT now(),
      UNIQUE (uploaded_by, content_hash)
    );
    CREATE INDEX martyrs_certificate_number_idx ON martyrs (certificate_number) WHERE certificate_number IS NOT NULL;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP INDEX martyrs_certificate_number_idx;
    DROP TABLE dossier_batch_items, dossier_commune_confirmations, dossier_views, dossier_flags, dossier_pages, dossier_documents;
    DROP INDEX martyrs_hometown_old_commune_idx;
    DELETE FROM user_roles WHERE role = 'commune_officer';
    DROP INDEX user_roles_unique;
    CREATE UNIQUE INDEX user_roles_unique ON user_roles (user_id, role, province_code, cemetery_id) NULLS NOT DISTINCT;
    ALTER TABLE user_roles DROP CONSTRAINT user_roles_check;
    ALTER TABLE user_roles ADD CONSTRAINT user_roles_check CHECK (
      (role IN ('admin', 'ministry_officer') AND province_code IS NULL AND cemetery_id IS NULL) OR
      (role = 'province_officer' AND province_code IS NOT NULL AND cemetery_id IS NULL) OR
      (role = 'cemetery_staff' AND cemetery_id IS NOT NULL AND province_code IS NULL)
    );
    ALTER TABLE user_roles DROP CONSTRAINT user_roles_role_check;
    ALTER TABLE user_roles ADD CONSTRAINT user_roles_role_check CHECK (role IN ('admin', 'ministry_officer', 'province_officer', 'cemetery_staff'));
    ALTER TABLE user_roles DROP COLUMN granted_by, DROP COLUMN commune_code;
  `);
}
