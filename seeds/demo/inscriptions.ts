/**
 * Headstone texts (NFC): what an identified grave's stone says, what a stone with partial
 * information says, and "Liệt sĩ chưa biết tên" on the graves of the unknown.
 */
import { daysInMonth, formatPartialDate, type PartialDate } from './dates.js';
import type { Martyr } from './martyrs.js';
import type { Rng } from './random.js';

export type KnownFacts = {
  name: string | null;
  unit: string | null;
  hometown: string | null;
  placeOfDeath: string | null;
  death: PartialDate;
};

export const UNKNOWN_INSCRIPTION = 'LIỆT SĨ\nCHƯA BIẾT TÊN';

const upper = (text: string) => text.toLocaleUpperCase('vi');

function bornLine(birth: PartialDate): string | null {
  const text = formatPartialDate(birth);
  if (!text) return null;
  return birth.day !== null ? `Sinh ngày ${text}` : birth.month !== null ? `Sinh tháng ${text}` : `Sinh năm ${text}`;
}

function diedLine(death: PartialDate): string | null {
  const text = formatPartialDate(death);
  if (!text) return null;
  return death.day !== null ? `Hy sinh ngày ${text}` : death.month !== null ? `Hy sinh tháng ${text}` : `Hy sinh năm ${text}`;
}

const join = (lines: Array<string | null>) => lines.filter((l): l is string => l !== null).join('\n').normalize('NFC');

export function identifiedInscription(m: Martyr, rng: Rng): string {
  return join([
    'LIỆT SĨ',
    upper(m.name.full),
    bornLine(m.birth),
    `${rng.chance(0.3) ? 'Nguyên quán' : 'Quê quán'}: ${m.hometown.text}`,
    rng.chance(0.3) ? `Đơn vị: ${m.unit}` : null,
    diedLine(m.death),
  ]);
}

export function collectiveInscription(martyrs: Martyr[]): string {
  return join([
    'MỘ TẬP THỂ',
    `${martyrs.length} LIỆT SĨ`,
    ...martyrs.map((m) => upper(m.name.full)),
    martyrs[0] ? `Đơn vị: ${martyrs[0].unit}` : null,
    martyrs[0] ? diedLine(martyrs[0].death) : null,
  ]);
}

/**
 * The clue model of an unidentified grave, fixed by issue 17 so that matching figures mean
 * something: each clue is drawn on its own, and a grave that draws none is "unknown".
 * - a unit for 45% (70% of those at regiment level or finer, 10% with one number wrong);
 * - a year of death for 55% (25% of those month and year, 5% the full date; 10% one year off);
 * - the place of death for 30%; an inscription fragment (part of the name, or the hometown) for 15%.
 */
export const CLUE_SHARES = {
  unit: 0.45, unitFine: 0.7, unitWrongNumber: 0.1,
  year: 0.55, yearMonth: 0.25, yearFullDate: 0.05, yearOffByOne: 0.1,
  place: 0.3, fragment: 0.15,
} as const;

/** Regiment level or finer, as records write it (abbreviated or not). */
const FINE_PART = /^(Trung đoàn|Tiểu đoàn|Đại đội|Trung đội|Binh trạm|Đội \d|Tàu|Đồn|[EDC]\d)/;

function abbreviate(part: string): string {
  const m = /^(Đại đội|Tiểu đoàn|Trung đoàn|Sư đoàn|Đại đoàn) (\d+)$/.exec(part);
  if (!m) return part;
  const letter = m[1] === 'Đại đội' ? 'C' : m[1] === 'Tiểu đoàn' ? 'D' : m[1] === 'Trung đoàn' ? 'E' : 'F';
  return `${letter}${m[2]}`;
}

/** One number of the unit written wrong, as a worn or miscopied stone has it. */
function wrongNumber(unit: string, rng: Rng): string {
  const numbers = [...unit.matchAll(/\d+/g)];
  if (!numbers.length) return unit;
  const target = rng.pick(numbers);
  const value = Number(target[0]);
  const changed = Math.max(1, value + (rng.chance(0.5) ? 1 : -1) * rng.int(1, 9));
  return unit.slice(0, target.index) + String(changed === value ? value + 1 : changed) + unit.slice(target.index! + target[0].length);
}

/** The unit a stone carries: part of the martyr's unit line, at regiment level or finer for most. */
export function unitClue(unit: string, rng: Rng): string {
  const parts = unit.split(', ');
  const fine = parts.map((p, i) => (FINE_PART.test(p) ? i : -1)).filter((i) => i >= 0);
  let chosen: string[];
  if (!fine.length) chosen = parts;
  else if (rng.chance(CLUE_SHARES.unitFine)) {
    const from = rng.pick(fine);
    chosen = rng.chance(0.3) ? [parts[from]!] : parts.slice(from);
  } else {
    const coarse = parts.slice(fine[fine.length - 1]! + 1);
    chosen = coarse.length ? coarse : parts;
  }
  let text = rng.chance(0.25) ? chosen.map(abbreviate).join(', ') : chosen.join(', ');
  if (rng.chance(CLUE_SHARES.unitWrongNumber)) text = wrongNumber(text, rng);
  return text;
}

/** Picks what a stone with partial information still says about the martyr beneath it (possibly nothing). */
export function knownFacts(m: Martyr, rng: Rng): KnownFacts {
  const facts: KnownFacts = { name: null, unit: null, hometown: null, placeOfDeath: null, death: { year: null, month: null, day: null } };
  if (rng.chance(CLUE_SHARES.unit)) facts.unit = unitClue(m.unit, rng);
  if (rng.chance(CLUE_SHARES.year)) {
    const r = rng.next();
    const year = m.died.year + (rng.chance(CLUE_SHARES.yearOffByOne) ? (rng.chance(0.5) ? 1 : -1) : 0);
    facts.death = r < CLUE_SHARES.yearFullDate ? { year, month: m.died.month, day: m.died.day }
      : r < CLUE_SHARES.yearFullDate + CLUE_SHARES.yearMonth ? { year, month: m.died.month, day: null }
      : { year, month: null, day: null };
    if (facts.death.day !== null && facts.death.day > daysInMonth(year, facts.death.month!)) facts.death.day = daysInMonth(year, facts.death.month!);
  }
  if (rng.chance(CLUE_SHARES.place)) facts.placeOfDeath = m.placeOfDeath;
  if (rng.chance(CLUE_SHARES.fragment)) {
    if (rng.chance(0.6)) facts.name = rng.pick([m.name.given, m.aliases[0] ?? m.name.given, `${m.name.family} ${m.name.given}`]);
    else facts.hometown = m.hometown.short;
  }
  return facts;
}

/** Whether the stone says anything at all (else the grave is unknown). */
export function hasClue(f: KnownFacts): boolean {
  return Boolean(f.name || f.unit || f.hometown || f.placeOfDeath || f.death.year !== null);
}

export function partialInscription(facts: KnownFacts): string {
  return join([
    'LIỆT SĨ',
    facts.name ? upper(facts.name) : 'CHƯA XÁC ĐỊNH DANH TÍNH',
    facts.hometown ? `Quê quán: ${facts.hometown}` : null,
    facts.unit ? `Đơn vị: ${facts.unit}` : null,
    facts.placeOfDeath ? `Nơi hy sinh: ${facts.placeOfDeath}` : null,
    diedLine(facts.death),
  ]);
}
