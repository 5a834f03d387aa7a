/**
 * Headstone texts (NFC): what an identified grave's stone says, what a stone with partial
 * information says, and "Liệt sĩ chưa biết tên" on the graves of the unknown.
 */
import { formatPartialDate, type PartialDate } from './dates.js';
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

/** Picks what a stone with partial information still says about the martyr beneath it; at least one fact. */
export function knownFacts(m: Martyr, rng: Rng): KnownFacts {
  const unitParts = m.unit.split(', ');
  const name = rng.chance(0.35)
    ? rng.pick([m.name.given, m.aliases[0] ?? m.name.given, `${m.name.family} ${m.name.given}`])
    : null;
  const facts: KnownFacts = {
    name,
    unit: rng.chance(0.55) ? unitParts.slice(-rng.int(1, Math.min(2, unitParts.length))).join(', ') : null,
    hometown: rng.chance(0.35) ? m.hometown.short : null,
    placeOfDeath: rng.chance(0.25) ? m.placeOfDeath : null,
    death: rng.chance(0.6)
      ? { year: m.died.year, month: rng.chance(0.5) ? m.died.month : null, day: null }
      : { year: null, month: null, day: null },
  };
  if (facts.death.month !== null && rng.chance(0.2)) facts.death.day = m.died.day;
  if (!facts.name && !facts.unit && !facts.hometown && !facts.placeOfDeath && facts.death.year === null) {
    facts.unit = unitParts.slice(-1).join(', ');
  }
  return facts;
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
