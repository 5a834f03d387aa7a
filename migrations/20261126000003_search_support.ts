/**
 * What search needs from PostgreSQL:
 * - the outbox filled by the database itself: statement-level triggers on martyrs, graves,
 *   cemeteries and photos write one row per changed record in the same transaction, whatever
 *   code path made the change (a photo change is recorded as a change of its grave). A bulk loader
 *   that rebuilds the index afterwards may skip them with SET LOCAL mls.skip_search_outbox = 'on';
 * - names folded to plain ASCII (no tone marks, đ → d) in stored columns with trigram indexes, for
 *   the fallback search used while Meilisearch is unreachable. unaccent() is only STABLE, hence the
 *   IMMUTABLE wrapper that names its dictionary explicitly.
 */
import type { Knex } from 'knex';

const CAPTURED: Array<{ table: string; entity: string; idColumn: string }> = [
  { table: 'martyrs', entity: 'martyr', idColumn: 'id' },
  { table: 'graves', entity: 'grave', idColumn: 'id' },
  { table: 'cemeteries', entity: 'cemetery', idColumn: 'id' },
  { table: 'photos', entity: 'grave', idColumn: 'grave_id' },
];

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE FUNCTION fold_vietnamese(value text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
      SELECT lower(public.unaccent('public.unaccent'::regdictionary, value))
    $$;

    CREATE FUNCTION fold_vietnamese_names(full_name text, aliases text[]) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
      SELECT fold_vietnamese(concat_ws(' ', full_name, array_to_string(aliases, ' ')))
    $$;

    ALTER TABLE martyrs ADD COLUMN name_folded text
      GENERATED ALWAYS AS (fold_vietnamese_names(full_name, aliases)) STORED;
    CREATE INDEX martyrs_name_folded_trgm ON martyrs USING gin (name_folded gin_trgm_ops);

    ALTER TABLE graves ADD COLUMN known_name_folded text
      GENERATED ALWAYS AS (fold_vietnamese(known_name)) STORED;
    CREATE INDEX graves_known_name_folded_trgm ON graves USING gin (known_name_folded gin_trgm_ops)
      WHERE state <> 'identified';

    CREATE FUNCTION search_outbox_capture() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF current_setting('mls.skip_search_outbox', true) = 'on' THEN
        RETURN NULL;
      END IF;
      -- TG_ARGV: the entity type to record and the column holding its id.
      IF TG_OP = 'DELETE' THEN
        EXECUTE format('INSERT INTO search_outbox (entity_type, entity_id)
                        SELECT DISTINCT %L, %I FROM old_rows WHERE %I IS NOT NULL', TG_ARGV[0], TG_ARGV[1], TG_ARGV[1]);
      ELSE
        EXECUTE format('INSERT INTO search_outbox (entity_type, entity_id)
                        SELECT DISTINCT %L, %I FROM new_rows WHERE %I IS NOT NULL', TG_ARGV[0], TG_ARGV[1], TG_ARGV[1]);
      END IF;
      IF TG_OP = 'UPDATE' AND TG_ARGV[1] <> 'id' THEN
        -- A photo moved to another grave changes the grave it left too.
        EXECUTE format('INSERT INTO search_outbox (entity_type, entity_id)
                        SELECT DISTINCT %L, %I FROM old_rows WHERE %I IS NOT NULL', TG_ARGV[0], TG_ARGV[1], TG_ARGV[1]);
      END IF;
      RETURN NULL;
    END $$;
  `);
  for (const { table, entity, idColumn } of CAPTURED) {
    // A trigger with transition tables may have one event only: three triggers per table.
    await knex.raw(`
      CREATE TRIGGER ${table}_outbox_insert AFTER INSERT ON ${table}
        REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION search_outbox_capture('${entity}', '${idColumn}');
      CREATE TRIGGER ${table}_outbox_update AFTER UPDATE ON ${table}
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION search_outbox_capture('${entity}', '${idColumn}');
      CREATE TRIGGER ${table}_outbox_delete AFTER DELETE ON ${table}
        REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION search_outbox_capture('${entity}', '${idColumn}');
    `);
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const { table } of CAPTURED) {
    await knex.raw(`
      DROP TRIGGER ${table}_outbox_insert ON ${table};
      DROP TRIGGER ${table}_outbox_update ON ${table};
      DROP TRIGGER ${table}_outbox_delete ON ${table};
    `);
  }
  await knex.raw(`
    DROP FUNCTION search_outbox_capture();
    DROP INDEX graves_known_name_folded_trgm;
    ALTER TABLE graves DROP COLUMN known_name_folded;
    DROP INDEX martyrs_name_folded_trgm;
    ALTER TABLE martyrs DROP COLUMN name_folded;
    DROP FUNCTION fold_vietnamese_names(text, text[]);
    DROP FUNCTION fold_vietnamese(text);
  `);
}
