/**
 * The reference places the generator draws from, read once from the database in code order (so
 * the same database gives the same draws): pre-2025 provinces, districts and communes with their
 * current successors, district and province shapes, and the historical province names.
 */
import type { Db } from '../../server/db/knex.js';
import type { MultiPolygonCoords, Position } from './geometry.js';

/** Broad regions, for where martyrs came from, where they fell and how records were written. */
export type Region =
  | 'northwest' | 'northborder' | 'northmidland' | 'delta' | 'northcentral'
  | 'trithien' | 'khu5' | 'highlands' | 'southeast' | 'mekong';

const REGION_CODES: Record<Region, string[]> = {
  northwest: ['11', '12', '14'],
  northborder: ['02', '04', '10', '20', '22'],
  northmidland: ['06', '08', '15', '17', '19', '24', '25', '26'],
  delta: ['01', '27', '30', '31', '33', '34', '35', '36', '37'],
  northcentral: ['38', '40', '42', '44'],
  trithien: ['45', '46'],
  khu5: ['48', '49', '51', '52', '54', '56'],
  highlands: ['62', '64', '66', '67', '68'],
  southeast: ['58', '60', '70', '72', '74', '75', '77', '79'],
  mekong: ['80', '82', '83', '84', '86', '87', '89', '91', '92', '93', '94', '95', '96'],
};

const REGION_OF = new Map(Object.entries(REGION_CODES).flatMap(([region, codes]) => codes.map((code) => [code, region as Region])));

export type OldProvince = {
  code: string;
  name: string;
  /** The unit word as records write it: "tỉnh", "thành phố". */
  unit: string;
  newCode: string;
  region: Region;
  shape: MultiPolygonCoords | null;
  /** A point known to lie inside the province. */
  inside: Position;
};

export type OldDistrict = {
  code: string;
  provinceCode: string;
  name: string;
  /** "huyện", "thị xã", "thành phố", "quận". */
  unit: string;
  shape: MultiPolygonCoords | null;
  /** The centroid when it falls inside the district, else a point on its surface; null without a shape. */
  centre: Position | null;
};

export type OldCommune = {
  code: string;
  districtCode: string;
  name: string;
  /** "xã", "phường", "thị trấn". */
  unit: string;
  /** The current commune it went into (the first by code when it was split), when the mapping has it. */
  newCode: string | null;
};

export type HistoricalProvince = { name: string; fromYear: number | null; toYear: number | null };

export type Places = {
  provinces: OldProvince[];
  province: Map<string, OldProvince>;
  districts: OldDistrict[];
  district: Map<string, OldDistrict>;
  districtsOf: Map<string, OldDistrict[]>;
  communesOf: Map<string, OldCommune[]>;
  /** Historical names each pre-2025 province was part of. */
  historicalOf: Map<string, HistoricalProvince[]>;
};

/** "Huyện Đô Lương" with name "Đô Lương" → "huyện". */
export function unitWord(fullName: string, name: string): string {
  const prefix = fullName.endsWith(name) ? fullName.slice(0, fullName.length - name.length).trim() : fullName.split(' ')[0]!;
  return prefix.charAt(0).toLowerCase() + prefix.slice(1);
}

function parseShape(json: string | null): MultiPolygonCoords | null {
  return json ? (JSON.parse(json) as { coordinates: MultiPolygonCoords }).coordinates : null;
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = map.get(k);
    if (list) list.push(item);
    else map.set(k, [item]);
  }
  return map;
}

export async function loadPlaces(db: Db): Promise<Places> {
  const provinceRows = (await db.raw(`
    SELECT p.code, p.name, p.full_name, m.new_province_code, ST_AsGeoJSON(p.geom, 6) AS shape,
           ST_X(ST_PointOnSurface(p.geom)) AS x, ST_Y(ST_PointOnSurface(p.geom)) AS y
    FROM old_provinces p JOIN province_mapping m ON m.old_province_code = p.code
    ORDER BY p.code`)).rows as Array<{ code: string; name: string; full_name: string; new_province_code: string; shape: string | null; x: number | null; y: number | null }>;
  const provinces: OldProvince[] = provinceRows.map((r) => {
    if (r.x === null || r.y === null) throw new Error(`old province ${r.code} has no boundary: load the reference data first`);
    return {
      code: r.code, name: r.name, unit: unitWord(r.full_name, r.name), newCode: r.new_province_code,
      region: REGION_OF.get(r.code) ?? 'delta', shape: parseShape(r.shape), inside: [r.x, r.y],
    };
  });

  const districtData = (await db.raw(`
    SELECT code, province_code, name, full_name, ST_AsGeoJSON(geom, 6) AS shape, ST_X(c) AS x, ST_Y(c) AS y
    FROM (SELECT *, CASE WHEN ST_Covers(geom, ST_Centroid(geom)) THEN ST_Centroid(geom) ELSE ST_PointOnSurface(geom) END AS c
          FROM old_districts) d
    ORDER BY code`)).rows as Array<{ code: string; province_code: string; name: string; full_name: string; shape: string | null; x: number | null; y: number | null }>;
  const districts: OldDistrict[] = districtData.map((r) => ({
    code: r.code, provinceCode: r.province_code, name: r.name, unit: unitWord(r.full_name, r.name),
    shape: parseShape(r.shape), centre: r.x === null || r.y === null ? null : [r.x, r.y],
  }));

  const communeRows = (await db.raw(`
    SELECT c.code, c.district_code, c.name, c.full_name,
           (SELECT min(m.new_commune_code) FROM commune_mapping m WHERE m.old_code = c.code AND m.old_level = 'ward') AS new_code
    FROM old_communes c ORDER BY c.code`)).rows as Array<{ code: string; district_code: string; name: string; full_name: string; new_code: string | null }>;
  const communes: OldCommune[] = communeRows.map((r) => ({
    code: r.code, districtCode: r.district_code, name: r.name, unit: unitWord(r.full_name, r.name), newCode: r.new_code,
  }));

  const historicalRows = (await db.raw(`
    SELECT s.old_province_code, h.name, h.from_year, h.to_year
    FROM historical_provinces h JOIN historical_province_successors s ON s.historical_name = h.name
    ORDER BY s.old_province_code, h.name`)).rows as Array<{ old_province_code: string; name: string; from_year: number | null; to_year: number | null }>;
  const historicalOf = new Map<string, HistoricalProvince[]>();
  for (const r of historicalRows) {
    const list = historicalOf.get(r.old_province_code) ?? [];
    list.push({ name: r.name, fromYear: r.from_year, toYear: r.to_year });
    historicalOf.set(r.old_province_code, list);
  }

  return {
    provinces,
    province: new Map(provinces.map((p) => [p.code, p])),
    districts,
    district: new Map(districts.map((d) => [d.code, d])),
    districtsOf: groupBy(districts, (d) => d.provinceCode),
    communesOf: groupBy(communes, (c) => c.districtCode),
    historicalOf,
  };
}
