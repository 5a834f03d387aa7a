/**
 * Places of death resolved against the reference data the project has: provinces before and after
 * the 2025 reform, historical provinces (Bình Trị Thiên, Hà Tuyên...), districts before 2025
 * (accepted when their province is named too, or the name is unique), a few battlefields records
 * name by themselves (Khe Sanh, Thành cổ, Đồi A1...), and Laos and Cambodia as countries. What
 * does not resolve scores nothing, and the reasons say so.
 */
import { foldVietnamese } from '../text/vietnamese.js';

/** `regions`: a front or battlefield region, `code` its old province codes joined by commas. */
export type PlaceRef = { table: 'old_provinces' | 'old_districts' | 'provinces' | 'basemap_countries' | 'historical_provinces' | 'regions'; code: string };
/** `provinceKeys`: the provinces (old province keys) the place lies in, for comparing hometowns. */
export type ResolvedPlace = { key: string; label: string; ref: PlaceRef; provinceKeys: string[] };

export type GazetteerRows = {
  oldProvinces: Array<{ code: string; name: string }>;
  provinces: Array<{ code: string; name: string }>;
  oldDistricts: Array<{ code: string; name: string; province_code: string }>;
  historical: Array<{ name: string; successors: string[] }>;
  countries: Array<{ code: string; name_vi: string }>;
  /** Old province code → the current province it went into. */
  mapping: Array<{ old_province_code: string; new_province_code: string }>;
};

type Entry = { folded: string; place: ResolvedPlace; kind: 'district' | 'province' | 'country'; provinces?: string[] };

export type Gazetteer = { entries: Entry[]; oldProvinceNames: Map<string, string>; currentOf: Map<string, string> };

/** Battlefields records name without a province, and the unit of reference that holds them. */
const BATTLEFIELDS: Array<[string, { oldProvince?: string; country?: string }]> = [
  ['khe sanh', { oldProvince: 'quang tri' }], ['thanh co', { oldProvince: 'quang tri' }], ['duong 9', { oldProvince: 'quang tri' }],
  ['con tien', { oldProvince: 'quang tri' }], ['doc mieu', { oldProvince: 'quang tri' }], ['vinh linh', { oldProvince: 'quang tri' }],
  ['dien bien phu', { oldProvince: 'dien bien' }], ['doi a1', { oldProvince: 'dien bien' }], ['muong thanh', { oldProvince: 'dien bien' }],
  ['thua thien', { oldProvince: 'hue' }], ['mau than', { oldProvince: 'hue' }], ['sai gon', { oldProvince: 'ho chi minh' }],
  ['gia dinh', { oldProvince: 'ho chi minh' }], ['truong sa', { oldProvince: 'khanh hoa' }], ['gac ma', { oldProvince: 'khanh hoa' }],
  ['buon ma thuot', { oldProvince: 'dak lak' }], ['dak to', { oldProvince: 'kon tum' }], ['loc ninh', { oldProvince: 'binh phuoc' }],
  ['cua chu a', { oldProvince: 'quang binh' }], ['phu la nhich', { country: 'LA' }], ['dong loc', { oldProvince: 'ha tinh' }],
  ['ham rong', { oldProvince: 'thanh hoa' }], ['ben pha gianh', { oldProvince: 'quang binh' }], ['na san', { oldProvince: 'son la' }],
  ['dong khe', { oldProvince: 'cao bang' }], ['canh dong chum', { country: 'LA' }], ['nam lao', { country: 'LA' }], ['ha lao', { country: 'LA' }],
  ['thuong lao', { country: 'LA' }], ['lao', { country: 'LA' }], ['campuchia', { country: 'KH' }], ['cam pu chia', { country: 'KH' }],
  ['chien truong k', { country: 'KH' }], ['chien truong c', { country: 'LA' }], ['mat tran 479', { country: 'KH' }], ['mat tran 579', { country: 'KH' }],
];

/**
 * Fronts and regions records name as a place of death, as the provinces (before 2025) they cover:
 * measured as their union, so a grave in any of them counts as buried in the place of death.
 */
