/** Cemeteries with their grave counts by state. */
import type { Db } from '../db/knex.js';
import { Conditions } from '../db/conditions.js';
import { cachedCount } from '../db/count-cache.js';

export type CemeteryRow = {
  id: number; name: string; level: string; address: string | null; description: string | null;
  province_code: string; province_name: string; old_province_name: string | null;
  lat: number; lng: number; location_precision: string;
  boundary: string | null;
  board_phone: string | null; opening_hours: string | null; gate_lat: number | null; gate_lng: number | null;
  graves_identified: number; graves_partial: number; graves_unknown: number;
};

const SELECT_CEMETERY = (withBoundary: boolean) => `
  SELECT c.id, c.name, c.level, c.address, c.description,
    c.province_code, p.name AS province_name, op.name AS old_province_name,
    ST_Y(c.location) AS lat, ST_X(c.location) AS lng, c.location_precision,
    c.board_phone, c.opening_hours, ST_Y(c.gate) AS gate_lat, ST_X(c.gate) AS gate_lng,
    ${withBoundary ? 'ST_AsGeoJSON(c.boundary, 6)' : 'NULL'} AS boundary,
    COALESCE(n.identified, 0) AS graves_identified, COALESCE(n.partial, 0) AS graves_partial, COALESCE(n.unknown, 0) AS graves_unknown
  FROM cemeteries c
  JOIN provinces p ON p.code = c.province_code
  LEFT JOIN old_provinces op ON op.code = c.old_province_code
  LEFT JOIN LATERAL (
    SELECT count(*) FILTER (WHERE state = 'identified') AS identified,
           count(*) FILTER (WHERE state = 'partial') AS partial,
           count(*) FILTER (WHERE state = 'unknown') AS unknown
    FROM public_graves g WHERE g.cemetery_id = c.id
  ) n ON true`;

export async function findCemetery(db: Db, id: number): Promise<CemeteryRow | undefined> {
  const { rows } = await db.raw<{ rows: CemeteryRow[] }>(`${SELECT_CEMETERY(true)} WHERE c.id = ?`, [id]);
  return rows[0];
}

/**
 * By province, level and name; a cursor names the last cemetery of the page before, and the next
 * page starts after it in that same order (a row comparison, so the sort index is still usable).
 */
export async function listCemeteries(
  db: Db,
  window: { perPage: number; offset?: number; page?: number; afterId?: number; provinceCode?: string },
): Promise<{ total: number; rows: CemeteryRow[]; next: number | undefined }> {
  const counted = new Conditions();
  if (window.provinceCode) counted.add('c.province_code = ?', window.provinceCode);
  const countWhere = counted.where;
  const countBindings = counted.bindings;
  const where = counted.copy();
  if (window.afterId !== undefined) where.add('(c.province_code, c.level, c.name, c.id) > (SELECT province_code, level, name, id FROM cemeteries WHERE id = ?)', window.afterId);
  const offset = window.offset ?? ((window.page ?? 1) - 1) * window.perPage;
  const [{ rows }, total] = await Promise.all([
    db.raw<{ rows: CemeteryRow[] }>(`${SELECT_CEMETERY(false)} ${where.where} ORDER BY c.province_code, c.level, c.name, c.id LIMIT ? OFFSET ?`, [
      ...where.bindings,
      window.perPage + 1,
      offset,
    ]),
    cachedCount(db, `cemeteries:${window.provinceCode ?? '*'}`, async () => Number((await db.raw<{ rows: { n: number }[] }>(`SELECT count(*) AS n FROM cemeteries c ${countWhere}`, countBindings)).rows[0]!.n)),
  ]);
  const more = rows.length > window.perPage;
  const page = more ? rows.slice(0, window.perPage) : rows;
  return { total, rows: page, next: more ? Number(page.at(-1)!.id) : undefined };
}
