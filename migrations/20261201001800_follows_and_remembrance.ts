/**
 * Following records by email, the notifications outbox and its mail, photo requests, and
 * remembrance (incense and moderated messages).
 *
 * - A follow is one email address and one target, named by `target_key` ('grave:12', 'martyr:7',
 *   'cemetery:3', 'submission:40', 'request:9', 'photo_request:5', 'search:<hash>'): an event lists
 *   the keys it concerns (`subjects`), and fan-out is one indexed match of the two. A new kind of
 *   target is one more prefix, no schema change.
 * - The address lives only in `follows.email`: mail rows point at the follow. It is set to NULL once
 *   the follow ended and its last message left (or never confirmed within a week), so an
 *   unsubscribed address is gone, not flagged.
 * - notification_events is the outbox written in the transaction of the change; notifications
 *   (one per follow and event, its primary key makes fan-out idempotent) and outgoing_mail (the
 *   rendered message with the Message-ID it keeps on every attempt) are written by the fan-out job.
 * - Incense: one light per visitor (a random cookie, stored hashed) per martyr per Vietnamese day,
 *   and a running total; the per-visitor rows are pruned after two days, no address is kept.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE follows (
      id             bigserial PRIMARY KEY,
      email          text CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254 AND email LIKE '%_@_%'),
      locale         text NOT NULL DEFAULT 'vi' CHECK (locale IN ('vi', 'en')),
      target_type    text NOT NULL CHECK (target_type IN ('martyr', 'grave', 'cemetery', 'search', 'submission', 'request', 'photo_request')),
      target_id      bigint,
      target_key     text NOT NULL CHECK (length(target_key) BETWEEN 3 AND 120),
      -- A saved search: the search as the form sent it, and how it reads.
      search_params  jsonb,
      label          text NOT NULL CHECK (length(label) BETWEEN 1 AND 300),
      -- The public page the messages link to (a path on the portal).
      target_path    text NOT NULL CHECK (target_path LIKE '/%' AND length(target_path) <= 500),
      cadence        text NOT NULL DEFAULT 'immediate' CHECK (cadence IN ('immediate', 'daily')),
      status         text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'active', 'ended')),
      ended_reason   text CHECK (ended_reason IN ('unsubscribed', 'fulfilled', 'unconfirmed')),
      confirm_token  text NOT NULL UNIQUE,
      unsubscribe_token text NOT NULL UNIQUE,
      created_at     timestamptz NOT NULL DEFAULT now(),
      confirmed_at   timestamptz,
      ended_at       timestamptz,
      last_digest_at timestamptz,
      CHECK ((status = 'ended') = (ended_reason IS NOT NULL)),
      CHECK (status = 'ended' OR email IS NOT NULL)
    );
    CREATE INDEX follows_target_idx ON follows (target_key, id) WHERE status = 'active';
    CREATE INDEX follows_search_idx ON follows (id) WHERE status = 'active' AND target_type = 'search';
    -- One live follow per address and target: following twice sends the confirmation again.
    CREATE UNIQUE INDEX follows_one_live ON follows (email, target_key) WHERE status <> 'ended';

    CREATE TABLE notification_events (
      id            bigserial PRIMARY KEY,
      kind          text NOT NULL CHECK (kind IN ('photo_added', 'record_corrected', 'grave_identified', 'request_candidate', 'new_record', 'submission_update', 'photo_request_fulfilled', 'cemetery_changed')),
      subjects      text[] NOT NULL CHECK (cardinality(subjects) BETWEEN 1 AND 1000),
      details       jsonb NOT NULL DEFAULT '{}',
      created_at    timestamptz NOT NULL DEFAULT now(),
      fanned_out_at timestamptz,
      attempts      integer NOT NULL DEFAULT 0,
      last_error    text
    );
    CREATE INDEX notification_events_pending_idx ON notification_events (id) WHERE fanned_out_at IS NULL;
    -- The tracking page: what happened to the records a code concerns since the last visit.
    CREATE INDEX notification_events_subjects_idx ON notification_events USING gin (subjects);

    CREATE TABLE outgoing_mail (
      id            bigserial PRIMARY KEY,
      follow_id     bigint NOT NULL REFERENCES follows (id) ON DELETE CASCADE,
      kind          text NOT NULL CHECK (kind IN ('confirm', 'notice', 'digest')),
      message_id    text NOT NULL UNIQUE,
      subject       text NOT NULL,
      text_body     text NOT NULL,
      html_body     text NOT NULL,
      unsubscribe_url text,
      created_at    timestamptz NOT NULL DEFAULT now(),
      attempts      integer NOT NULL DEFAULT 0,
      lease_until   timestamptz,
      sent_at       timestamptz,
      parked_at     timestamptz,
      last_error    text
    );
    CREATE INDEX outgoing_mail_waiting_idx ON outgoing_mail (id) WHERE sent_at IS NULL AND parked_at IS NULL;
    CREATE INDEX outgoing_mail_follow_idx ON outgoing_mail (follow_id);

    CREATE TABLE notifications (
      follow_id  bigint NOT NULL REFERENCES follows (id) ON DELETE CASCADE,
      event_id   bigint NOT NULL REFERENCES notification_events (id) ON DELETE CASCADE,
      created_at timestamptz NOT NULL DEFAULT now(),
      mail_id    bigint REFERENCES outgoing_mail (id) ON DELETE SET NULL,
      -- A saved search asked about a new record that it does not find: recorded, never sent.
      silent     boolean NOT NULL DEFAULT false,
      PRIMARY KEY (follow_id, event_id)
    );
    CREATE INDEX notifications_unmailed_idx ON notifications (follow_id) WHERE mail_id IS NULL AND NOT silent;
    CREATE INDEX notifications_event_idx ON notifications (event_id);

    CREATE TABLE photo_requests (
      id           bigserial PRIMARY KEY,
      grave_id     bigint NOT NULL REFERENCES graves (id),
      cemetery_id  bigint NOT NULL REFERENCES cemeteries (id),
      status       text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'fulfilled')),
      created_at   timestamptz NOT NULL DEFAULT now(),
      fulfilled_at timestamptz,
      photo_id     bigint REFERENCES photos (id),
      CHECK ((status = 'fulfilled') = (fulfilled_at IS NOT NULL))
    );
    CREATE INDEX photo_requests_open_idx ON photo_requests (cemetery_id, grave_id) WHERE status = 'open';
    CREATE INDEX photo_requests_grave_idx ON photo_requests (grave_id) WHERE status = 'open';

    CREATE TABLE incense_lights (
      martyr_id  bigint NOT NULL REFERENCES martyrs (id) ON DELETE CASCADE,
      day        date NOT NULL,
      visitor    text NOT NULL CHECK (visitor ~ '^[0-9a-f]{64}$'),
      PRIMARY KEY (martyr_id, day, visitor)
    );
    CREATE INDEX incense_lights_day_idx ON incense_lights (day);
    CREATE TABLE incense_totals (
      martyr_id  bigint PRIMARY KEY REFERENCES martyrs (id) ON DELETE CASCADE,
      sticks     bigint NOT NULL DEFAULT 0 CHECK (sticks >= 0)
    );

    CREATE TABLE remembrance_messages (
      id           bigserial PRIMARY KEY,
      martyr_id    bigint NOT NULL REFERENCES martyrs (id) ON DELETE CASCADE,
      author_name  text CHECK (author_name = normalize(author_name, NFC) AND length(author_name) BETWEEN 1 AND 100),
      body         text NOT NULL CHECK (body = normalize(body, NFC) AND length(body) BETWEEN 1 AND 1000),
      status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
      created_at   timestamptz NOT NULL DEFAULT now(),
      moderated_by bigint REFERENCES users (id),
      moderated_at timestamptz,
      CHECK ((status = 'pending') = (moderated_at IS NULL))
    );
    CREATE INDEX remembrance_messages_martyr_idx ON remembrance_messages (martyr_id, created_at) WHERE status = 'approved';
    CREATE INDEX remembrance_messages_pending_idx ON remembrance_messages (created_at) WHERE status = 'pending';

    -- A tracking code's visits, for "what changed since your last visit".
    CREATE TABLE tracking_visits (
      tracking_code  text PRIMARY KEY CHECK (length(tracking_code) BETWEEN 6 AND 40),
      last_visit_at  timestamptz NOT NULL,
      shown_since    timestamptz NOT NULL
    );
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP TABLE tracking_visits, remembrance_messages, incense_totals, incense_lights, photo_requests, notifications, outgoing_mail, notification_events, follows;
  `);
}
