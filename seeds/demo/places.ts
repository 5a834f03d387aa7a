/**
 * Hometowns (quê quán): a real pre-2025 commune, weighted towards the provinces most martyrs came
 * from, written the way records of the time wrote them: with or without unit words, sometimes
 * without the commune, and about half the time under the historical province of the death year
 * (Hải Hưng, Nghệ Tĩnh, Hà Tây...). The structured codes go with it, current ones through the
 * 2025 mapping.
 */
import { Weighted, type Rng } from './random.js';
import type { HistoricalProvince, OldCommune, OldDistrict, OldProvince, Places } from './reference.js';

/** Relative numbers of martyrs by home province (pre-2025 code); 1 when not listed. */
const HOME_WEIGHTS: Record<string, number> = {
  '01': 7, '02': 0.8, '04': 0.8, '06': 0.5, '08': 1.5, '10': 0.7, '11': 0.5, '12': 0.3, '14': 0.8, '15': 1.2, '17': 1.2,
  '19': 2.5, '20': 1, '22': 1.5, '24': 4, '25': 5, '26': 4, '27': 3, '30': 5, '31': 4, '33': 4, '34': 9, '35': 4, '36': 7,
  '37': 4, '38': 9, '40': 9, '42': 6, '44': 3, '45': 3, '46': 2.5, '48': 1.2, '49': 3, '51': 2.5, '52': 2.5, '54': 1.2,
  '56': 1, '58': 0.6, '60': 0.8, '62': 0.5, '64': 0.8, '66': 0.8, '67': 0.3, '68': 0.5, '70': 0.7, '72': 1.5, '74': 1,
  '75': 1.2, '77': 0.8, '79': 2.5, '80': 2, '82': 2, '83': 2.2, '84': 1, '86': 1, '87': 1.2, '89': 1, '91': 1, '92': 1,
  '93': 0.6, '94': 0.8, '95': 0.6, '96': 1.2,
};

const COMMUNE_UNIT_WEIGHT: Record<string, number> = { 'xã': 1, 'thị trấn': 0.5, 'phường': 0.3 };

/** Before 1965 Hà Nội's western districts were Hà Đông and Sơn Tây, then Hà Tây (and Hà Sơn Bình). */
const HA_TAY_DISTRICTS = new Set(['268', '269', '271', '272', '273', '274', '275', '276', '277', '278', '279', '280', '281', '282']);
const SON_TAY_DISTRICTS = new Set(['269', '271', '272', '275', '276']);

/** Names records used for a province whose pre-2025 name is newer. */
const RECORD_NAMES: Record<string, string> = { '46': 'Thừa Thiên Huế' };

export type HomePlace = { province: OldProvince; district: OldDistrict; commune: OldCommune };

export type Hometown = {
  text: string;
  /** What a headstone with partial information may say: the province, or district and province. */
  short: string;
  /** The province name as written in the text (possibly historical). */
  provinceName: string;
  oldCommuneCode: string | null;
  oldDistrictCode: string;
  oldProvinceCode: string;
  communeCode: string | null;
  provinceCode: string;
};

/** Where a local martyr comes from: the same commune, the same district, or the same province. */
export type Near = { provinceCode: string; districtCode: string; communeCode: string | null; sameCommune: number; sameDistrict: number };

function appliesTo(historical: HistoricalProvince, provinceCode: string, districtCode: string, year: number): boolean {
  if (historical.fromYear !== null && year < historical.fromYear) return false;
  if (historical.toYear !== null && year > historical.toYear) return false;
  if (provinceCode === '01') {
    if (['Hà Tây', 'Hà Sơn Bình'].includes(historical.name)) return HA_TAY_DISTRICTS.has(districtCode);
    if (historical.name === 'Sơn Tây') return SON_TAY_DISTRICTS.has(districtCode);
    if (historical.name === 'Hà Đông') return HA_TAY_DISTRICTS.has(districtCode) && !SON_TAY_DISTRICTS.has(districtCode);
  }
  return true;
}

