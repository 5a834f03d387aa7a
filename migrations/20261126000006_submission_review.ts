/**
 * Citizen submissions, as they are followed and reviewed:
 * - a public timeline of events (received, in review, more information asked and answered,
 *   accepted, rejected with the reason) that the tracking page shows, with no private data;
 * - a version number, so two officers deciding at once get a conflict rather than a double change;
 * - the sender's address, kept privately for rate limits only.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE submissions
      ADD COLUMN version       integer NOT NULL DEFAULT 1,
      ADD COLUMN sender_ip     inet,
      ADD COLUMN info_request  text CHECK (length(info_request) <= 2000),
      ADD COLUMN answer        text CHECK (length(answer) <= 5000),
      ADD COLUMN answered_at   timestamptz,
      -- The province the sender named, for information about someone not in the records.
      ADD COLUMN stated_province_code text REFERENCES provinces (code);
    CREATE INDEX submissions_sender_ip_idx ON submissions (sender_ip, created_at);
    CREATE INDEX submissions_status_idx ON submissions (status, created_at);

    CREATE TABLE submission_events (
      id            bigserial PRIMARY KEY,
      submission_id bigint NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
      at            timestamptz NOT NULL DEFAULT now(),
      kind          text NOT NULL CHECK (kind IN ('received', 'in_review', 'needs_info', 'answered', 'accepted', 'rejected')),
      -- What the sender may read on the tracking page: a reason, a question. Never private data.
      public_message text CHECK (length(public_message) <= 2000),
      actor_user_id bigint REFERENCES users (id)
    );
    CREATE INDEX submission_events_submission_idx ON submission_events (submission_id, at);

    ALTER TABLE submission_files
      ADD COLUMN content_hash text CHECK (content_hash ~ '^[0-9a-f]{64}$'),
      ADD COLUMN width integer,
      ADD COLUMN height integer;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE submission_files DROP COLUMN content_hash, DROP COLUMN width, DROP COLUMN height;
    DROP TABLE submission_events;
    DROP INDEX submissions_status_idx;
    DROP INDEX submissions_sender_ip_idx;
    ALTER TABLE submissions
      DROP COLUMN version, DROP COLUMN sender_ip, DROP COLUMN info_request, DROP COLUMN answer,
      DROP COLUMN answered_at, DROP COLUMN stated_province_code;
  `);
}
