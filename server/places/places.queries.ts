import type { Db, Knex } from '../db/knex.js';

export type Province = { code: string; name: string; fullName: string; nameEn: string; slug: string };
export type OldProvince = Province & { newCode: string };
export type HistoricalProvince = { name: string; oldCodes: string[] };

/** Whether a code names one of the 34 current provinces (what a form or a grant may name). */
export async function provinceExists(db: Knex, code: string): Promise<boolean> {
  return Boolean(await db('provinces').where({ code }).first('code'));
}

export async function listProvinces(db: Db): Promise<Province[]> {
  return db('provinces').select('code', 'name', { fullName: 'full_name', nameEn: 'name_en' }, 'slug').orderBy('code');
}

export async function listOldProvinces(db: Db): Promise<OldProvince[]> {
  return db('old_provinces as o')
    .join('province_mapping as m', 'm.old_province_code', 'o.code')
    .select('o.code', 'o.name', { fullName: 'o.full_name', nameEn: 'o.name_en' }, 'o.slug', { newCode: 'm.new_province_code' })
    .orderBy('o.code');
}

export async function listHistoricalProvinces(db: Db): Promise<HistoricalProvince[]> {
  const { rows } = await db.raw<{ rows: HistoricalProvince[] }>(`
    SELECT h.name, array_agg(s.old_province_code ORDER BY s.old_province_code) AS "oldCodes"
    FROM historical_provinces h JOIN historical_province_successors s ON s.historical_name = h.name
    GROUP BY h.name ORDER BY h.name`);
  return rows;
}