/** The historical province that covered this place in that year, the shortest-lived when several did. */
export function historicalName(places: Places, provinceCode: string, districtCode: string, year: number): string | null {
  let best: HistoricalProvince | null = null;
  let bestSpan = Infinity;
  for (const h of places.historicalOf.get(provinceCode) ?? []) {
    if (!appliesTo(h, provinceCode, districtCode, year)) continue;
    const span = (h.toYear ?? 2025) - (h.fromYear ?? 1900);
    if (span < bestSpan) {
      best = h;
      bestSpan = span;
    }
  }
  return best?.name ?? null;
}

export class Hometowns {
  private readonly national: Weighted<string>;
  private readonly byProvince = new Map<string, Weighted<OldCommune>>();
  private readonly byDistrict = new Map<string, Weighted<OldCommune>>();

  constructor(private readonly places: Places) {
    this.national = new Weighted(places.provinces.map((p) => [p.code, HOME_WEIGHTS[p.code] ?? 1] as const));
    for (const province of places.provinces) {
      const communes = (places.districtsOf.get(province.code) ?? []).flatMap((d) => places.communesOf.get(d.code) ?? []);
      this.byProvince.set(province.code, new Weighted(communes.map((c) => [c, COMMUNE_UNIT_WEIGHT[c.unit] ?? 0.5] as const)));
    }
    for (const district of places.districts) {
      const communes = places.communesOf.get(district.code) ?? [];
      if (communes.length) this.byDistrict.set(district.code, new Weighted(communes.map((c) => [c, COMMUNE_UNIT_WEIGHT[c.unit] ?? 0.5] as const)));
    }
  }

  private place(commune: OldCommune): HomePlace {
    const district = this.places.district.get(commune.districtCode)!;
    return { province: this.places.province.get(district.provinceCode)!, district, commune };
  }

  /** A home commune: from the national weights, or (with probability localShare) near a place. */
  pick(rng: Rng, near?: Near, localShare = 0): HomePlace {
    if (near && rng.chance(localShare)) {
      const r = rng.next();
      if (near.communeCode && r < near.sameCommune) {
        const commune = this.places.communesOf.get(near.districtCode)?.find((c) => c.code === near.communeCode);
        if (commune) return this.place(commune);
      }
      const inDistrict = this.byDistrict.get(near.districtCode);
      if (inDistrict && r < near.sameCommune + near.sameDistrict) return this.place(inDistrict.draw(rng));
      return this.place(this.byProvince.get(near.provinceCode)!.draw(rng));
    }
    return this.place(this.byProvince.get(this.national.draw(rng))!.draw(rng));
  }

  /** The hometown as the record of a martyr who died in `year` writes it, with its codes. */
  describe(home: HomePlace, year: number, rng: Rng): Hometown {
    const { province, district, commune } = home;
    const historical = historicalName(this.places, province.code, district.code, year);
    const useHistorical = historical !== null && rng.chance(0.5);
    const recordName = RECORD_NAMES[province.code];
    const p = useHistorical ? historical : recordName ?? province.name;
    const pu = useHistorical || recordName ? 'tỉnh' : province.unit;
    const c = commune.name;
    const d = district.name;
    const r = rng.next();
    let text: string;
    let withCommune = true;
    if (r < 0.3) text = `${commune.unit} ${c}, ${district.unit} ${d}, ${pu} ${p}`;
    else if (r < 0.5) text = `${c} - ${d} - ${p}`;
    else if (r < 0.75) text = `${c}, ${d}, ${p}`;
    else if (r < 0.8) text = `${commune.unit.charAt(0).toUpperCase()}${commune.unit.slice(1)} ${c}, ${d}, ${p}`;
    else {
      withCommune = false;
      text = r < 0.93 ? `${d}, ${p}` : `${district.unit} ${d}, ${pu} ${p}`;
    }
    return {
      text: text.normalize('NFC'),
      short: (rng.chance(0.5) ? p : `${d}, ${p}`).normalize('NFC'),
      provinceName: p,
      oldCommuneCode: withCommune ? commune.code : null,
      oldDistrictCode: district.code,
      oldProvinceCode: province.code,
      communeCode: withCommune ? commune.newCode : null,
      provinceCode: province.newCode,
    };
  }
}
