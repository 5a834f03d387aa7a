/**
 * Two things of the processes work (issue 12 §5), in one migration so they share its one prefix:
 *
 * - The outbox drain claims rows with a lease instead of holding row locks while it waits for
 *   Meilisearch, retries a failing row later rather than at once, and parks (dead-letters) a row
 *   that keeps failing on its own, so one bad row never blocks the ones behind it. Parked rows stay
 *   until an admin retries them (the staff home lists them).
 * - Retention: the audit log stays append-only with one exception, the purge of failed sign-in
 *   identifiers (often a mistyped password) after their retention period. The purge runs only
 *   through purge_failed_sign_in_identifiers(), which writes its own audit row; the trigger lets an
 *   UPDATE through only inside it, and only one that removes the identifier of a failed sign-in
 *   and changes nothing else.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE search_outbox
      ADD COLUMN next_attempt_at timestamptz,
      ADD COLUMN parked_at timestamptz;
    CREATE INDEX search_outbox_parked_idx ON search_outbox (id) WHERE parked_at IS NOT NULL;

    CREATE OR REPLACE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'UPDATE'
         AND current_setting('mls.audit_identifier_purge', true) = 'on'
         AND OLD.action = 'session.sign_in_failed'
         AND (OLD.after -> 'identifier') IS NOT NULL
         AND NEW.after = (OLD.after - 'identifier') || '{"identifierPurged": true}'::jsonb
         AND to_jsonb(NEW) - 'after' = to_jsonb(OLD) - 'after' THEN
        RETURN NEW;
      END IF;
      RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
    END $$;

    CREATE INDEX audit_log_failed_sign_in_idx ON audit_log (at)
      WHERE action = 'session.sign_in_failed' AND (after -> 'identifier') IS NOT NULL;

    -- SECURITY DEFINER: a role that may only INSERT into audit_log can still run the purge.
    CREATE FUNCTION purge_failed_sign_in_identifiers(older_than interval) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    DECLARE
      purged integer;
    BEGIN
      PERFORM set_config('mls.audit_identifier_purge', 'on', true);
      UPDATE audit_log SET after = (after - 'identifier') || '{"identifierPurged": true}'::jsonb
      WHERE action = 'session.sign_in_failed' AND (after -> 'identifier') IS NOT NULL AND at < now() - older_than;
      GET DIAGNOSTICS purged = ROW_COUNT;
      PERFORM set_config('mls.audit_identifier_purge', 'off', true);
      IF purged > 0 THEN
        INSERT INTO audit_log (actor_user_id, action, entity_type, entity_id, after, reason)
        VALUES (NULL, 'audit.failed_sign_in_identifiers_purged', 'session', NULL,
                jsonb_build_object('count', purged, 'olderThan', older_than::text), 'retention');
      END IF;
      RETURN purged;
    END $$;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP FUNCTION purge_failed_sign_in_identifiers(interval);
    DROP INDEX audit_log_failed_sign_in_idx;
    CREATE OR REPLACE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
    END $$;
    DROP INDEX search_outbox_parked_idx;
    ALTER TABLE search_outbox DROP COLUMN next_attempt_at, DROP COLUMN parked_at;
  `);
}
