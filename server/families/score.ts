/**
 * The transparent score: a death notice against an unidentified grave's clues. Each shared or
 * contradicting clue adds its points (weights.ts) and one reason, in words a family reads; the
 * score is their sum. Pure: the distance from the place of death to the grave's cemetery is
 * measured by PostGIS beforehand and passed in.
 */
import { compareDates, type LooseDate } from './dates.js';
import { coverLabel, FRONT_LABELS, levelLabel, type ParsedUnit } from './units.js';
import { WEIGHTS } from './weights.js';

/** One reason: a message key of web/messages (families.reason.*), its values, and its points. */
export type Reason = { code: string; points: number; params?: Record<string, string | number> };

/** What the matching reads of a death notice, parsed once. */
export type Notice = {
  nameWords: string[];
  unit: ParsedUnit;
  death: LooseDate;
  /** Resolved place of death, or null when the text named none the project knows (or none was given). */
  placeKey: string | null;
  placeLabel: string | null;
  placeGiven: boolean;
  /** The resolved hometown's label (for the reason), when it resolved. */
  homeLabel: string | null;
  fronts: string[];
  /** Old province codes the hometown lies in (for a stone's hometown fragment). */
  hometownProvinceKeys: string[];
  /** What a shared cover name is worth for this notice, by how rare it is on stones (coverPoints); WEIGHTS.unit.cover when not measured. */
  coverPoints?: number;
};

/**
 * The points of a shared cover name by its rarity: `coverStones` of the `unitStones` stones that name
 * any unit carry it. Null when nothing was measured.
 */
export function coverPoints(unitStones: number, coverStones: number): number | null {
  if (unitStones <= 0 || coverStones <= 0) return null;
  const w = WEIGHTS.unit;
  const points = w.coverPerNat * Math.log(Math.max(1, unitStones / coverStones)) - w.coverOffset;
  return Math.round(Math.min(w.coverMax, Math.max(w.coverMin, points)) * 10) / 10;
}

/** What an unidentified grave's stone tells, parsed once (the grave_clues table holds it). */
export type Clues = {
  unit: ParsedUnit;
  death: LooseDate;
  placeKey: string | null;
  placeLabel: string | null;
  fronts: string[];
  nameWords: string[];
  hometownProvinceKeys: string[];
};

export type Scored = { score: number; reasons: Reason[] };

const UNIT_CODES = new Set(['sameRegiment', 'sameDivision', 'sameBattalion', 'sameCompany', 'sameCover']);

function unitReasons(a: ParsedUnit, b: ParsedUnit, out: Reason[], coverWorth: number = WEIGHTS.unit.cover): void {
  const w = WEIGHTS.unit;
  const la = a.levels;
  const lb = b.levels;
  const sameE = la.E !== undefined && la.E === lb.E;
  const sameF = la.F !== undefined && la.F === lb.F;
  const sameF0 = la.F !== undefined && la.F === lb.F;
  if (sameE) out.push({ code: 'sameRegiment', points: sameF0 ? w.regimentInDivision : w.regiment, params: { unit: levelLabel('E', la.E!) } });
  else if (la.E && lb.E) out.push({ code: 'differentRegiment', points: w.differentRegiment, params: { a: levelLabel('E', la.E), b: levelLabel('E', lb.E) } });
  if (sameF) out.push({ code: 'sameDivision', points: w.division, params: { unit: levelLabel('F', la.F!) } });
  else if (la.F && lb.F) out.push({ code: 'differentDivision', points: w.differentDivision, params: { a: levelLabel('F', la.F), b: levelLabel('F', lb.F) } });
  // A battalion number means something only inside the same regiment, or where neither names one.
  const regimentAllows = sameE || (!la.E || !lb.E);
  const sameD = regimentAllows && la.D !== undefined && la.D === lb.D;
  if (sameD) out.push({ code: 'sameBattalion', points: w.battalion, params: { unit: levelLabel('D', la.D!) } });
  else if (sameE && la.D && lb.D) out.push({ code: 'differentBattalion', points: w.differentBattalion, params: { a: levelLabel('D', la.D), b: levelLabel('D', lb.D) } });
  if (sameD && la.C !== undefined && la.C === lb.C) out.push({ code: 'sameCompany', points: w.company, params: { unit: levelLabel('C', la.C) } });
  else if (sameD && la.C && lb.C) out.push({ code: 'differentCompany', points: w.differentCompany, params: { a: levelLabel('C', la.C), b: levelLabel('C', lb.C) } });
  const cover = a.covers.find((c) => b.covers.includes(c));
  if (cover) out.push({ code: 'sameCover', points: coverWorth, params: { unit: coverLabel(cover) } });
  // Both name a unit and share no level of it: another unit, unless the stone is miscopied.
  const named = (u: ParsedUnit) => Object.keys(u.levels).length > 0 || u.covers.length > 0;
  if (named(a) && named(b) && !out.some((r) => r.points > 0 && UNIT_CODES.has(r.code)) && !out.some((r) => r.code.startsWith('different'))) {
    out.push({ code: 'differentUnit', points: w.differentUnit });
  }
}