const REGIONS: Array<[string, string, string[]]> = [
  ['chien truong b5', 'Chiến trường B5 (Đường 9 - Bắc Quảng Trị)', ['quang tri']],
  ['tri thien', 'Trị Thiên', ['quang tri', 'hue']],
  ['chien truong b4', 'Chiến trường B4 (Trị Thiên)', ['quang tri', 'hue']],
  ['tay nguyen', 'Tây Nguyên', ['kon tum', 'gia lai', 'dak lak', 'dak nong', 'lam dong']],
  ['chien truong b3', 'Chiến trường B3 (Tây Nguyên)', ['kon tum', 'gia lai', 'dak lak', 'dak nong', 'lam dong']],
  ['khu 5', 'Khu 5', ['da nang', 'quang nam', 'quang ngai', 'binh dinh', 'phu yen', 'khanh hoa']],
  ['chien truong b1', 'Chiến trường B1 (Khu 5)', ['da nang', 'quang nam', 'quang ngai', 'binh dinh', 'phu yen', 'khanh hoa']],
  ['mien dong nam bo', 'Miền Đông Nam Bộ', ['binh phuoc', 'tay ninh', 'binh duong', 'dong nai', 'ba ria vung tau', 'ho chi minh']],
  ['mien tay nam bo', 'Miền Tây Nam Bộ', ['an giang', 'kien giang', 'can tho', 'hau giang', 'soc trang', 'bac lieu', 'ca mau', 'vinh long', 'tra vinh']],
  ['khu 9', 'Khu 9', ['an giang', 'kien giang', 'can tho', 'hau giang', 'soc trang', 'bac lieu', 'ca mau', 'vinh long', 'tra vinh']],
  ['khu 8', 'Khu 8', ['long an', 'tien giang', 'dong thap', 'ben tre']],
  ['bien gioi phia bac', 'Biên giới phía Bắc', ['lang son', 'cao bang', 'ha giang', 'lao cai', 'lai chau', 'quang ninh']],
  ['lien khu 3', 'Liên khu 3', ['hai duong', 'hai phong', 'hung yen', 'thai binh', 'ha nam', 'nam dinh', 'ninh binh']],
  ['lien khu 4', 'Liên khu 4', ['thanh hoa', 'nghe an', 'ha tinh', 'quang binh', 'quang tri', 'hue']],
  ['tay bac', 'Tây Bắc', ['dien bien', 'lai chau', 'son la', 'hoa binh']],
  ['chien dich trung du', 'Chiến dịch Trung du', ['vinh phuc', 'phu tho', 'thai nguyen', 'bac giang']],
  ['duong 18', 'Đường 18', ['quang ninh', 'hai duong', 'bac ninh']],
];

const fold = (text: string) => ` ${foldVietnamese(text.normalize('NFC')).replace(/[,;/()\-–.]+/g, ' ').replace(/\s+/g, ' ').trim()} `;
/** Reference names are stored without their unit word ("Quan Sơn", not "huyện Quan Sơn"): folded as they are. */
const bare = (name: string) => foldVietnamese(name.normalize('NFC')).replace(/[\-–]+/g, ' ').replace(/\s+/g, ' ').trim();

