/**
 * Which cemeteries the demo has and how many graves each holds: the nine real ones of
 * seeds/data/cemeteries, one province cemetery per pre-2025 province, and district and commune
 * cemeteries placed at random inside real districts, more of them where the wars were fought.
 * Sizes are skewed: national and province cemeteries are large, commune ones hold 20-200 graves.
 */
import { readCsv } from '../reference/load-reference.js';
import { randomPointIn, type Position } from './geometry.js';
import { apportion } from './layout.js';
import type { Near } from './places.js';
import { createRng, Weighted, type Rng } from './random.js';
import type { OldCommune, OldDistrict, OldProvince, Places } from './reference.js';
import { cemeteryProfile, realProfile, type Profile } from './profiles.js';

export type CemeteryLevel = 'national' | 'province' | 'district' | 'commune';

export type CemeteryPlan = {
  name: string;
  level: CemeteryLevel;
  address: string;
  province: OldProvince;
  district: OldDistrict;
  commune: OldCommune | null;
  location: Position;
  precision: 'surveyed' | 'approximate' | 'generated';
  description: string;
  graves: number;
  profile: Profile;
  near: Near;
};

/** Where the generated district and commune cemeteries go (pre-2025 province code → weight; 1 when not listed). */
const CEMETERY_WEIGHTS: Record<string, number> = {
  '45': 6, '40': 4, '42': 3.5, '44': 3, '72': 3, '70': 2.5, '02': 2.5, '38': 3, '49': 3, '46': 2.5, '80': 2.5, '51': 2,
  '52': 2, '62': 2, '64': 2, '20': 2, '04': 1.8, '11': 1.8, '34': 2.5, '36': 2, '01': 2.5, '89': 1.5,
};

const GENERATED = 'Dữ liệu minh họa: nghĩa trang, vị trí và các mộ được tạo tự động.';

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

function address(province: OldProvince, district: OldDistrict, commune: OldCommune | null): string {
  const parts = [`${district.unit} ${district.name}`, `${province.unit} ${province.name}`];
  if (commune) parts.unshift(`${commune.unit} ${commune.name}`);
  return parts.join(', ').normalize('NFC');
}

function placeIn(places: Places, district: OldDistrict, rng: Rng): Position {
  const province = places.province.get(district.provinceCode)!;
  return (district.shape && randomPointIn(district.shape, rng)) ?? (province.shape && randomPointIn(province.shape, rng)) ?? district.centre ?? province.inside;
}

function realCemeteries(places: Places, rng: Rng): CemeteryPlan[] {
  return readCsv('cemeteries/cemeteries.csv').map((r) => {
    const name = r.name!.normalize('NFC');
    const province = places.provinces.find((p) => p.name === r.province_pre2025!.normalize('NFC'));
    const district = province && places.districtsOf.get(province.code)?.find((d) => d.name === r.district_pre2025!.normalize('NFC'));
    if (!province || !district) throw new Error(`cemeteries.csv: ${name}: no district ${r.district_pre2025} in ${r.province_pre2025}`);
    const surveyed = r.lat !== '' && r.lon !== '';
    const profile = realProfile(name);
    return {
      name, level: profile.level, address: address(province, district, null), province, district, commune: null,
      location: surveyed ? [Number(r.lon), Number(r.lat)] : district.centre ?? placeIn(places, district, rng),
      precision: surveyed ? 'surveyed' : 'approximate',
      description: surveyed ? 'Vị trí làm tròn (khoảng 1 km); các mộ là dữ liệu minh họa.' : 'Vị trí gần đúng (trung tâm huyện); các mộ là dữ liệu minh họa.',
      graves: profile.size, profile, near: { provinceCode: province.code, districtCode: district.code, communeCode: null, sameCommune: 0, sameDistrict: 0.3 },
    } satisfies CemeteryPlan;
  });
}

