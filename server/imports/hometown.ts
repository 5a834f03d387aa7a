/**
 * Hometown text (quê quán, nguyên quán) resolved against the reference units before and after the
 * 2025 reform: "xã Đông Hưng, huyện Tiên Lữ, tỉnh Hưng Yên", "Đông Hưng - Tiên Lữ - Hưng Yên",
 * "X. Đông Hưng, H. Tiên Lữ, T. Hưng Yên", historical provinces (Hà Tây, Nam Hà, Hà Nam Ninh,
 * Bình Trị Thiên, Nghệ Tĩnh...) and post-2025 "xã X, tỉnh Y". The text is always kept as written;
 * the codes are filled as far as the text is unambiguous, with a confidence saying how far.
 */
import { foldVietnamese, nfc } from '../text/vietnamese.js';

export type PlaceReference = {
  oldProvinces: { code: string; name: string; newCode: string }[];
  oldDistricts: { code: string; provinceCode: string; name: string }[];
  oldCommunes: { code: string; districtCode: string; name: string }[];
  provinces: { code: string; name: string }[];
  communes: { code: string; provinceCode: string; name: string }[];
  historical: { name: string; oldCodes: string[] }[];
  /** old commune code → new commune codes */
  communeMapping: { oldCode: string; newCode: string }[];
};

export type Confidence = 'commune' | 'district' | 'province' | 'none';

export type ResolvedHometown = {
  oldCommuneCode: string | null;
  oldDistrictCode: string | null;
  oldProvinceCode: string | null;
  communeCode: string | null;
  provinceCode: string | null;
  confidence: Confidence;
};

type Level = 'commune' | 'district' | 'province' | null;

/** A unit word, written out ("xã ") or abbreviated ("X. ", "X.", "TP "). */
const unit = (words: string, abbrev: string) => new RegExp(`^(?:(?:${words})\\s+|(?:${abbrev})(?:\\.\\s*|\\s+))`);
const PREFIXES: [RegExp, Level][] = [
  [unit('xa', 'x'), 'commune'],
  [unit('phuong', 'p'), 'commune'],
  [unit('thi tran', 'tt'), 'commune'],
  [unit('dac khu', 'dk'), 'commune'],
  [unit('huyen', 'h'), 'district'],
  [unit('quan', 'q'), 'district'],
  [unit('thi xa', 'tx'), 'district'],
  [unit('tinh', 't'), 'province'],
  [unit('thanh pho', 'tp'), null],
];
/** Words before the commune that name a smaller place (thôn, xóm, ấp, bản): kept in the text, not matched. */
const HAMLET = /^(thon|xom|ap|ban|to|khu pho|lang|doi)\b/;

/** Folded name key: no diacritics, no spaces, no leading zeros in numbered wards ("Phường 05" = "Phường 5"). */
export const placeKey = (name: string) => foldVietnamese(nfc(name)).replace(/[^a-z0-9]/g, '').replace(/^0+(?=\d)/, '');

type Part = { key: string; level: Level; city: boolean };

/** Splits a hometown into its parts, last (the largest unit) last. */
function parts(text: string): Part[] {
  let f = foldVietnamese(nfc(text)).replace(/\s+/g, ' ').trim();
  // "X. Đông Hưng H. Tiên Lữ T. Hưng Yên" has no separators: put one before each unit word.
  f = f.replace(/\s(?=(xa|x|phuong|p|huyen|h|quan|q|tinh|t|tx|tt|tp)\.\s?)/g, ', ');
  f = f.replace(/\s(?=(huyen|tinh|thanh pho|thi xa|quan|phuong|thi tran) )/g, ', ');
  return f
    .split(/\s*[,;–—]\s*|\s+-\s+|\s*-\s*(?=\p{L})/u)
    .map((p) => p.trim())
    .filter((p) => p && !HAMLET.test(p))
    .map((p) => {
      let level: Level = null;
      let city = false;
      for (const [re, l] of PREFIXES) {
        if (re.test(p)) {
          if (l === null) city = true;
          level = l;
          p = p.replace(re, '');
          break;
        }
      }
      return { key: placeKey(p), level, city };
    })
    .filter((p) => p.key);
}

const push = <K, V>(m: Map<K, V[]>, k: K, v: V) => {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
};

/** Resolves hometown texts; built once per import from the reference tables, and caches answers. */
export class HometownResolver {
  private oldProvinceByKey = new Map<string, string[]>();
  private newProvinceByKey = new Map<string, string>();
  private districtsByProvince = new Map<string, Map<string, string[]>>();
  private communesByDistrict = new Map<string, Map<string, string[]>>();
  private oldCommunesByProvince = new Map<string, Map<string, string[]>>();
  private newCommunesByProvince = new Map<string, Map<string, string[]>>();
  private oldToNewProvince = new Map<string, string>();
  private districtProvince = new Map<string, string>();
  private communeDistrict = new Map<string, string>();
  private mapping = new Map<string, string[]>();
  private cache = new Map<string, ResolvedHometown>();

