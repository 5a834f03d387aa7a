/**
 * Imports from provincial software (issue 15) and provenance per field.
 *
 * - `import_sources`: a province's software as the officer names it, with the column mapping saved
 *   for the next file (header text → field).
 * - `import_batches`: one uploaded file and what became of it (uploaded → dry run → queued →
 *   committing → committed, or failed). Kept for good: issue 20 counts imports per province from it.
 *   `dry_run_sha256` is the hash of the file, mapping and options the dry run saw; the commit
 *   refuses to run on anything else.
 * - `import_issues`: what a dry run (and the commit) found per row: rejected rows with column,
 *   value and reason; possible duplicates; conflicts with staff or submission edits; hometowns left
 *   as text.
 * - `import_rows`: the commit's staging area. Chunks of parsed rows are written here (resumable:
 *   `rows_staged` moves in the same transaction), then applied to the records in one transaction
 *   that flips the batch to committed; nobody reads them before that, so the public sees the batch
 *   whole or not at all.
 * - `import_records`: a row's identity (source, the source's record id or a stable key) → the
 *   martyr and grave it made, so importing the same file again changes nothing.
 * - `duplicate_candidates`: the review list of possible duplicates for officers (merging is later).
 * - `field_provenance`: where each field's current value came from (import batch + file + row,
 *   staff edit, accepted submission); no row means demo data. Read through
 *   server/provenance/provenance.queries.ts only.
 * - `audit_log.import_batch_id`: every change an import makes is audited and linked to its batch.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE import_sources (
      id            bigserial PRIMARY KEY,
      province_code text NOT NULL REFERENCES provinces (code),
      name          text NOT NULL CHECK (name = normalize(name, NFC) AND length(name) BETWEEN 1 AND 100),
      -- header text as the file writes it (folded) → field
      mapping       jsonb NOT NULL DEFAULT '{}',
      created_at    timestamptz NOT NULL DEFAULT now(),
      updated_at    timestamptz NOT NULL DEFAULT now(),
      UNIQUE (province_code, name)
    );

    CREATE TABLE import_batches (
      id              bigserial PRIMARY KEY,
      province_code   text NOT NULL REFERENCES provinces (code),
      source_id       bigint NOT NULL REFERENCES import_sources (id),
      file_name       text NOT NULL CHECK (length(file_name) BETWEEN 1 AND 255),
      file_key        text,
      file_bytes      bigint NOT NULL CHECK (file_bytes >= 0),
      file_sha256     text NOT NULL CHECK (file_sha256 ~ '^[0-9a-f]{64}$'),
      format          text NOT NULL CHECK (format IN ('xlsx', 'csv')),
      -- detected, or chosen by the officer (override)
      encoding        text NOT NULL,
      detected_encoding text NOT NULL,
      delimiter       text,
      sheet_name      text,
      header_row      integer NOT NULL DEFAULT 1,
      headers         jsonb NOT NULL DEFAULT '[]',
      mapping         jsonb NOT NULL DEFAULT '{}',
      -- the batch's visibility when no confidentiality column is mapped
      visibility      text NOT NULL DEFAULT 'public' CHECK (visibility IN ('public', 'confidential')),
      create_cemeteries boolean NOT NULL DEFAULT false,
      state           text NOT NULL DEFAULT 'uploaded'
                        CHECK (state IN ('uploaded', 'dry_running', 'dry_run', 'queued', 'committing', 'committed', 'failed')),
      dry_run_sha256  text,
      counts          jsonb NOT NULL DEFAULT '{}',
      samples         jsonb NOT NULL DEFAULT '{}',
      rows_total      integer,
      rows_done       integer NOT NULL DEFAULT 0,
      rows_staged_through integer NOT NULL DEFAULT 0,
      lease_until     timestamptz,
      lease_owner     text,
      error           text,
      created_by      bigint REFERENCES users (id),
      created_at      timestamptz NOT NULL DEFAULT now(),
      dry_run_at      timestamptz,
      queued_at       timestamptz,
      committed_at    timestamptz,
      updated_at      timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX import_batches_province_idx ON import_batches (province_code, state, committed_at);
    CREATE INDEX import_batches_pending_idx ON import_batches (id) WHERE state IN ('dry_running', 'queued', 'committing');

    CREATE TABLE import_issues (
      id          bigserial PRIMARY KEY,
      batch_id    bigint NOT NULL REFERENCES import_batches (id) ON DELETE CASCADE,
      phase       text NOT NULL CHECK (phase IN ('dry_run', 'commit')),
      kind        text NOT NULL CHECK (kind IN ('rejected', 'duplicate', 'conflict', 'unresolved_hometown')),
      row_number  integer NOT NULL,
      column_name text,
      value       text,
      reason      text NOT NULL,
      details     jsonb,
      resolved_at timestamptz,
      resolved_by bigint REFERENCES users (id)
    );
    CREATE INDEX import_issues_batch_idx ON import_issues (batch_id, phase, kind, row_number);

    CREATE TABLE import_rows (
      batch_id   bigint NOT NULL REFERENCES import_batches (id) ON DELETE CASCADE,
      row_number integer NOT NULL,
      record     jsonb NOT NULL,
      PRIMARY KEY (batch_id, row_number)
    );

    CREATE TABLE import_records (
      source_id     bigint NOT NULL REFERENCES import_sources (id),
      record_key    text NOT NULL,
      martyr_id     bigint NOT NULL REFERENCES martyrs (id),
      grave_id      bigint REFERENCES graves (id),
      row_hash      text NOT NULL,
      last_batch_id bigint NOT NULL REFERENCES import_batches (id),
      PRIMARY KEY (source_id, record_key)
    );
    CREATE INDEX import_records_martyr_idx ON import_records (martyr_id);

    CREATE TABLE duplicate_candidates (
      id               bigserial PRIMARY KEY,
      batch_id         bigint NOT NULL REFERENCES import_batches (id),
      martyr_id        bigint NOT NULL REFERENCES martyrs (id),
      other_martyr_id  bigint NOT NULL REFERENCES martyrs (id),
      reason           text NOT NULL,
      status           text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'dismissed', 'merged')),
      created_at       timestamptz NOT NULL DEFAULT now(),
      CHECK (martyr_id <> other_martyr_id),
      UNIQUE (martyr_id, other_martyr_id)
    );
    CREATE INDEX duplicate_candidates_open_idx ON duplicate_candidates (status, batch_id);

    CREATE TABLE field_provenance (
      entity_type     text NOT NULL CHECK (entity_type IN ('martyr', 'grave')),
      entity_id       bigint NOT NULL,
      field           text NOT NULL,
      source_kind     text NOT NULL CHECK (source_kind IN ('import', 'staff', 'submission', 'demo')),
      import_batch_id bigint REFERENCES import_batches (id),
      file_name       text,
      row_number      integer,
      -- the cell as the file wrote it, before normalising (names, legacy encodings)
      original_value  text,
      submission_id   bigint REFERENCES submissions (id),
      changed_at      timestamptz NOT NULL DEFAULT now(),
      changed_by      bigint REFERENCES users (id),
      PRIMARY KEY (entity_type, entity_id, field),
      CHECK (source_kind <> 'import' OR import_batch_id IS NOT NULL)
    );

    ALTER TABLE audit_log ADD COLUMN import_batch_id bigint REFERENCES import_batches (id);
    CREATE INDEX audit_log_import_batch_idx ON audit_log (import_batch_id) WHERE import_batch_id IS NOT NULL;

    -- Duplicate search by name without diacritics and birth year, within the file and against the records.
    CREATE INDEX martyrs_full_name_folded_idx ON martyrs (fold_vietnamese(full_name), birth_year);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP INDEX martyrs_full_name_folded_idx;
    ALTER TABLE audit_log DROP COLUMN import_batch_id;
    DROP TABLE field_provenance, duplicate_candidates, import_records, import_rows, import_issues, import_batches, import_sources;
  `);
}