/** The cemeteries for `totalGraves` graves, in a fixed order, with their sizes summing to it exactly. */
export function planCemeteries(places: Places, totalGraves: number, seed: string): CemeteryPlan[] {
  const rng = createRng(seed, 'cemeteries');
  const plans = realCemeteries(places, rng);

  for (const province of places.provinces) {
    const districts = places.districtsOf.get(province.code) ?? [];
    const district = rng.pick(districts);
    const profile = cemeteryProfile(province, 'province');
    plans.push({
      name: `Nghĩa trang liệt sĩ ${lowerFirst(province.unit)} ${province.name}`.normalize('NFC'), level: 'province',
      address: address(province, district, null), province, district, commune: null, location: placeIn(places, district, rng),
      precision: 'generated', description: GENERATED, graves: profile.size(rng), profile,
      near: { provinceCode: province.code, districtCode: district.code, communeCode: null, sameCommune: 0, sameDistrict: 0.2 },
    });
  }

  const count = Math.max(80, Math.round(totalGraves / 350));
  const byProvince = new Weighted(places.provinces.map((p) => [p, CEMETERY_WEIGHTS[p.code] ?? 1] as const));
  const usedDistricts = new Set<string>();
  const usedCommunes = new Set<string>();
  for (let i = plans.length; i < count; i++) {
    let level: CemeteryLevel = rng.chance(0.3) ? 'district' : 'commune';
    let placed = false;
    for (let attempt = 0; attempt < 50 && !placed; attempt++) {
      // At a million graves there are more district cemeteries to place than districts.
      if (level === 'district' && attempt === 20) level = 'commune';
      const province = byProvince.draw(rng);
      const district = rng.pick(places.districtsOf.get(province.code) ?? []);
      const profile = cemeteryProfile(province, level);
      if (level === 'district') {
        if (usedDistricts.has(district.code)) continue;
        usedDistricts.add(district.code);
        plans.push({
          name: `Nghĩa trang liệt sĩ ${district.unit} ${district.name}`.normalize('NFC'), level, address: address(province, district, null),
          province, district, commune: null, location: placeIn(places, district, rng), precision: 'generated', description: GENERATED,
          graves: profile.size(rng), profile,
          near: { provinceCode: province.code, districtCode: district.code, communeCode: null, sameCommune: 0, sameDistrict: 0.8 },
        });
      } else {
        const communes = (places.communesOf.get(district.code) ?? []).filter((c) => !usedCommunes.has(c.code));
        if (communes.length === 0) continue;
        // Rural communes keep their own martyrs' cemetery far more often than wards.
        const commune = new Weighted(communes.map((c) => [c, c.unit === 'xã' ? 1 : 0.2] as const)).draw(rng);
        usedCommunes.add(commune.code);
        plans.push({
          name: `Nghĩa trang liệt sĩ ${commune.unit} ${commune.name}`.normalize('NFC'), level, address: address(province, district, commune),
          province, district, commune, location: placeIn(places, district, rng), precision: 'generated', description: GENERATED,
          graves: profile.size(rng), profile,
          near: { provinceCode: province.code, districtCode: district.code, communeCode: commune.code, sameCommune: 0.6, sameDistrict: 0.3 },
        });
      }
      placed = true;
    }
  }
  return fitSizes(plans, totalGraves);
}

/**
 * Scales the drawn sizes so that they sum to the total: commune cemeteries keep their size (up to
 * 30% of all graves), the others share the rest in proportion; Đồng Lộc keeps its ten graves.
 */
function fitSizes(plans: CemeteryPlan[], total: number): CemeteryPlan[] {
  const fixed = plans.map((p) => (p.profile.fixedSize ? Math.min(p.profile.fixedSize, Math.floor(total / 500)) : null));
  const fixedTotal = fixed.reduce<number>((a, b) => a + (b ?? 0), 0);
  const communeRaw = plans.reduce((a, p, i) => a + (fixed[i] === null && p.level === 'commune' ? p.graves : 0), 0);
  const communeScale = communeRaw > 0 ? Math.min(1, (0.3 * (total - fixedTotal)) / communeRaw) : 1;
  const otherRaw = plans.reduce((a, p, i) => a + (fixed[i] === null && p.level !== 'commune' ? p.graves : 0), 0);
  const otherScale = (total - fixedTotal - communeRaw * communeScale) / otherRaw;
  const weights = plans.map((p, i) => (fixed[i] !== null ? 0 : p.graves * (p.level === 'commune' ? communeScale : otherScale)));
  const sizes = apportion(total - fixedTotal, weights);
  return plans.map((p, i) => ({ ...p, graves: fixed[i] ?? sizes[i]! }));
}
