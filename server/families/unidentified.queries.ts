/**
 * The public lists of issue 17, read from the visibility views only: unidentified graves with
 * every clue they carry (public_graves: a withheld headstone's clues read as NULL), and public
 * martyrs with no known grave (public_martyrs).
 */
import { Conditions } from '../db/conditions.js';
import type { Knex } from '../db/knex.js';

export type UnidentifiedFilter = { province?: string; cemetery?: number; unitKeys?: string[]; year?: number; clue?: 'unit' | 'year' | 'place' | 'fragment'; page: number; perPage: number };

export type UnidentifiedRow = {
  id: number; state: string; row_label: string | null; plot_number: string | null; known_name: string | null; known_unit: string | null; known_hometown: string | null;
  known_place_of_death: string | null; known_death_year: number | null; known_death_month: number | null; known_death_day: number | null;
  cemetery_id: number; cemetery_name: string; province_name: string;
};

/** Counted up to this many: a page says "more than" beyond it, rather than count 200,000 rows per visit. */
const COUNT_CAP = 10_000;

export async function unidentifiedPage(db: Knex, f: UnidentifiedFilter): Promise<{ items: UnidentifiedRow[]; total: number }> {
  const where = new Conditions().add(`g.state <> 'identified'`);
  if (f.province) where.add('c.province_code = ?', f.province);
  if (f.cemetery) where.add('g.cemetery_id = ?', f.cemetery);
  if (f.unitKeys?.length) where.add('EXISTS (SELECT 1 FROM grave_clues gc WHERE gc.grave_id = g.id AND gc.unit_keys && ?::text[])', f.unitKeys);
  if (f.year) where.add('g.known_death_year BETWEEN ? AND ?', f.year - 1, f.year + 1);
  if (f.clue === 'unit') where.add('g.known_unit IS NOT NULL');
  if (f.clue === 'year') where.add('g.known_death_year IS NOT NULL');
  if (f.clue === 'place') where.add('g.known_place_of_death IS NOT NULL');
  if (f.clue === 'fragment') where.add('(g.known_name IS NOT NULL OR g.known_hometown IS NOT NULL)');
  const from = `FROM public_graves g JOIN cemeteries c ON c.id = g.cemetery_id JOIN provinces p ON p.code = c.province_code ${where.where}`;
  const [items, total] = await Promise.all([
    db.raw(
      `SELECT g.id, g.state, g.row_label, g.plot_number, g.known_name, g.known_unit, g.known_hometown, g.known_place_of_death, g.known_death_year,
              g.known_death_month, g.known_death_day, c.id AS cemetery_id, c.name AS cemetery_name, p.name AS province_name
       ${from} ORDER BY p.name, c.name, c.id, g.id LIMIT ? OFFSET ?`,
      [...where.bindings, f.perPage, (f.page - 1) * f.perPage],
    ),
    db.raw(`SELECT count(*) AS n FROM (SELECT 1 ${from} LIMIT ?) t`, [...where.bindings, COUNT_CAP]),
  ]);
  return { items: items.rows, total: Number(total.rows[0].n) };
}

/** Cemeteries of a province that hold unidentified graves, for the filter. */
export async function cemeteriesWithUnidentified(db: Knex, province: string): Promise<{ id: number; name: string }[]> {
  const { rows } = await db.raw(
    `SELECT c.id, c.name FROM cemeteries c WHERE c.province_code = ? AND EXISTS (SELECT 1 FROM graves g WHERE g.cemetery_id = c.id AND g.state <> 'identified') ORDER BY c.name`,
    [province],
  );
  return rows;
}

export type GravelessRow = { id: number; full_name: string; hometown_text: string | null; unit: string | null; death_year: number | null; death_month: number | null; death_day: number | null; place_of_death: string | null };

export async function gravelessPage(db: Knex, f: { province?: string; page: number; perPage: number }): Promise<{ items: GravelessRow[]; total: number }> {
  const where = new Conditions().add('m.grave_id IS NULL');
  if (f.province) where.add('m.hometown_province_code = ?', f.province);
  const [items, total] = await Promise.all([
    db.raw(
      `SELECT m.id, m.full_name, m.hometown_text, m.unit, m.death_year, m.death_month, m.death_day, m.place_of_death
       FROM public_martyrs m ${where.where} ORDER BY m.id LIMIT ? OFFSET ?`,
      [...where.bindings, f.perPage, (f.page - 1) * f.perPage],
    ),
    db.raw(`SELECT count(*) AS n FROM (SELECT 1 FROM public_martyrs m ${where.where} LIMIT ?) t`, [...where.bindings, COUNT_CAP]),
  ]);
  return { items: items.rows, total: Number(total.rows[0].n) };
}

/** How many public martyrs of each hometown province have no known grave. */
export async function gravelessByProvince(db: Knex): Promise<{ code: string; name: string; n: number }[]> {
  const { rows } = await db.raw(
    `SELECT p.code, p.name, count(m.id)::int AS n FROM provinces p LEFT JOIN public_martyrs m ON m.hometown_province_code = p.code AND m.grave_id IS NULL
     GROUP BY p.code, p.name ORDER BY p.name`,
  );
  return rows;
}

/** How many unidentified graves each province's cemeteries hold. */
export async function unidentifiedByProvince(db: Knex): Promise<{ code: string; name: string; n: number }[]> {
  const { rows } = await db.raw(
    `SELECT p.code, p.name, count(g.id)::int AS n FROM provinces p JOIN cemeteries c ON c.province_code = p.code
     JOIN public_graves g ON g.cemetery_id = c.id AND g.state <> 'identified' GROUP BY p.code, p.name ORDER BY p.name`,
  );
  return rows;
}
