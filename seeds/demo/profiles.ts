/**
 * What kind of martyrs lie in a cemetery: the fronts they fell on (by region, so that Trường Sơn
 * holds 1965-75 and Vị Xuyên 1984-89), how many come from around the cemetery itself, and how
 * many of its graves are unidentified.
 */
import type { CemeteryLevel } from './cemeteries.js';
import type { FullDate } from './dates.js';
import { Weighted, type Rng } from './random.js';
import type { OldProvince, Region } from './reference.js';
import { THEATRE, THEATRES, type Theatre } from './theatres.js';

export type Profile = {
  level: CemeteryLevel;
  theatres: Weighted<Theatre>;
  /** Share of martyrs whose hometown is near the cemetery. */
  localShare: number;
  /** Share of graves that are partial or unknown. */
  nonIdentified: number;
  /** A size that does not scale with the number of graves. */
  fixedSize?: number;
  /** Everyone here fell together (Đồng Lộc). */
  together?: { date: FullDate; unit: string; place: string; female: true };
  /** Places of death particular to the cemetery (the prison of Côn Đảo), used for 70% of its martyrs. */
  places?: string[];
};

function theatreTable(weights: Record<string, number>): Weighted<Theatre> {
  return new Weighted(Object.entries(weights).map(([key, w]) => {
    const theatre = THEATRE.get(key);
    if (!theatre) throw new Error(`unknown theatre ${key}`);
    return [theatre, w] as const;
  }));
}

/** Fronts of all martyrs; Gạc Ma's fallen have no graves, so only graveless martyrs draw it. */
export const ALL_THEATRES = theatreTable(Object.fromEntries(THEATRES.map((t) => [t.key, t.weight])));
const GRAVE_THEATRES = Object.fromEntries(THEATRES.filter((t) => t.key !== 'gac-ma').map((t) => [t.key, t.weight]));

/** Fronts fought in each region; the rest of a cemetery's martyrs follow the national mix. */
const REGION_THEATRES: Partial<Record<Region, Record<string, number>>> = {
  northwest: { 'dien-bien-phu': 40, 'tay-bac': 30, lao: 15, 'bien-gioi-1979': 15 },
  northborder: { 'bien-gioi-1979': 60, 'bien-gioi-1950': 25, 'lien-khu': 15 },
  northcentral: { 'phong-khong': 35, 'lien-khu': 25, lao: 20, 'truong-son': 20 },
  trithien: { 'quang-tri': 50, 'tri-thien': 25, 'truong-son': 10, 'nam-bo-1': 15 },
  khu5: { 'khu-5': 75, 'nam-bo-1': 20, 'tay-nguyen': 5 },
  highlands: { 'tay-nguyen': 70, 'truong-son': 10, 'nam-bo-1': 10, 'tay-nam-campuchia': 10 },
  southeast: { 'mien-dong': 65, 'nam-bo-1': 15, 'tay-nam-campuchia': 20 },
  mekong: { 'tay-nam-bo': 65, 'nam-bo-1': 20, 'tay-nam-campuchia': 15 },
};
const PROVINCE_THEATRES: Record<string, Record<string, number>> = {
  '02': { 'vi-xuyen': 70, 'bien-gioi-1979': 20, 'lien-khu': 10 },
};

/** How far from home the dead of each region lie: 1 = as local as the level allows. */
const LOCALNESS: Record<Region, number> = {
  delta: 1, northmidland: 1, northcentral: 0.9, mekong: 0.85, khu5: 0.8, southeast: 0.7,
  northborder: 0.5, trithien: 0.4, highlands: 0.35, northwest: 0.3,
};
const LEVEL_LOCAL: Record<CemeteryLevel, number> = { national: 0, province: 0.5, district: 0.75, commune: 0.9 };
const BATTLEFIELDS = new Set<Region>(['northwest', 'northborder', 'trithien', 'highlands', 'southeast']);

const tableCache = new Map<string, Weighted<Theatre>>();

function mixed(key: string, specific: Record<string, number> | undefined): Weighted<Theatre> {
  let table = tableCache.get(key);
  if (!table) {
    const weights: Record<string, number> = {};
    const globalSum = Object.values(GRAVE_THEATRES).reduce((a, b) => a + b, 0);
    // 85% the region's own fronts, 15% the national mix (men of the region who fell elsewhere).
    const share = specific ? 0.15 : 1;
    for (const [k, w] of Object.entries(GRAVE_THEATRES)) weights[k] = (share * w) / globalSum;
    if (specific) {
      const sum = Object.values(specific).reduce((a, b) => a + b, 0);
      for (const [k, w] of Object.entries(specific)) weights[k] = (weights[k] ?? 0) + (0.85 * w) / sum;
    }
    table = theatreTable(weights);
    tableCache.set(key, table);
  }
  return table;
}

