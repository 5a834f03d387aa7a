/**
 * Headstone photos sent from the field before they are put on a grave: each upload is stored at
 * once (its private original and metadata-free public sizes), with the graves its GPS position
 * proposes, and waits on the uploader's review screen until it is confirmed onto a grave (which
 * creates the `photos` row) or discarded.
 *
 * - One upload per uploader and content: a photo sent twice over a poor connection is stored once.
 * - The proposals are computed when the photo arrives (nearest graves of the uploader's cemeteries)
 *   and kept, so the review screen is a plain read; scope is checked again when a grave is chosen.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE photo_uploads (
      id            bigserial PRIMARY KEY,
      uploaded_by   bigint NOT NULL REFERENCES users (id),
      content_hash  text NOT NULL CHECK (content_hash ~ '^[0-9a-f]{64}$'),
      media_type    text NOT NULL CHECK (media_type IN ('image/jpeg', 'image/png', 'image/webp', 'image/heic', 'image/heif')),
      -- The file name the phone gave, shown on the review screen only.
      original_name text CHECK (length(original_name) <= 255),
      -- Storage keys: the private original and the staff-only staging copies of the public sizes.
      original_key  text NOT NULL,
      full_key      text NOT NULL,
      page_key      text NOT NULL,
      thumb_key     text NOT NULL,
      width         integer NOT NULL CHECK (width > 0),
      height        integer NOT NULL CHECK (height > 0),
      bytes         integer NOT NULL CHECK (bytes > 0),
      -- From the photo's metadata, when it has them.
      taken_at      timestamptz,
      position      geometry(Point, 4326),
      accuracy_m    real CHECK (accuracy_m >= 0),
      direction     real CHECK (direction >= 0 AND direction < 360),
      created_at    timestamptz NOT NULL DEFAULT now(),
      assigned_photo_id bigint REFERENCES photos (id),
      assigned_at   timestamptz,
      UNIQUE (uploaded_by, content_hash),
      CHECK ((assigned_photo_id IS NULL) = (assigned_at IS NULL))
    );
    -- The review screen: an uploader's photos still waiting for a grave, in the order taken.
    CREATE INDEX photo_uploads_pending_idx ON photo_uploads (uploaded_by, taken_at, id) WHERE assigned_photo_id IS NULL;

    CREATE TABLE photo_upload_proposals (
      upload_id   bigint NOT NULL REFERENCES photo_uploads (id) ON DELETE CASCADE,
      rank        smallint NOT NULL CHECK (rank >= 1),
      grave_id    bigint NOT NULL REFERENCES graves (id) ON DELETE CASCADE,
      distance_m  real NOT NULL CHECK (distance_m >= 0),
      PRIMARY KEY (upload_id, rank)
    );
    CREATE INDEX photo_upload_proposals_grave_idx ON photo_upload_proposals (grave_id);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP TABLE photo_upload_proposals, photo_uploads;
  `);
}
