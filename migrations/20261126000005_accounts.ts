/**
 * Staff sign-in: sessions kept in PostgreSQL (several app servers can share them), sign-in attempts
 * for throttling, and one-time password reset links. Only hashes of tokens are stored.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE sessions (
      id_hash       text PRIMARY KEY CHECK (id_hash ~ '^[0-9a-f]{64}$'),
      user_id       bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      csrf_token    text NOT NULL,
      created_at    timestamptz NOT NULL DEFAULT now(),
      last_seen_at  timestamptz NOT NULL DEFAULT now(),
      -- Absolute expiry; the idle expiry is last_seen_at plus the configured idle time.
      expires_at    timestamptz NOT NULL,
      revoked_at    timestamptz,
      ip            inet,
      user_agent    text
    );
    CREATE INDEX sessions_user_idx ON sessions (user_id) WHERE revoked_at IS NULL;

    -- Failed sign-ins, by account identifier and by address; old rows are pruned.
    CREATE TABLE sign_in_failures (
      id          bigserial PRIMARY KEY,
      identifier  text NOT NULL,
      ip          inet,
      at          timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX sign_in_failures_identifier_idx ON sign_in_failures (identifier, at);
    CREATE INDEX sign_in_failures_ip_idx ON sign_in_failures (ip, at);

    CREATE TABLE password_resets (
      token_hash  text PRIMARY KEY CHECK (token_hash ~ '^[0-9a-f]{64}$'),
      user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      created_by  bigint REFERENCES users (id),
      created_at  timestamptz NOT NULL DEFAULT now(),
      expires_at  timestamptz NOT NULL,
      used_at     timestamptz
    );

    ALTER TABLE users ADD COLUMN password_changed_at timestamptz NOT NULL DEFAULT now();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE users DROP COLUMN password_changed_at;
    DROP TABLE password_resets, sign_in_failures, sessions;
  `);
}
