/** What the province pages show besides their cemeteries: counts, and the older provinces and names they cover. */
import type { Db } from '../db/knex.js';

export type ProvinceSummary = {
  code: string; name: string; full_name: string; name_en: string; slug: string;
  cemeteries: number; graves: number; old_names: string[];
};

/** The 34 provinces with their cemetery and grave counts (one pass over the graves: callers cache it). */
export async function provinceSummaries(db: Db): Promise<ProvinceSummary[]> {
  const { rows } = await db.raw<{ rows: ProvinceSummary[] }>(`
    SELECT p.code, p.name, p.full_name, p.name_en, p.slug,
      COALESCE(c.n, 0) AS cemeteries, COALESCE(g.n, 0) AS graves,
      COALESCE((SELECT array_agg(o.name ORDER BY o.code) FROM province_mapping m JOIN old_provinces o ON o.code = m.old_province_code
                WHERE m.new_province_code = p.code), '{}') AS old_names
    FROM provinces p
    LEFT JOIN (SELECT province_code, count(*) AS n FROM cemeteries GROUP BY province_code) c ON c.province_code = p.code
    LEFT JOIN (SELECT c.province_code, count(*) AS n FROM public_graves g JOIN cemeteries c ON c.id = g.cemetery_id GROUP BY c.province_code) g
      ON g.province_code = p.code`);
  return rows;
}

export type ProvinceOrigins = {
  oldProvinces: { code: string; name: string; full_name: string }[];
  historical: { name: string; from_year: number | null; to_year: number | null }[];
};

/** The pre-2025 provinces a current province was formed from, and the older names their land carried. */
export async function provinceOrigins(db: Db, code: string): Promise<ProvinceOrigins> {
  const [oldProvinces, historical] = await Promise.all([
    db('province_mapping as m')
      .join('old_provinces as o', 'o.code', 'm.old_province_code')
      .where('m.new_province_code', code)
      .select('o.code', 'o.name', 'o.full_name')
      .orderBy('o.code'),
    db.raw<{ rows: ProvinceOrigins['historical'] }>(
      `SELECT DISTINCT h.name, h.from_year, h.to_year
       FROM historical_provinces h
       JOIN historical_province_successors s ON s.historical_name = h.name
       JOIN province_mapping m ON m.old_province_code = s.old_province_code
       WHERE m.new_province_code = ?
       ORDER BY h.to_year NULLS LAST, h.name`,
      [code],
    ),
  ]);
  return { oldProvinces, historical: historical.rows };
}

export type HistoricalProvince = { name: string; newCodes: string[] };

/** Each historical province name with the current provinces its land lies in. */
export async function historicalProvinces(db: Db): Promise<HistoricalProvince[]> {
  const { rows } = await db.raw<{ rows: HistoricalProvince[] }>(`
    SELECT h.name, array_agg(DISTINCT m.new_province_code ORDER BY m.new_province_code) AS "newCodes"
    FROM historical_provinces h
    JOIN historical_province_successors s ON s.historical_name = h.name
    JOIN province_mapping m ON m.old_province_code = s.old_province_code
    GROUP BY h.name`);
  return rows;
}