export type GeneratedProfile = Profile & { size(rng: Rng): number };

export function cemeteryProfile(province: OldProvince, level: CemeteryLevel): GeneratedProfile {
  const specific = PROVINCE_THEATRES[province.code] ?? REGION_THEATRES[province.region];
  const battlefield = BATTLEFIELDS.has(province.region);
  return {
    level,
    theatres: mixed(PROVINCE_THEATRES[province.code] ? province.code : province.region, specific),
    localShare: LEVEL_LOCAL[level] * LOCALNESS[province.region],
    nonIdentified: (battlefield ? 0.25 : 0.17) * (level === 'commune' ? 0.8 : 1),
    size(rng) {
      const u = rng.next();
      if (level === 'province') return (1500 + 4500 * u * u) * (battlefield ? 1.5 : 1);
      if (level === 'district') return 250 + 1500 * u ** 1.5;
      return 20 + 180 * u ** 1.6;
    },
  };
}

export type RealProfile = Profile & { size: number };

/** The nine real cemeteries; sizes are the raw numbers at one million graves. */
const REAL: Record<string, Omit<RealProfile, 'theatres'> & { theatres: Record<string, number> }> = {
  'Nghĩa trang liệt sĩ Quốc gia Trường Sơn': { level: 'national', size: 10_000, theatres: { 'truong-son': 80, lao: 10, 'quang-tri': 10 }, localShare: 0, nonIdentified: 0.3 },
  'Nghĩa trang liệt sĩ Quốc gia Đường 9': { level: 'national', size: 9_000, theatres: { 'quang-tri': 85, 'tri-thien': 5, lao: 10 }, localShare: 0, nonIdentified: 0.3 },
  'Nghĩa trang liệt sĩ Quốc gia Vị Xuyên': { level: 'national', size: 1_800, theatres: { 'vi-xuyen': 95, 'bien-gioi-1979': 5 }, localShare: 0, nonIdentified: 0.35 },
  'Nghĩa trang liệt sĩ đồi A1': { level: 'province', size: 650, theatres: { 'dien-bien-phu': 100 }, localShare: 0, nonIdentified: 0.4 },
  'Nghĩa trang Hàng Dương': {
    level: 'province', size: 1_900, theatres: { 'nam-bo-1': 35, 'mien-dong': 40, 'tay-nam-bo': 25 }, localShare: 0, nonIdentified: 0.3,
    places: ['Nhà tù Côn Đảo', 'Côn Đảo', 'Chuồng cọp Côn Đảo'],
  },
  'Nghĩa trang liệt sĩ Thành phố Hồ Chí Minh': { level: 'province', size: 6_000, theatres: { 'mien-dong': 70, 'nam-bo-1': 15, 'tay-nam-campuchia': 15 }, localShare: 0.5, nonIdentified: 0.15 },
  'Nghĩa trang liệt sĩ Quốc tế Việt - Lào': { level: 'province', size: 11_000, theatres: { lao: 75, 'lao-3': 10, 'tay-bac': 15 }, localShare: 0.2, nonIdentified: 0.2 },
  'Khu di tích Ngã ba Đồng Lộc (mộ 10 cô gái)': {
    level: 'province', size: 10, fixedSize: 10, theatres: { 'phong-khong': 1 }, localShare: 1, nonIdentified: 0,
    together: { date: { year: 1968, month: 7, day: 24 }, unit: 'Tiểu đội 4, Đại đội 552, Thanh niên xung phong Hà Tĩnh', place: 'Ngã ba Đồng Lộc, Can Lộc, Hà Tĩnh', female: true },
  },
  'Nghĩa trang liệt sĩ Dốc Bà Đắc': { level: 'province', size: 3_000, theatres: { 'tay-nam-bo': 50, 'nam-bo-1': 20, 'tay-nam-campuchia': 30 }, localShare: 0.3, nonIdentified: 0.25 },
};

export function realProfile(name: string): RealProfile {
  const spec = REAL[name];
  if (!spec) throw new Error(`cemeteries.csv: no demo profile for "${name}"`);
  return { ...spec, theatres: theatreTable(spec.theatres) };
}