function dateReasons(notice: LooseDate, grave: LooseDate, out: Reason[]): void {
  const c = compareDates(notice, grave);
  const w = WEIGHTS.date;
  if (c.kind === 'inside') {
    const points = c.precision === 'day' ? w.sameDay : c.precision === 'month' ? w.sameMonth : w.sameYear;
    out.push({ code: c.precision === 'day' ? 'sameDay' : c.precision === 'month' ? 'sameMonth' : 'sameYear', points });
  } else if (c.kind === 'near') {
    const months = Math.max(1, Math.round(c.gapDays / 30.4));
    out.push({ code: 'nearDate', points: w.near, params: { months } });
  } else if (c.kind === 'apart') {
    out.push({ code: 'apartDate', points: w.apart, params: { years: Math.max(1, Math.round(c.gapDays / 365)) } });
  }
}

/**
 * The score of one grave for one notice. `distanceKm`: from the resolved place of death to the
 * grave's cemetery (0 inside it); null when the notice's place did not resolve.
 */
export function scoreGrave(notice: Notice, clues: Clues, distanceKm: number | null, homeKm: number | null = null): Scored {
  const reasons: Reason[] = [];
  unitReasons(notice.unit, clues.unit, reasons, notice.coverPoints);
  dateReasons(notice.death, clues.death, reasons);
  const p = WEIGHTS.place;
  const h = WEIGHTS.hometown;
  const sharesUnit = reasons.some((r) => r.points > 0 && UNIT_CODES.has(r.code));
  let buriedInPlace = false;
  if (distanceKm !== null) {
    if (distanceKm <= 0.5) {
      buriedInPlace = true;
      reasons.push({ code: 'buriedInPlace', points: p.inside, params: { place: notice.placeLabel! } });
    } else if (distanceKm < p.maxKm) reasons.push({ code: 'buriedNear', points: Math.round(p.near * (1 - distanceKm / p.maxKm) * 10) / 10, params: { km: Math.round(distanceKm), place: notice.placeLabel! } });
    else if (distanceKm > p.farKm) reasons.push({ code: 'buriedFar', points: p.far, params: { km: Math.round(distanceKm), place: notice.placeLabel! } });
  }
  let nearHome = false;
  if (homeKm !== null) {
    nearHome = homeKm < h.maxKm;
    if (homeKm <= 0.5) reasons.push({ code: 'buriedInHometown', points: h.inside, params: { place: notice.homeLabel! } });
    else if (homeKm < h.maxKm) reasons.push({ code: 'buriedNearHometown', points: Math.round(h.near * (1 - homeKm / h.maxKm) * 10) / 10, params: { km: Math.round(homeKm), place: notice.homeLabel! } });
  }
  // The unit, the written place, the front and the cemetery's place say much the same of one front:
  // the written place counts in full only for a grave that neither shares the unit nor lies there,
  // and the front only when nothing else says it.
  if (notice.placeKey && clues.placeKey === notice.placeKey) {
    reasons.push({ code: 'sameWrittenPlace', points: sharesUnit || buriedInPlace ? p.sameWrittenPlace : p.sameWrittenPlaceAlone, params: { place: clues.placeLabel ?? notice.placeLabel! } });
  }
  const front = notice.fronts.find((f) => clues.fronts.includes(f));
  if (front && !sharesUnit && !reasons.some((r) => r.code === 'sameWrittenPlace')) reasons.push({ code: 'sameFront', points: WEIGHTS.front, params: { front: FRONT_LABELS[front] ?? front } });
  const fragment = clues.nameWords.length > 0 && clues.nameWords.every((w) => notice.nameWords.includes(w));
  if (fragment) reasons.push({ code: 'nameFragment', points: WEIGHTS.nameFragment, params: { name: clues.nameWords.join(' ') } });
  // Near the hometown, many stones name its province; far from it, few do.
  if (clues.hometownProvinceKeys.some((k) => notice.hometownProvinceKeys.includes(k))) {
    reasons.push({ code: 'hometownFragment', points: nearHome ? WEIGHTS.hometownFragment.nearHometown : WEIGHTS.hometownFragment.elsewhere });
  }
  const score = Math.round(reasons.reduce((sum, r) => sum + r.points, 0) * 10) / 10;
  return { score, reasons };
}

/** The reason a family reads when their place of death scored nothing. */
export function unresolvedPlaceReason(notice: Notice): Reason | null {
  return notice.placeGiven && !notice.placeKey ? { code: 'placeUnresolved', points: 0 } : null;
}
