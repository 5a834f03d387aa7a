/**
 * The demo data generator against real PostgreSQL/PostGIS: the same seed gives the same rows, the
 * data has the shape the issue asks for (shares of unidentified graves, graveless martyrs, war
 * years, hometowns, positions inside cemeteries), photos exist as files and rows, and a database
 * that already has graves is refused.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseHasGraves, ResetRefusedError, resetRecords, seedDemo, type DemoSummary } from '../../seeds/demo/seed-demo.js';
import type { Db } from '../../server/db/knex.js';
import { createTestDatabase, silentLogger, type TestDatabase } from '../support/services.js';

const TABLES = ['cemeteries', 'cemetery_sections', 'graves', 'martyrs', 'photos'] as const;

/** md5 over every row of the table in id order, without the timestamps a load sets. */
async function tableHash(db: Db, table: string): Promise<string> {
  const columns = (await db('information_schema.columns')
    .where({ table_schema: 'public', table_name: table })
    .whereNotIn('column_name', ['created_at', 'updated_at'])
    .orderBy('ordinal_position')
    .pluck('column_name')) as string[];
  const { rows } = await db.raw(`SELECT md5(string_agg(t::text, '|' ORDER BY t.id)) AS hash FROM (SELECT ${columns.map((c) => `"${c}"`).join(', ')} FROM ??) t`, [table]);
  return (rows as Array<{ hash: string }>)[0]!.hash;
}

async function hashes(db: Db): Promise<Record<string, string>> {
  return Object.fromEntries(await Promise.all(TABLES.map(async (t) => [t, await tableHash(db, t)] as const)));
}

async function one<T = Record<string, number>>(db: Db, sql: string): Promise<T> {
  return ((await db.raw(sql)).rows as T[])[0]!;
}

const tempDirs: string[] = [];
async function photosDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mls-demo-photos-'));
  tempDirs.push(dir);
  return dir;
}

