/**
 * Partial dates compared as the spans they stand for: "1972" is the whole year, "5/1972" the
 * month, "12/5/1972" one day. Two dates are as close as the nearest days of their spans, and the
 * window they may be apart widens with the coarser precision of the two.
 */
import { WEIGHTS } from './weights.js';

export type LooseDate = { year: number | null; month: number | null; day: number | null };
export type Precision = 'day' | 'month' | 'year';

const dayNumber = (y: number, m: number, d: number) => Date.UTC(y, m - 1, d) / 86_400_000;

function span(date: LooseDate): { from: number; to: number; precision: Precision } | null {
  const { year, month, day } = date;
  if (year === null) return null;
  if (month === null) return { from: dayNumber(year, 1, 1), to: dayNumber(year, 12, 31), precision: 'year' };
  if (day === null) return { from: dayNumber(year, month, 1), to: dayNumber(year, month + 1, 0), precision: 'month' };
  return { from: dayNumber(year, month, day), to: dayNumber(year, month, day), precision: 'day' };
}

const ORDER: Precision[] = ['day', 'month', 'year'];

export type DateComparison =
  | { kind: 'none' }
  | { kind: 'inside'; precision: Precision }
  | { kind: 'near'; gapDays: number; windowDays: number }
  | { kind: 'apart'; gapDays: number };

export function compareDates(a: LooseDate, b: LooseDate): DateComparison {
  const x = span(a);
  const y = span(b);
  if (!x || !y) return { kind: 'none' };
  const coarser = ORDER[Math.max(ORDER.indexOf(x.precision), ORDER.indexOf(y.precision))]!;
  const gap = Math.max(0, Math.max(x.from, y.from) - Math.min(x.to, y.to));
  if (gap === 0) return { kind: 'inside', precision: coarser };
  const windowDays = WEIGHTS.dateWindowDays[coarser];
  if (gap <= windowDays) return { kind: 'near', gapDays: gap, windowDays };
  // A year misread or counted by the lunar calendar, the month and day right: as near as the year window.
  if (a.year !== null && b.year !== null && Math.abs(a.year - b.year) === 1) {
    const shifted = span({ ...b, year: a.year })!;
    if (Math.max(0, Math.max(x.from, shifted.from) - Math.min(x.to, shifted.to)) === 0) return { kind: 'near', gapDays: gap, windowDays: WEIGHTS.dateWindowDays.year };
  }
  return { kind: 'apart', gapDays: gap };
}
