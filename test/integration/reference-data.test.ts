import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPECTED_COUNTS, loadReferenceData } from '../../seeds/reference/load-reference.js';
import { createTestDatabase, silentLogger, type TestDatabase } from '../support/services.js';

describe('reference data', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase('reference');
  });
  afterAll(async () => {
    await t.drop();
  });

  const count = async (sql: string, bindings: unknown[] = []) => Number((await t.db.raw<{ rows: { n: number }[] }>(sql, bindings as never)).rows[0]!.n);

  it('holds 63 old provinces, 34 new ones, and every unit the shipped files list', async () => {
    expect(await count('SELECT count(*) AS n FROM old_provinces')).toBe(63);
    expect(await count('SELECT count(*) AS n FROM provinces')).toBe(34);
    for (const [table, expected] of Object.entries(EXPECTED_COUNTS)) {
      expect(await count(`SELECT count(*) AS n FROM ${table}`), table).toBe(expected);
    }
  });

  it('maps every old province to exactly one new province, and every new province has at least one', async () => {
    expect(await count('SELECT count(*) AS n FROM old_provinces o LEFT JOIN province_mapping m ON m.old_province_code = o.code WHERE m.new_province_code IS NULL')).toBe(0);
    expect(await count('SELECT count(*) AS n FROM provinces p WHERE NOT EXISTS (SELECT 1 FROM province_mapping m WHERE m.new_province_code = p.code)')).toBe(0);
  });

  it('maps every new commune from at least one old unit, and nearly every old commune to a new one', async () => {
    expect(await count('SELECT count(*) AS n FROM communes c WHERE NOT EXISTS (SELECT 1 FROM commune_mapping m WHERE m.new_commune_code = c.code)')).toBe(0);
    // The mapping was built on a slightly different GSO snapshot: a handful of old codes differ.
    const unmapped = await count('SELECT count(*) AS n FROM old_communes o WHERE NOT EXISTS (SELECT 1 FROM commune_mapping m WHERE m.old_code = o.code)');
    expect(unmapped).toBeLessThan(20);
  });

  it('knows a commune merged in 2025 under its old and its new name', async () => {
    const { rows } = await t.db.raw<{ rows: { old_name: string; new_name: string }[] }>(`
      SELECT o.name AS old_name, c.name AS new_name FROM commune_mapping m
      JOIN old_communes o ON o.code = m.old_code JOIN communes c ON c.code = m.new_commune_code
      WHERE m.old_code = '00004'`);
    expect(rows).toEqual([{ old_name: 'Trúc Bạch', new_name: 'Ba Đình' }]);
  });

  it('maps historical province names to the provinces they became', async () => {
    const successors = async (name: string) =>
      (await t.db.raw<{ rows: { name: string }[] }>(`
        SELECT DISTINCT p.name FROM historical_province_successors s
        JOIN province_mapping m ON m.old_province_code = s.old_province_code
        JOIN provinces p ON p.code = m.new_province_code
        WHERE s.historical_name = ? ORDER BY 1`, [name])).rows.map((r) => r.name);
    expect(await successors('Hà Tây')).toEqual(['Hà Nội']);
    expect(await successors('Nghệ Tĩnh')).toEqual(['Hà Tĩnh', 'Nghệ An']);
    expect(await successors('Bình Trị Thiên')).toEqual(['Huế', 'Quảng Trị']);
    expect((await successors('Hải Hưng')).length).toBeGreaterThan(0);
    expect((await successors('Sông Bé')).length).toBeGreaterThan(0);
  });

  it('has boundaries for every province, old and new, as valid multipolygons in EPSG:4326', async () => {
    expect(await count('SELECT count(*) AS n FROM provinces WHERE geom IS NULL OR NOT ST_IsValid(geom) OR ST_SRID(geom) <> 4326')).toBe(0);
    expect(await count('SELECT count(*) AS n FROM old_provinces WHERE geom IS NULL OR NOT ST_IsValid(geom)')).toBe(0);
    // Hà Nội's boundary covers Hoàn Kiếm lake.
    expect(await count(`SELECT count(*) AS n FROM provinces WHERE code = '01' AND ST_Covers(geom, ST_SetSRID(ST_MakePoint(105.8522, 21.0287), 4326))`)).toBe(1);
    expect(await count('SELECT count(*) AS n FROM old_districts WHERE geom IS NOT NULL')).toBeGreaterThan(650);
  });

  it('stores names as written, in NFC, with their diacritics', async () => {
    const row = await t.db('old_provinces').where({ code: '17' }).first();
    expect(row.name).toBe('Hoà Bình'.normalize('NFC'));
    expect(await count(`SELECT count(*) AS n FROM old_communes WHERE name <> normalize(name, NFC)`)).toBe(0);
  });

  it('loading again changes nothing', async () => {
    expect(await loadReferenceData(t.db, silentLogger)).toEqual({ loaded: false });
  });
});
