/** Geometry the page maps draw: province outlines, a cemetery's ground plan, its graves and cemeteries. */
import type { Db } from '../db/knex.js';
import { naturalOrder } from '../db/natural-order.js';
import { polygonsOf, type Marker, type MultiPolygon, type Polygon } from './map-svg.js';

/** Above this many graves a cemetery's plan shows its sections only: the page must stay light. */
export const MAX_GRAVE_DOTS = 2_000;

/**
 * A province outline simplified to about a kilometre (0.01°): a few KB of SVG, enough for a
 * locator map.
 */
export async function provinceOutline(db: Db, provinceCode: string): Promise<MultiPolygon> {
  const { rows } = await db.raw<{ rows: { outline: string | null }[] }>(
    'SELECT ST_AsGeoJSON(ST_Simplify(geom, 0.01), 3) AS outline FROM provinces WHERE code = ?',
    [provinceCode],
  );
  const outline = rows[0]?.outline;
  return outline ? polygonsOf(JSON.parse(outline)) : [];
}

/** Province outlines never change between migrations: each is read once per process. */
export function cachedProvinceOutlines(db: Db): (provinceCode: string) => Promise<MultiPolygon> {
  const cache = new Map<string, Promise<MultiPolygon>>();
  return (code) => {
    let outline = cache.get(code);
    if (!outline) {
      outline = provinceOutline(db, code);
      cache.set(code, outline);
      outline.catch(() => cache.delete(code));
    }
    return outline;
  };
}

export type CemeteryPlan = { boundary: MultiPolygon; sections: { code: string; kind: string; polygon: Polygon | null }[] };

export async function cemeteryPlan(db: Db, cemeteryId: number): Promise<CemeteryPlan> {
  const { rows } = await db.raw<{ rows: { boundary: string | null; sections: { code: string; kind: string; boundary: unknown }[] | null }[] }>(
    `SELECT ST_AsGeoJSON(c.boundary, 7) AS boundary,
       (SELECT json_agg(json_build_object('code', s.code, 'kind', s.kind, 'boundary', ST_AsGeoJSON(s.boundary, 7)::json) ORDER BY ${naturalOrder('s.code')})
        FROM cemetery_sections s WHERE s.cemetery_id = c.id) AS sections
     FROM cemeteries c WHERE c.id = ?`,
    [cemeteryId],
  );
  const row = rows[0];
  return {
    boundary: row?.boundary ? polygonsOf(JSON.parse(row.boundary)) : [],
    sections: (row?.sections ?? []).map((s) => ({ code: s.code, kind: s.kind, polygon: polygonsOf(s.boundary)[0] ?? null })),
  };
}

/** Positions and states of a cemetery's graves; call it only for cemeteries of MAX_GRAVE_DOTS graves or fewer. */
export async function gravePoints(db: Db, cemeteryId: number): Promise<(Marker & { state: string })[]> {
  const { rows } = await db.raw<{ rows: { lng: number; lat: number; state: string }[] }>(
    `SELECT ST_X(position) AS lng, ST_Y(position) AS lat, state FROM public_graves
     WHERE cemetery_id = ? AND position IS NOT NULL ORDER BY id LIMIT ?`,
    [cemeteryId, MAX_GRAVE_DOTS],
  );
  return rows;
}

/** Where a province's cemeteries are, for the dots on its map. */
export async function cemeteryPoints(db: Db, provinceCode: string): Promise<Marker[]> {
  const { rows } = await db.raw<{ rows: Marker[] }>(
    'SELECT ST_X(location) AS lng, ST_Y(location) AS lat FROM cemeteries WHERE province_code = ? ORDER BY id LIMIT 5000',
    [provinceCode],
  );
  return rows;
}
