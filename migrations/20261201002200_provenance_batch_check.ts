/**
 * field_provenance.import_batch_id: checked once per statement instead of once per row.
 *
 * An import writes a dozen provenance rows per record (1.2 million for a 100,000-row file), all
 * naming the same batch, and the foreign key checked each of them on its own: a lookup and a
 * share lock on the same batch row, per row, close to half of what writing provenance cost. The
 * key becomes two statement-level triggers that do the same with one anti-join over the rows a
 * statement wrote, and one on import_batches that refuses to delete a batch provenance still
 * names (batches are kept for good; nothing deletes them today).
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE field_provenance DROP CONSTRAINT field_provenance_import_batch_id_fkey;

    CREATE FUNCTION field_provenance_batches_exist() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      missing bigint;
    BEGIN
      SELECT n.import_batch_id INTO missing FROM new_rows n
      WHERE n.import_batch_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM import_batches b WHERE b.id = n.import_batch_id)
      LIMIT 1;
      IF FOUND THEN
        RAISE EXCEPTION 'insert or update on table "field_provenance" violates its import batch reference'
          USING ERRCODE = 'foreign_key_violation', DETAIL = format('Key (import_batch_id)=(%s) is not present in table "import_batches".', missing);
      END IF;
      RETURN NULL;
    END $$;
    CREATE TRIGGER field_provenance_batch_insert AFTER INSERT ON field_provenance REFERENCING NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION field_provenance_batches_exist();
    CREATE TRIGGER field_provenance_batch_update AFTER UPDATE ON field_provenance REFERENCING NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION field_provenance_batches_exist();

    CREATE FUNCTION import_batches_keep_named() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM field_provenance p JOIN old_rows o ON o.id = p.import_batch_id) THEN
        RAISE EXCEPTION 'update or delete on table "import_batches" violates the reference from "field_provenance"'
          USING ERRCODE = 'foreign_key_violation';
      END IF;
      RETURN NULL;
    END $$;
    CREATE TRIGGER import_batches_keep_named AFTER DELETE ON import_batches REFERENCING OLD TABLE AS old_rows
      FOR EACH STATEMENT EXECUTE FUNCTION import_batches_keep_named();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP TRIGGER import_batches_keep_named ON import_batches;
    DROP FUNCTION import_batches_keep_named();
    DROP TRIGGER field_provenance_batch_update ON field_provenance;
    DROP TRIGGER field_provenance_batch_insert ON field_provenance;
    DROP FUNCTION field_provenance_batches_exist();
    ALTER TABLE field_provenance ADD CONSTRAINT field_provenance_import_batch_id_fkey FOREIGN KEY (import_batch_id) REFERENCES import_batches (id);
  `);
}