  constructor(ref: PlaceReference) {
    for (const p of ref.oldProvinces) {
      push(this.oldProvinceByKey, placeKey(p.name), p.code);
      this.oldToNewProvince.set(p.code, p.newCode);
    }
    for (const h of ref.historical) for (const code of h.oldCodes) push(this.oldProvinceByKey, placeKey(h.name), code);
    // "Huế" and "Thừa Thiên Huế", "Hồ Chí Minh" and "Sài Gòn" are written both ways.
    for (const p of ref.provinces) this.newProvinceByKey.set(placeKey(p.name), p.code);
    for (const d of ref.oldDistricts) {
      this.districtProvince.set(d.code, d.provinceCode);
      const m = this.districtsByProvince.get(d.provinceCode) ?? new Map();
      push(m, placeKey(d.name), d.code);
      this.districtsByProvince.set(d.provinceCode, m);
    }
    for (const c of ref.oldCommunes) {
      this.communeDistrict.set(c.code, c.districtCode);
      const m = this.communesByDistrict.get(c.districtCode) ?? new Map();
      push(m, placeKey(c.name), c.code);
      this.communesByDistrict.set(c.districtCode, m);
      const province = this.districtProvince.get(c.districtCode);
      if (province) {
        const pm = this.oldCommunesByProvince.get(province) ?? new Map();
        push(pm, placeKey(c.name), c.code);
        this.oldCommunesByProvince.set(province, pm);
      }
    }
    for (const c of ref.communes) {
      const m = this.newCommunesByProvince.get(c.provinceCode) ?? new Map();
      push(m, placeKey(c.name), c.code);
      this.newCommunesByProvince.set(c.provinceCode, m);
    }
    for (const m of ref.communeMapping) push(this.mapping, m.oldCode, m.newCode);
  }

  resolve(text: string): ResolvedHometown {
    const cached = this.cache.get(text);
    if (cached) return cached;
    const result = this.resolveUncached(text);
    if (this.cache.size < 200_000) this.cache.set(text, result);
    return result;
  }

  private resolveUncached(text: string): ResolvedHometown {
    const none: ResolvedHometown = { oldCommuneCode: null, oldDistrictCode: null, oldProvinceCode: null, communeCode: null, provinceCode: null, confidence: 'none' };
    const ps = parts(text);
    if (!ps.length) return none;
    const last = ps[ps.length - 1]!;
    const oldProvinces = last.level === 'district' || last.level === 'commune' ? [] : this.oldProvinceByKey.get(last.key) ?? [];
    const newProvince = last.level === 'district' || last.level === 'commune' ? undefined : this.newProvinceByKey.get(last.key);
    if (!oldProvinces.length && !newProvince) return none;
    const inner = ps.slice(0, -1);
    const districtPart = inner.length >= 2 ? inner[inner.length - 1] : inner[0]?.level === 'district' || inner[0]?.level === null ? inner[0] : undefined;
    const communePart = inner.length >= 2 ? inner[inner.length - 2] : inner[0]?.level === 'commune' || inner[0]?.level === null ? inner[0] : undefined;

    // The old three-level form: commune, district, (old or historical) province.
    if (oldProvinces.length && districtPart && districtPart.level !== 'commune') {
      const districts = oldProvinces.flatMap((p) => this.districtsByProvince.get(p)?.get(districtPart.key) ?? []);
      if (districts.length === 1) {
        const district = districts[0]!;
        const oldProvince = this.districtProvince.get(district)!;
        const result: ResolvedHometown = { ...none, oldDistrictCode: district, oldProvinceCode: oldProvince, provinceCode: this.oldToNewProvince.get(oldProvince) ?? null, confidence: 'district' };
        const candidates = communePart && communePart !== districtPart ? this.communesByDistrict.get(district)?.get(communePart.key) ?? [] : [];
        if (candidates.length === 1) return this.withNewCommune({ ...result, oldCommuneCode: candidates[0]!, confidence: 'commune' });
        return result;
      }
    }
    // Two parts with no district: a commune of the province (old or new units).
    if (communePart && communePart.level !== 'district') {
      if (newProvince) {
        const communes = this.newCommunesByProvince.get(newProvince)?.get(communePart.key) ?? [];
        if (communes.length === 1) return { ...none, communeCode: communes[0]!, provinceCode: newProvince, oldProvinceCode: oldProvinces.length === 1 ? oldProvinces[0]! : null, confidence: 'commune' };
      }
      const olds = oldProvinces.flatMap((p) => this.oldCommunesByProvince.get(p)?.get(communePart.key) ?? []);
      if (olds.length === 1) {
        const district = this.communeDistrict.get(olds[0]!)!;
        const oldProvince = this.districtProvince.get(district)!;
        return this.withNewCommune({ ...none, oldCommuneCode: olds[0]!, oldDistrictCode: district, oldProvinceCode: oldProvince, provinceCode: this.oldToNewProvince.get(oldProvince) ?? null, confidence: 'commune' });
      }
    }
    if (oldProvinces.length && districtPart) {
      const districts = oldProvinces.flatMap((p) => this.districtsByProvince.get(p)?.get(districtPart.key) ?? []);
      if (districts.length === 1) {
        const oldProvince = this.districtProvince.get(districts[0]!)!;
        return { ...none, oldDistrictCode: districts[0]!, oldProvinceCode: oldProvince, provinceCode: this.oldToNewProvince.get(oldProvince) ?? null, confidence: 'district' };
      }
    }
    // Only the province is certain; a historical province split between several new ones is not.
    const newCodes = new Set([...(newProvince ? [newProvince] : []), ...oldProvinces.map((p) => this.oldToNewProvince.get(p)!)]);
    if (newCodes.size !== 1) return none;
    return { ...none, oldProvinceCode: oldProvinces.length === 1 ? oldProvinces[0]! : null, provinceCode: [...newCodes][0]!, confidence: 'province' };
  }

  /** The new commune of an old one, when the reform moved it whole into one. */
  private withNewCommune(r: ResolvedHometown): ResolvedHometown {
    const targets = r.oldCommuneCode ? this.mapping.get(r.oldCommuneCode) ?? [] : [];
    return targets.length === 1 ? { ...r, communeCode: targets[0]! } : r;
  }
}