afterAll(async () => {
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('demo data: determinism', () => {
  const databases: TestDatabase[] = [];
  afterAll(async () => {
    await Promise.all(databases.map((d) => d.drop()));
  });

  it('gives identical rows, ids included, for the same seed and number of graves, and other rows for another seed', async () => {
    const [a, b, c] = await Promise.all([createTestDatabase('demo_a'), createTestDatabase('demo_b'), createTestDatabase('demo_c')]);
    databases.push(a!, b!, c!);
    const options = { graves: 3_000, seed: 'kiem-tra', maxPhotos: 5 };
    await seedDemo(a!.db, silentLogger, { ...options, photosDir: await photosDir() });
    await seedDemo(b!.db, silentLogger, { ...options, photosDir: await photosDir() });
    await seedDemo(c!.db, silentLogger, { ...options, seed: 'mot-hat-giong-khac', photosDir: await photosDir() });

    const [ha, hb, hc] = [await hashes(a!.db), await hashes(b!.db), await hashes(c!.db)];
    expect(hb).toEqual(ha);
    for (const table of ['graves', 'martyrs', 'cemeteries'] as const) expect(hc[table]).not.toBe(ha[table]);
  });

  it('after resetRecords the same seed gives the same rows again, ids starting from 1', async () => {
    const [a, b] = databases;
    const before = await hashes(a!.db);
    const { photoKeys } = await resetRecords(b!.db);
    expect(photoKeys).toHaveLength(5 * 4);
    for (const table of TABLES) expect(Number((await one(b!.db, `SELECT count(*) AS n FROM ${table}`)).n)).toBe(0);
    await seedDemo(b!.db, silentLogger, { graves: 3_000, seed: 'kiem-tra', maxPhotos: 5, photosDir: await photosDir() });
    expect(await hashes(b!.db)).toEqual(before);
  });

  it('refuses to reset records that a submission points at, saying so and deleting nothing', async () => {
    const [, , c] = databases;
    const martyr = await c!.db('martyrs').first('id');
    await c!.db('submissions').insert({
      tracking_code: 'TEST-0001-AA', kind: 'martyr_correction', sender_name: 'Người gửi', sender_contact: '0900000000', message: 'Sai năm sinh', martyr_id: martyr.id,
    });
    const before = await hashes(c!.db);
    const refused = await resetRecords(c!.db).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ResetRefusedError);
    expect((refused as Error).message).toMatch(/^--reset refused: the current records are referred to by 1 submission, which/);
    expect(await hashes(c!.db)).toEqual(before);
  });
});

describe('demo data: 8,000 graves', () => {
  let test: TestDatabase;
  let db: Db;
  let dir: string;
  let summary: DemoSummary;

  beforeAll(async () => {
    test = await createTestDatabase('demo_shape');
    db = test.db;
    dir = await photosDir();
    summary = await seedDemo(db, silentLogger, { graves: 8_000, seed: 'hinh-dang', photosDir: dir, maxPhotos: 40 });
  });
  afterAll(async () => {
    await test?.drop();
  });

  it('reports what it loaded', async () => {
    expect(summary.graves).toBe(8_000);
    expect(summary.photos).toBe(40);
    for (const [table, key] of [['cemeteries', 'cemeteries'], ['cemetery_sections', 'sections'], ['graves', 'graves'], ['martyrs', 'martyrs'], ['photos', 'photos']] as const) {
      expect(Number((await one(db, `SELECT count(*) AS n FROM ${table}`)).n)).toBe(summary[key]);
    }
  });

  it('writes no search outbox rows: the index is rebuilt from PostgreSQL', async () => {
    expect(Number((await one(db, 'SELECT count(*) AS n FROM search_outbox')).n)).toBe(0);
  });

  it('gives every grave with a public martyr the name the map shows', async () => {
    const wrong = await one(db, `
      SELECT count(*) AS n FROM graves g
      WHERE g.display_name IS DISTINCT FROM (SELECT m.full_name FROM martyrs m WHERE m.grave_id = g.id AND m.is_public ORDER BY m.id LIMIT 1)`);
    expect(Number(wrong.n)).toBe(0);
    expect(Number((await one(db, 'SELECT count(*) AS n FROM graves WHERE display_name IS NOT NULL')).n)).toBeGreaterThan(0);
  });

  it('leaves about 20% of graves unidentified or partial, and 30% of martyrs without a known grave, half of them in an unidentified grave (issue 17)', async () => {
    const g = await one(db, `SELECT avg((state <> 'identified')::int)::float AS open, avg((state = 'partial')::int)::float AS partial FROM graves`);
    expect(g.open).toBeGreaterThan(0.16);
    expect(g.open).toBeLessThan(0.24);
    expect(g.partial).toBeGreaterThan(0.12);
    const m = await one(db, `SELECT avg((grave_id IS NULL)::int)::float AS graveless, avg((grave_id IS NULL AND id IN (SELECT martyr_id FROM demo_unidentified_truth))::int)::float AS in_unidentified FROM martyrs`);
    expect(m.graveless).toBeGreaterThan(0.27);
    expect(m.graveless).toBeLessThan(0.33);
    expect(m.in_unidentified! / m.graveless!).toBeGreaterThan(0.45);
    expect(m.in_unidentified! / m.graveless!).toBeLessThan(0.55);
  });

  it('draws the clues of unidentified graves by the issue 17 model, and knows the truth of each', async () => {
    const c = await one(db, `
      SELECT avg((known_unit IS NOT NULL)::int)::float AS unit, avg((known_death_year IS NOT NULL)::int)::float AS year,
             avg((known_death_month IS NOT NULL)::int)::float / nullif(avg((known_death_year IS NOT NULL)::int)::float, 0) AS month_of_year,
             avg((known_place_of_death IS NOT NULL)::int)::float AS place,
             avg((known_name IS NOT NULL OR known_hometown IS NOT NULL)::int)::float AS fragment
      FROM graves WHERE state <> 'identified'`);
    expect(c.unit).toBeGreaterThan(0.40);
    expect(c.unit).toBeLessThan(0.50);
    expect(c.year).toBeGreaterThan(0.50);
    expect(c.year).toBeLessThan(0.60);
    expect(c.month_of_year).toBeGreaterThan(0.22);
    expect(c.month_of_year).toBeLessThan(0.38);
    expect(c.place).toBeGreaterThan(0.25);
    expect(c.place).toBeLessThan(0.35);
    expect(c.fragment).toBeGreaterThan(0.11);
    expect(c.fragment).toBeLessThan(0.19);
    // Each truth is an unidentified grave and a martyr with no grave, and the grave's year is the martyr's, or one off.
    const t = await one(db, `
      SELECT count(*) FILTER (WHERE g.state = 'identified' OR m.grave_id IS NOT NULL)::int AS wrong,
             count(*) FILTER (WHERE g.known_death_year IS NOT NULL AND abs(g.known_death_year - m.death_year) > 1)::int AS far_year,
             count(*)::int AS n
      FROM demo_unidentified_truth t JOIN graves g ON g.id = t.grave_id JOIN martyrs m ON m.id = t.martyr_id`);
    expect(t.n).toBeGreaterThan(0);
    expect(t.wrong).toBe(0);
    expect(t.far_year).toBe(0);
  });

  it('puts one martyr in each identified grave, 3-12 in collective ones, and none in partial or unknown graves', async () => {
    const rows = (await db.raw(`
      SELECT g.state, g.is_collective, count(m.id)::int AS n
      FROM graves g LEFT JOIN martyrs m ON m.grave_id = g.id GROUP BY g.id`)).rows as Array<{ state: string; is_collective: boolean; n: number }>;
    const collective = rows.filter((r) => r.is_collective);
    expect(collective.length).toBeGreaterThan(0);
    expect(collective.every((r) => r.state === 'identified' && r.n >= 3 && r.n <= 12)).toBe(true);
    expect(rows.filter((r) => r.state === 'identified' && !r.is_collective).every((r) => r.n === 1)).toBe(true);
    expect(rows.filter((r) => r.state !== 'identified').every((r) => r.n === 0)).toBe(true);
  });

  it('gives partial graves something known and unknown graves the "chưa biết tên" headstone', async () => {
    const p = await one(db, `
      SELECT count(*) FILTER (WHERE known_name IS NULL AND known_unit IS NULL AND known_hometown IS NULL
                                AND known_place_of_death IS NULL AND known_death_year IS NULL)::int AS empty
      FROM graves WHERE state = 'partial'`);
    expect(p.empty).toBe(0);
    const u = await one<{ n: number; inscription: string }>(db, `SELECT count(DISTINCT inscription)::int AS n, min(inscription) AS inscription FROM graves WHERE state = 'unknown'`);
    expect(u).toEqual({ n: 1, inscription: 'LIỆT SĨ\nCHƯA BIẾT TÊN' });
    const named = await one(db, `SELECT count(*)::int AS n FROM graves g JOIN martyrs m ON m.grave_id = g.id
      WHERE NOT g.is_collective AND position(upper(m.full_name) IN g.inscription) = 0`);
    expect(named.n).toBe(0);
  });

  it('dates deaths in the wars, mostly 1955-75, and keeps unknown date parts null', async () => {
    const d = await one(db, `
      SELECT avg((death_year BETWEEN 1945 AND 1954 OR death_year BETWEEN 1955 AND 1975 OR death_year BETWEEN 1979 AND 1989)::int)::float AS in_wars,
             avg((death_year BETWEEN 1955 AND 1975)::int)::float AS american,
             avg((death_year BETWEEN 1945 AND 1954)::int)::float AS french,
             avg((death_day IS NULL)::int)::float AS no_day,
             avg((birth_year IS NULL)::int)::float AS no_birth,
             avg((death_year - birth_year BETWEEN 16 AND 35)::int) FILTER (WHERE birth_year IS NOT NULL)::float AS young
      FROM martyrs`);
    expect(d.in_wars).toBeGreaterThanOrEqual(0.95);
    expect(d.american).toBeGreaterThan(0.5);
    expect(d.american).toBeLessThan(0.8);
    expect(d.french).toBeGreaterThan(0.1);
    expect(d.no_day).toBeGreaterThan(0.4);
    expect(d.no_day).toBeLessThan(0.6);
    expect(d.no_birth).toBeGreaterThan(0.05);
    expect(d.no_birth).toBeLessThan(0.15);
    expect(d.young).toBeGreaterThan(0.85);
  });

  it('gives mostly men, with Vietnamese three-part names', async () => {
    const m = await one(db, `SELECT avg((gender = 'male')::int)::float AS men,
      avg((full_name ~ '^\\S+ \\S+ \\S+$')::int)::float AS three_parts,
      avg((full_name LIKE 'Nguyễn %')::int)::float AS nguyen FROM martyrs`);
    expect(m.men).toBeGreaterThan(0.94);
    expect(m.men).toBeLessThan(0.995);
    expect(m.three_parts).toBeGreaterThan(0.9);
    expect(m.nguyen).toBeGreaterThan(0.2);
  });

  it('gives every martyr a real hometown with current codes through the 2025 mapping, some written under historical provinces', async () => {
    const h = await one(db, `
      SELECT count(*) FILTER (WHERE m.hometown_province_code IS DISTINCT FROM pm.new_province_code)::int AS wrong_province,
             count(*) FILTER (WHERE m.hometown_old_commune_code IS NOT NULL AND m.hometown_commune_code IS NOT NULL AND NOT EXISTS (
               SELECT 1 FROM commune_mapping cm WHERE cm.old_code = m.hometown_old_commune_code AND cm.new_commune_code = m.hometown_commune_code))::int AS wrong_commune,
             count(*) FILTER (WHERE m.hometown_old_commune_code IS NOT NULL AND c.district_code <> m.hometown_old_district_code)::int AS wrong_district,
             count(*) FILTER (WHERE m.hometown_old_commune_code IS NULL)::int AS without_commune,
             count(*)::int AS total
      FROM martyrs m
      JOIN old_districts d ON d.code = m.hometown_old_district_code AND d.province_code = m.hometown_old_province_code
      LEFT JOIN province_mapping pm ON pm.old_province_code = m.hometown_old_province_code
      LEFT JOIN old_communes c ON c.code = m.hometown_old_commune_code`);
    expect(h.total).toBe(Number((await one(db, 'SELECT count(*) AS n FROM martyrs')).n));
    expect(h).toMatchObject({ wrong_province: 0, wrong_commune: 0, wrong_district: 0 });
    expect(h.without_commune! / h.total!).toBeGreaterThan(0.1);
    const historical = await one(db, `
      SELECT avg((EXISTS (SELECT 1 FROM historical_provinces hp
                          WHERE m.hometown_text LIKE '%' || hp.name AND NOT EXISTS (SELECT 1 FROM old_provinces op WHERE op.name = hp.name)))::int)::float AS share
      FROM martyrs m`);
    expect(historical.share).toBeGreaterThan(0.05);
    const provinces = await one(db, `SELECT count(DISTINCT hometown_old_province_code)::int AS n FROM martyrs`);
    expect(provinces.n).toBeGreaterThan(55);
  });

  it('places every grave on a unique plot inside its section and its cemetery boundary', async () => {
    const g = await one(db, `
      SELECT count(*) FILTER (WHERE NOT ST_Covers(c.boundary, g.position))::int AS outside_cemetery,
             count(*) FILTER (WHERE NOT ST_Covers(s.boundary, g.position))::int AS outside_section,
             count(*) FILTER (WHERE s.cemetery_id <> g.cemetery_id)::int AS foreign_section,
             count(*)::int AS total,
             count(DISTINCT (g.cemetery_id, g.section_id, g.row_label, g.plot_number))::int AS plots
      FROM graves g JOIN cemeteries c ON c.id = g.cemetery_id JOIN cemetery_sections s ON s.id = g.section_id`);
    expect(g).toEqual({ outside_cemetery: 0, outside_section: 0, foreign_section: 0, total: 8_000, plots: 8_000 });
  });

  it('has a cemetery in every pre-2025 province, each with 2-6 sections, generated ones inside their district', async () => {
    const c = await one(db, `
      SELECT (SELECT count(*) FROM old_provinces p WHERE NOT EXISTS (SELECT 1 FROM cemeteries c WHERE c.old_province_code = p.code))::int AS provinces_without,
             (SELECT count(*) FROM (SELECT count(*) AS n FROM cemetery_sections GROUP BY cemetery_id) s WHERE n NOT BETWEEN 2 AND 6)::int AS odd_sections,
             (SELECT count(*) FROM cemeteries c JOIN old_districts d ON d.code = c.old_district_code
              WHERE c.location_precision = 'generated' AND d.geom IS NOT NULL AND NOT ST_Covers(d.geom, c.location))::int AS outside_district,
             (SELECT count(*) FROM cemeteries WHERE level = 'national')::int AS national,
             (SELECT count(*) FROM cemeteries c JOIN province_mapping pm ON pm.old_province_code = c.old_province_code
              WHERE pm.new_province_code <> c.province_code)::int AS wrong_province`);
    expect(c).toEqual({ provinces_without: 0, odd_sections: 0, outside_district: 0, national: 3, wrong_province: 0 });
  });

  it('writes headstone photos as files whose sha256 and position match their rows', async () => {
    const photos = (await db.raw(`
      SELECT p.*, ST_Equals(p.position, g.position) AS at_grave FROM photos p JOIN graves g ON g.id = p.grave_id ORDER BY p.id`)).rows as Array<Record<string, unknown>>;
    expect(photos).toHaveLength(40);
    for (const p of photos) {
      expect(p.is_current).toBe(true);
      expect(p.at_grave).toBe(true);
      const full = await readFile(path.join(dir, String(p.full_key)));
      expect(createHash('sha256').update(full).digest('hex')).toBe(p.content_hash);
      expect(full.length).toBe(p.bytes);
      for (const key of ['original_key', 'page_key', 'thumb_key']) await expect(readFile(path.join(dir, String(p[key])))).resolves.toBeInstanceOf(Buffer);
    }
  });

  it('moves the id sequences past the loaded rows', async () => {
    const [cemetery] = await db('cemeteries').insert({
      name: 'Nghĩa trang liệt sĩ thử nghiệm', level: 'commune', province_code: '01', location: db.raw(`ST_SetSRID(ST_MakePoint(105.8, 21.0), 4326)`),
    }).returning('id');
    expect(Number(cemetery.id)).toBe(summary.cemeteries + 1);
    await db('cemeteries').where({ id: cemetery.id }).delete();
  });

  it('refuses to seed a database that already has graves', async () => {
    expect(await databaseHasGraves(db)).toBe(true);
    await expect(seedDemo(db, silentLogger, { graves: 100, seed: 'lan-hai', photosDir: dir })).rejects.toThrow(/already has graves/);
    expect(Number((await one(db, 'SELECT count(*) AS n FROM graves')).n)).toBe(8_000);
  });
});