export function buildGazetteer(rows: GazetteerRows): Gazetteer {
  const entries: Entry[] = [];
  const oldProvinceNames = new Map(rows.oldProvinces.map((p) => [p.code, bare(p.name)]));
  const currentOf = new Map(rows.mapping.map((m) => [m.old_province_code, m.new_province_code]));
  const byOldName = new Map(rows.oldProvinces.map((p) => [bare(p.name), p]));
  for (const p of rows.oldProvinces) entries.push({ folded: bare(p.name), kind: 'province', place: { key: `op:${p.code}`, label: p.name, ref: { table: 'old_provinces', code: p.code }, provinceKeys: [`op:${p.code}`] } });
  // A current province whose name no old province had (the 2025 names are mostly old ones).
  for (const p of rows.provinces) if (!byOldName.has(bare(p.name))) entries.push({ folded: bare(p.name), kind: 'province', place: { key: `p:${p.code}`, label: p.name, ref: { table: 'provinces', code: p.code }, provinceKeys: rows.mapping.filter((m) => m.new_province_code === p.code).map((m) => `op:${m.old_province_code}`) } });
  for (const h of rows.historical) {
    entries.push({ folded: bare(h.name), kind: 'province', place: { key: `h:${bare(h.name)}`, label: h.name, ref: { table: 'historical_provinces', code: h.name }, provinceKeys: h.successors.map((c) => `op:${c}`) } });
  }
  const districtCount = new Map<string, number>();
  for (const d of rows.oldDistricts) districtCount.set(bare(d.name), (districtCount.get(bare(d.name)) ?? 0) + 1);
  const historicalOf = new Map<string, string[]>();
  for (const h of rows.historical) for (const code of h.successors) historicalOf.set(code, [...(historicalOf.get(code) ?? []), bare(h.name)]);
  const provinceLike = new Set(entries.map((e) => e.folded));
  for (const d of rows.oldDistricts) {
    const name = bare(d.name);
    // "Mặt trận Quảng Trị" means the province, not the town of the same name.
    if (provinceLike.has(name)) continue;
    // Numbered urban districts ("Quận 1") and one-word names ("Chũ") say nothing on their own.
    if (!name.includes(' ') || /\d/.test(name)) continue;
    const provinceNames = [oldProvinceNames.get(d.province_code)!, ...(historicalOf.get(d.province_code) ?? [])];
    const current = rows.provinces.find((p) => p.code === currentOf.get(d.province_code));
    if (current) provinceNames.push(bare(current.name));
    entries.push({
      folded: name, kind: 'district', provinces: districtCount.get(name) === 1 ? undefined : provinceNames,
      place: { key: `od:${d.code}`, label: `${d.name}, ${rows.oldProvinces.find((p) => p.code === d.province_code)?.name ?? ''}`, ref: { table: 'old_districts', code: d.code }, provinceKeys: [`op:${d.province_code}`] },
    });
  }
  for (const [phrase, target] of BATTLEFIELDS) {
    if (target.country) {
      const c = rows.countries.find((x) => x.code === target.country);
      if (c) entries.push({ folded: phrase, kind: 'country', place: { key: `c:${c.code}`, label: c.name_vi, ref: { table: 'basemap_countries', code: c.code }, provinceKeys: [] } });
    } else {
      const p = byOldName.get(target.oldProvince!);
      if (p) entries.push({ folded: phrase, kind: 'province', place: { key: `op:${p.code}`, label: p.name, ref: { table: 'old_provinces', code: p.code }, provinceKeys: [`op:${p.code}`] } });
    }
  }
  for (const [phrase, label, names] of REGIONS) {
    const codes = names.map((n) => byOldName.get(n)?.code).filter((c): c is string => Boolean(c));
    if (codes.length) entries.push({ folded: phrase, kind: 'province', place: { key: `r:${phrase}`, label, ref: { table: 'regions', code: codes.join(',') }, provinceKeys: codes.map((c) => `op:${c}`) } });
  }
  // Longest names first: "thua thien hue" before "hue", "quang tri" before a district "tri".
  entries.sort((a, b) => b.folded.length - a.folded.length);
  return { entries, oldProvinceNames, currentOf };
}

/** The most precise place the text names: a district (with its province, or unique), else a province or battlefield, else a country. */
export function resolvePlace(gazetteer: Gazetteer, text: string | null | undefined): ResolvedPlace | null {
  if (!text?.trim()) return null;
  let folded = fold(text);
  let district: ResolvedPlace | null = null;
  let province: ResolvedPlace | null = null;
  let country: ResolvedPlace | null = null;
  const provincesNamed: string[] = [];
  // Longest names first, each match masked out: "Cua Chữ A" is a battlefield, not the district "Chũ" inside it.
  for (const e of gazetteer.entries) {
    if (!folded.includes(` ${e.folded} `)) continue;
    if (e.kind === 'district') {
      if (!district && (!e.provinces || e.provinces.some((p) => provincesNamed.includes(p) || folded.includes(` ${p} `)))) district = e.place;
      continue;
    }
    if (e.kind === 'province') {
      province ??= e.place;
      provincesNamed.push(e.folded);
    } else country ??= e.place;
    folded = folded.split(` ${e.folded} `).join(' | ');
  }
  return district ?? province ?? country;
}
