/**
 * audit_log.import_batch_id: checked once per statement instead of once per row, as
 * field_provenance's is (migration 20261201002200). An import's commit writes two audit rows per
 * record, 190,000 for a 100,000-row file, each naming the same batch, and the foreign key looked up
 * and share-locked that batch row for each: a fifth of the 21 s its audit rows took. audit_log is
 * append-only, so only inserts are checked; a batch an audit row names cannot be deleted.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE audit_log DROP CONSTRAINT audit_log_import_batch_id_fkey;

    CREATE FUNCTION audit_log_batches_exist() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      missing bigint;
    BEGIN
      SELECT n.import_batch_id INTO missing FROM new_rows n
      WHERE n.import_batch_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM import_batches b WHERE b.id = n.import_batch_id)
      LIMIT 1;
      IF FOUND THEN
        RAISE EXCEPTION 'insert on table "audit_log" violates its import batch reference'
          USING ERRCODE = 'foreign_key_violation', DETAIL = format('Key (import_batch_id)=(%s) is not present in table "import_batches".', missing);
      END IF;
      RETURN NULL;
    END $$;
    CREATE TRIGGER audit_log_batch_insert AFTER INSERT ON audit_log REFERENCING NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION audit_log_batches_exist();

    CREATE FUNCTION import_batches_keep_audited() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM audit_log a JOIN old_rows o ON o.id = a.import_batch_id) THEN
        RAISE EXCEPTION 'update or delete on table "import_batches" violates the reference from "audit_log"'
          USING ERRCODE = 'foreign_key_violation';
      END IF;
      RETURN NULL;
    END $$;
    CREATE TRIGGER import_batches_keep_audited AFTER DELETE ON import_batches REFERENCING OLD TABLE AS old_rows
      FOR EACH STATEMENT EXECUTE FUNCTION import_batches_keep_audited();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP TRIGGER import_batches_keep_audited ON import_batches;
    DROP FUNCTION import_batches_keep_audited();
    DROP TRIGGER audit_log_batch_insert ON audit_log;
    DROP FUNCTION audit_log_batches_exist();
    ALTER TABLE audit_log ADD CONSTRAINT audit_log_import_batch_id_fkey FOREIGN KEY (import_batch_id) REFERENCES import_batches (id);
  `);
}
