/**
 * Dates as dossiers hold them: often only a year, or a month and a year. The generator draws a
 * full true date and then keeps only the parts the record knows; unknown parts stay null, never
 * an invented 1 January.
 */
import { numberTable, Weighted, type Rng } from './random.js';
import type { Theatre } from './theatres.js';

export type PartialDate = { year: number | null; month: number | null; day: number | null };
export type FullDate = { year: number; month: number; day: number };

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function parseIso(iso: string): FullDate {
  const [year, month, day] = iso.split('-').map(Number) as [number, number, number];
  return { year, month, day };
}

function dayNumber({ year, month, day }: FullDate): number {
  return Date.UTC(year, month - 1, day) / 86_400_000;
}

function fromDayNumber(n: number): FullDate {
  const d = new Date(n * 86_400_000);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

const yearTables = new Map<string, Weighted<number>>();

/** The true date a martyr fell on this front: inside the main battle for its share, else a weighted year. */
export function deathDate(theatre: Theatre, rng: Rng): FullDate {
  const battle = theatre.battle;
  if (battle && rng.chance(battle.share)) {
    const from = dayNumber(parseIso(battle.from));
    return fromDayNumber(from + rng.int(0, dayNumber(parseIso(battle.to)) - from));
  }
  let table = yearTables.get(theatre.key);
  if (!table) {
    table = numberTable(theatre.years);
    yearTables.set(theatre.key, table);
  }
  const year = table.draw(rng);
  const month = rng.int(1, 12);
  return { year, month, day: rng.int(1, daysInMonth(year, month)) };
}

/** Age at death: mostly 18-30; officers a few years older. */
const AGES = numberTable({
  16: 1, 17: 3, 18: 9, 19: 11, 20: 12, 21: 11, 22: 10, 23: 9, 24: 7, 25: 6, 26: 5, 27: 4, 28: 3, 29: 3, 30: 2,
  31: 1.5, 32: 1.2, 33: 1, 34: 0.8, 35: 0.7, 36: 0.5, 38: 0.4, 40: 0.3, 42: 0.2, 45: 0.1,
});

export function birthDate(death: FullDate, officer: boolean, rng: Rng): FullDate {
  const age = AGES.draw(rng) + (officer ? rng.int(2, 7) : 0);
  const year = death.year - age;
  const month = rng.int(1, 12);
  return { year, month, day: rng.int(1, daysInMonth(year, month)) };
}

/** Keeps the year only, the month and year, or the whole date, with the given shares. */
export function blur(date: FullDate, yearOnly: number, monthYear: number, rng: Rng): PartialDate {
  const r = rng.next();
  if (r < yearOnly) return { year: date.year, month: null, day: null };
  if (r < yearOnly + monthYear) return { year: date.year, month: date.month, day: null };
  return { ...date };
}

/** Death dates: ~20% year only, ~30% month and year, ~50% full. */
export function recordedDeath(date: FullDate, rng: Rng): PartialDate {
  return blur(date, 0.2, 0.3, rng);
}

/** Birth dates: ~10% unknown, ~40% year only, ~20% month and year, ~30% full. */
export function recordedBirth(date: FullDate, rng: Rng): PartialDate {
  if (rng.chance(0.1)) return { year: null, month: null, day: null };
  return blur(date, 0.4 / 0.9, 0.2 / 0.9, rng);
}

/** The certificate was issued some years after the death (never before 1948, never after 2024). */
export function certificateDate(death: FullDate, rng: Rng): string {
  const delay = death.year < 1955 ? rng.int(1, 12) : death.year < 1976 ? rng.int(1, 8) : rng.int(1, 5);
  const year = Math.min(2024, Math.max(1948, death.year + delay));
  const month = rng.int(1, 12);
  const day = rng.int(1, daysInMonth(year, month));
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** "12/5/1968", "5/1968", "1968", or null. */
export function formatPartialDate(date: PartialDate): string | null {
  if (date.year === null) return null;
  if (date.month === null) return String(date.year);
  if (date.day === null) return `${date.month}/${date.year}`;
  return `${date.day}/${date.month}/${date.year}`;
}
