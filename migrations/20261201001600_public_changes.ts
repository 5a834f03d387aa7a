/**
 * The change feed's log (/api/changes): one row per public record a transaction created, changed or
 * removed, stamped with the writing transaction's id (xid8). Transaction ids are handed out when a
 * transaction first writes, not when it commits, so an id sequence read as "everything after n"
 * would skip a slow transaction's rows that commit after a reader passed them. The feed therefore
 * only ever hands out rows below the lowest transaction still running when it reads (its frontier,
 * server/opendata/changes.queries.ts): every transaction below it has ended, so nothing can still
 * appear under the cursor.
 *
 * Only what the public views show is logged: a confidential martyr's insert or edit writes nothing;
 * a martyr that turns confidential or is deleted is a removal; a grave whose headstone becomes
 * withheld (a confidential martyr laid in it) is a change of that grave. Statement-level triggers
 * with transition tables, like the other record triggers, so a bulk load costs one INSERT ... SELECT.
 *
 * Also the register of the national open-data files the scheduled build writes (open_data_files).
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE public_changes (
      id          bigserial PRIMARY KEY,
      txid        xid8 NOT NULL DEFAULT pg_current_xact_id(),
      entity_type text NOT NULL CHECK (entity_type IN ('martyr', 'grave', 'cemetery')),
      entity_id   bigint NOT NULL,
      -- upsert: the public record is new or changed; remove: it is gone from public view.
      change      text NOT NULL CHECK (change IN ('upsert', 'remove')),
      at          timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX public_changes_order_idx ON public_changes (txid, id);

    CREATE FUNCTION public_changes_martyrs() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        INSERT INTO public_changes (entity_type, entity_id, change)
          SELECT 'martyr', id, 'upsert' FROM new_rows WHERE is_public ORDER BY id;
        -- A confidential martyr laid in a grave withholds its headstone: the grave's public record changes.
        INSERT INTO public_changes (entity_type, entity_id, change)
          SELECT DISTINCT 'grave', grave_id, 'upsert' FROM new_rows WHERE NOT is_public AND grave_id IS NOT NULL;
      ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO public_changes (entity_type, entity_id, change)
          SELECT 'martyr', id, 'remove' FROM old_rows WHERE is_public ORDER BY id;
        INSERT INTO public_changes (entity_type, entity_id, change)
          SELECT DISTINCT 'grave', grave_id, 'upsert' FROM old_rows WHERE grave_id IS NOT NULL;
      ELSE
        -- Only a change of what public_martyrs shows counts: an internal note is no public change.
        INSERT INTO public_changes (entity_type, entity_id, change)
          SELECT 'martyr', n.id, CASE WHEN n.is_public THEN 'upsert' ELSE 'remove' END
          FROM old_rows o JOIN new_rows n ON n.id = o.id
          WHERE (o.is_public OR n.is_public)
            AND (o.is_public IS DISTINCT FROM n.is_public
              OR (to_jsonb(o) - ARRAY['internal_notes', 'certificate_number', 'updated_at', 'is_public'])
                 IS DISTINCT FROM (to_jsonb(n) - ARRAY['internal_notes', 'certificate_number', 'updated_at', 'is_public'])
              OR (o.certificate_number IS NULL) <> (n.certificate_number IS NULL))
          ORDER BY n.id;
        -- The graves a martyr left or joined, or whose headstone a change of confidentiality withholds or releases.
        INSERT INTO public_changes (entity_type, entity_id, change)
          SELECT DISTINCT 'grave', gid, 'upsert' FROM (
            SELECT unnest(ARRAY[o.grave_id, n.grave_id]) AS gid
            FROM old_rows o JOIN new_rows n ON n.id = o.id
            WHERE o.grave_id IS DISTINCT FROM n.grave_id
               OR o.is_public IS DISTINCT FROM n.is_public
               OR (n.is_public AND (o.full_name IS DISTINCT FROM n.full_name OR o.death_year IS DISTINCT FROM n.death_year))
          ) touched
          WHERE gid IS NOT NULL;
      END IF;
      RETURN NULL;
    END $$;
    CREATE TRIGGER martyrs_public_changes_insert AFTER INSERT ON martyrs REFERENCING NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION public_changes_martyrs();
    CREATE TRIGGER martyrs_public_changes_update AFTER UPDATE ON martyrs REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION public_changes_martyrs();
    CREATE TRIGGER martyrs_public_changes_delete AFTER DELETE ON martyrs REFERENCING OLD TABLE AS old_rows
      FOR EACH STATEMENT EXECUTE FUNCTION public_changes_martyrs();

    -- Graves and cemeteries are public whole (the view blanks a withheld headstone): every write is a change.
    CREATE FUNCTION public_changes_places() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' THEN
        INSERT INTO public_changes (entity_type, entity_id, change)
          SELECT TG_ARGV[0], id, 'remove' FROM old_rows ORDER BY id;
      ELSIF TG_OP = 'UPDATE' THEN
        -- The display name the martyr triggers keep is a copy of public_martyrs, not a change of the grave.
        INSERT INTO public_changes (entity_type, entity_id, change)
          SELECT TG_ARGV[0], n.id, 'upsert'
          FROM old_rows o JOIN new_rows n ON n.id = o.id
          WHERE (to_jsonb(o) - ARRAY['updated_at', 'display_name']) IS DISTINCT FROM (to_jsonb(n) - ARRAY['updated_at', 'display_name'])
          ORDER BY n.id;
      ELSE
        INSERT INTO public_changes (entity_type, entity_id, change)
          SELECT TG_ARGV[0], id, 'upsert' FROM new_rows ORDER BY id;
      END IF;
      RETURN NULL;
    END $$;
    CREATE TRIGGER graves_public_changes_insert AFTER INSERT ON graves REFERENCING NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION public_changes_places('grave');
    CREATE TRIGGER graves_public_changes_update AFTER UPDATE ON graves REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION public_changes_places('grave');
    CREATE TRIGGER graves_public_changes_delete AFTER DELETE ON graves REFERENCING OLD TABLE AS old_rows
      FOR EACH STATEMENT EXECUTE FUNCTION public_changes_places('grave');
    CREATE TRIGGER cemeteries_public_changes_insert AFTER INSERT ON cemeteries REFERENCING NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION public_changes_places('cemetery');
    CREATE TRIGGER cemeteries_public_changes_update AFTER UPDATE ON cemeteries REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION public_changes_places('cemetery');
    CREATE TRIGGER cemeteries_public_changes_delete AFTER DELETE ON cemeteries REFERENCING OLD TABLE AS old_rows
      FOR EACH STATEMENT EXECUTE FUNCTION public_changes_places('cemetery');

    -- The national files the scheduled build wrote last: the download page and the ETag read this.
    CREATE TABLE open_data_files (
      name        text PRIMARY KEY CHECK (name ~ '^[a-z0-9.-]{1,80}$'),
      bytes       bigint NOT NULL CHECK (bytes >= 0),
      sha256      text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
      row_count   bigint NOT NULL CHECK (row_count >= 0),
      -- The change feed's cursor at the file's snapshot: /api/changes?since= this continues from the file.
      feed_cursor text NOT NULL,
      built_at    timestamptz NOT NULL DEFAULT now()
    );
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP TABLE open_data_files;
    DROP TRIGGER martyrs_public_changes_insert ON martyrs;
    DROP TRIGGER martyrs_public_changes_update ON martyrs;
    DROP TRIGGER martyrs_public_changes_delete ON martyrs;
    DROP TRIGGER graves_public_changes_insert ON graves;
    DROP TRIGGER graves_public_changes_update ON graves;
    DROP TRIGGER graves_public_changes_delete ON graves;
    DROP TRIGGER cemeteries_public_changes_insert ON cemeteries;
    DROP TRIGGER cemeteries_public_changes_update ON cemeteries;
    DROP TRIGGER cemeteries_public_changes_delete ON cemeteries;
    DROP FUNCTION public_changes_places(), public_changes_martyrs();
    DROP TABLE public_changes;
  `);
}
