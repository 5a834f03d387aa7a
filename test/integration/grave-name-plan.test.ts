/**
 * The grave display name's refresh (a trigger of every martyr write, the import's flip included)
 * reads a grave's martyrs by the grave_id index even where the planner knows nothing of the table:
 * a new database's martyrs, never analysed, on which the old `ORDER BY id LIMIT 1` probe walked
 * the primary key from id 1 for every grave (migration 20261201002900).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/services.js';

describe('grave display names on a table the planner has no statistics for', () => {
  let t: TestDatabase;
  let graveIds: number[] = [];

  beforeAll(async () => {
    t = await createTestDatabase('gravename');
    // Where autovacuum runs, it must not analyse the table between the inserts and the probe.
    await t.db.raw(`ALTER TABLE martyrs SET (autovacuum_enabled = false)`);
    const { rows: [cemetery] } = await t.db.raw<{ rows: { id: number }[] }>(
      `INSERT INTO cemeteries (name, level, province_code, location) VALUES ('Nghĩa trang liệt sĩ thử', 'district', '33', ST_SetSRID(ST_MakePoint(106.05, 20.65), 4326)) RETURNING id`,
    );
    const { rows } = await t.db.raw<{ rows: { id: string }[] }>(
      `INSERT INTO graves (cemetery_id, row_label, plot_number, state) SELECT ?, 'A', n::text, 'identified' FROM generate_series(1, 20000) n RETURNING id`,
      [cemetery!.id],
    );
    graveIds = rows.map((r) => Number(r.id));
    // Two martyrs per grave, 40,000 records with an import's long fields: the planner guesses an
    // unanalysed table's rows from its pages, and at this size its guess made the old probe walk the
    // primary key. Loaded as the seed loads (no name triggers), the names left to the probe under test.
    await t.db.transaction(async (trx) => {
      await trx.raw(`SET LOCAL mls.bulk_load = 'on'`);
      await trx.raw(
        `INSERT INTO martyrs (full_name, grave_id, place_of_death, unit, source, is_public)
         SELECT 'Liệt sĩ ' || g || CASE WHEN k = 1 THEN ' (trước)' ELSE ' (sau)' END, g, repeat('Mặt trận phía Nam ', 12), repeat('Trung đoàn 64, Sư đoàn 320 ', 6), 'staff', true
         FROM unnest(?::bigint[]) g CROSS JOIN generate_series(1, 2) k ORDER BY g, k`,
        [graveIds],
      );
    });
    await t.db.raw(`UPDATE graves SET display_name = NULL`);
  }, 60_000);
  afterAll(async () => t?.drop());

  it('probes the grave_id index, never the primary key from the first martyr', async () => {
    const stats = await t.db.raw<{ rows: { reltuples: number }[] }>(`SELECT reltuples FROM pg_class WHERE relname = 'martyrs'`);
    // The situation of a new portal's first import: the table was never analysed.
    expect(stats.rows[0]!.reltuples).toBeLessThan(1);
    const client = new pg.Client({ connectionString: t.url });
    await client.connect();
    const plans: string[] = [];
    client.on('notice', (n) => plans.push(n.message ?? ''));
    try {
      await client.query(`LOAD 'auto_explain'`);
      await client.query(`SET auto_explain.log_min_duration = 0; SET auto_explain.log_nested_statements = on; SET auto_explain.log_level = notice`);
      await client.query(`SELECT refresh_grave_display_names($1::bigint[])`, [graveIds.slice(0, 200)]);
    } finally {
      await client.end();
    }
    const update = plans.find((p) => p.includes('UPDATE graves g SET display_name'));
    expect(update, plans.join('\n---\n')).toBeDefined();
    expect(update).toContain('martyrs_grave_idx');
    expect(update).not.toContain('martyrs_pkey');
    const { rows } = await t.db.raw<{ rows: { id: string; display_name: string | null }[] }>(`SELECT id, display_name FROM graves WHERE id = ANY(?::bigint[]) ORDER BY id`, [graveIds.slice(0, 200)]);
    expect(rows.every((r) => r.display_name === `Liệt sĩ ${r.id} (trước)`)).toBe(true);
    const untouched = await t.db.raw<{ rows: { n: string }[] }>(`SELECT count(*) AS n FROM graves WHERE display_name IS NOT NULL AND NOT (id = ANY(?::bigint[]))`, [graveIds.slice(0, 200)]);
    expect(Number(untouched.rows[0]!.n)).toBe(0);
  });
});
