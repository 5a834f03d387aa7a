/**
 * Military units as records and headstones write them: "Đại đội 2, Tiểu đoàn 4, Trung đoàn 141,
 * Sư đoàn 312", "C2 D4 E141 F312", "Đoàn 559", "Quân tình nguyện Việt Nam tại Lào". Parsed into
 * levels (division F, regiment E, battalion D, company C), cover names and fronts, so that two
 * spellings of one unit compare equal and a battalion is compared inside its regiment.
 */
import { foldVietnamese } from '../text/vietnamese.js';

export type UnitLevels = { F?: string; E?: string; D?: string; C?: string };
export type ParsedUnit = { levels: UnitLevels; covers: string[]; fronts: string[] };

const LEVEL_PATTERNS: Array<[keyof UnitLevels, RegExp]> = [
  ['F', /\b(?:su doan|dai doan)\s+(?:(?:phong khong|cong phao|bo binh|phao binh)\s+)?(\d+|\d* ?sao vang)/g],
  ['F', /\bf\s?(\d+)\b/g],
  ['E', /\btrung doan\s+(?:(?:phao cao xa|ten lua|bo binh|phao binh|cong binh)\s+)?(\d+)/g],
  ['E', /\be\s?(\d+)\b/g],
  ['D', /\btieu doan\s+(k?\d+[a-z]?)\b/g],
  ['D', /\bd\s?(\d+)\b/g],
  ['C', /\bdai doi\s+(\d+)/g],
  ['C', /\bc\s?(\d+)\b/g],
];

/** Formations that are not numbered divisions: kept whole, as a key. */
const COVER_PATTERNS: RegExp[] = [
  /(?<!(?:su|dai|trung|tieu|lu|quan) )\bdoan\s+(\d+)/g,
  /\bbinh tram\s+(\d+)/g,
  /\bquan khu\s+(\d+)/g,
  /\bquan doan\s+(\d+)/g,
  /\blu doan\s+(\d+)/g,
  /\bhom thu\s+([\w-]+)/g,
  /(?<!(?:dai|trung|tieu) )\bdoi\s+(\d+)\b/g,
];
const COVER_NAMES = ['doan', 'binh tram', 'quan khu', 'quan doan', 'lu doan', 'hom thu', 'doi'];
const COVER_LABELS: Record<string, string> = { doan: 'Đoàn', 'binh tram': 'Binh trạm', 'quan khu': 'Quân khu', 'quan doan': 'Quân đoàn', 'lu doan': 'Lữ đoàn', 'hom thu': 'Hòm thư', doi: 'Đội' };

/**
 * Fronts as records name them, folded: a unit or a place of death naming one of these fell on it.
 * Laos ("Chiến trường C") and Cambodia ("Chiến trường K") are fronts too.
 */
const FRONTS: Array<[string, RegExp]> = [
  ['lao', /\blao\b|chien truong c\b|quan tinh nguyen .*lao|doan 959|doan 763/],
  ['campuchia', /campuchia|cam pu chia|chien truong k\b|mat tran [45]79|tay nam\b/],
  ['b1', /\bb1\b|khu 5\b|lien khu 5/],
  ['b2', /\bb2\b|nam bo|mien dong|mien tay|khu [789]\b|sai gon/],
  ['b3', /\bb3\b|tay nguyen|kon tum|gia lai|dak to|buon ma thuot/],
  ['b4', /\bb4\b|tri thien|thua thien|\bhue\b/],
  ['b5', /\bb5\b|duong 9|khe sanh|quang tri|con tien|doc mieu/],
  ['truong-son', /truong son|559|binh tram/],
  ['bien-gioi-bac', /bien gioi phia bac|vi xuyen|ha tuyen|lang son|cao bang|hoang lien son/],
  ['dien-bien-phu', /dien bien/],
];

export const FRONT_LABELS: Record<string, string> = {
  lao: 'Lào', campuchia: 'Campuchia', b1: 'Khu 5 (B1)', b2: 'Nam Bộ (B2)', b3: 'Tây Nguyên (B3)', b4: 'Trị Thiên (B4)', b5: 'Đường 9 - Quảng Trị (B5)',
  'truong-son': 'Trường Sơn', 'bien-gioi-bac': 'Biên giới phía Bắc', 'dien-bien-phu': 'Điện Biên Phủ',
};

/** Folded, with the separators records use ("C2-D4/E141") turned into spaces. */
const prepare = (text: string) => ` ${foldVietnamese(text.normalize('NFC')).replace(/[,;/()\-–.]+/g, ' ').replace(/\s+/g, ' ')} `;

export function frontsOf(text: string | null | undefined): string[] {
  if (!text) return [];
  const folded = prepare(text);
  return FRONTS.filter(([, re]) => re.test(folded)).map(([key]) => key);
}

export function parseUnit(text: string | null | undefined): ParsedUnit {
  const levels: UnitLevels = {};
  const covers: string[] = [];
  if (!text?.trim()) return { levels, covers, fronts: [] };
  const folded = prepare(text);
  for (const [level, re] of LEVEL_PATTERNS) {
    if (levels[level]) continue;
    const m = [...folded.matchAll(re)][0];
    if (m) levels[level] = m[1]!.replace(/\s+/g, ' ').trim();
  }
  COVER_PATTERNS.forEach((re, i) => {
    for (const m of folded.matchAll(re)) covers.push(`${COVER_NAMES[i]} ${m[1]}`);
  });
  if (/thanh nien xung phong|\btnxp\b/.test(folded)) covers.push('tnxp');
  const local = /bo doi dia phuong|tinh doi|du kich|dan quan/.exec(folded);
  if (local) covers.push(folded.slice(local.index).trim());
  return { levels, covers: [...new Set(covers)], fronts: frontsOf(text) };
}

/** Keys to find graves by: the regiment and division numbers and the cover names (battalions and companies alone say too little). */
export function unitKeys(unit: ParsedUnit): string[] {
  const keys: string[] = [];
  if (unit.levels.F) keys.push(`F:${unit.levels.F}`);
  if (unit.levels.E) keys.push(`E:${unit.levels.E}`);
  for (const c of unit.covers) keys.push(`X:${c}`);
  return keys;
}

/** Battalion and company keys: compared only in the rough ordering, never to find graves by. */
export function fineKeys(unit: ParsedUnit): string[] {
  return [...(unit.levels.D ? [`D:${unit.levels.D}`] : []), ...(unit.levels.C ? [`C:${unit.levels.C}`] : [])];
}

const LEVEL_LABELS: Record<keyof UnitLevels, string> = { F: 'Sư đoàn', E: 'Trung đoàn', D: 'Tiểu đoàn', C: 'Đại đội' };

/** How a level is written in a reason: "Trung đoàn 141". */
export function levelLabel(level: keyof UnitLevels, value: string): string {
  return `${LEVEL_LABELS[level]} ${value.replace(/sao vang/, 'Sao Vàng')}`;
}

export function coverLabel(cover: string): string {
  if (cover === 'tnxp') return 'Thanh niên xung phong';
  const name = COVER_NAMES.find((n) => cover.startsWith(`${n} `));
  return name ? `${COVER_LABELS[name]} ${cover.slice(name.length + 1)}` : cover;
}
