/**
 * The matching's pure parts: units as records write them, partial dates and their widening window,
 * and the score with its reasons. The places resolver and the ranking against PostgreSQL are in
 * test/integration/families.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { compareDates } from '../../server/families/dates.js';
import { coverPoints, scoreGrave, type Clues, type Notice } from '../../server/families/score.js';
import { parseUnit, unitKeys } from '../../server/families/units.js';
import { WEIGHTS } from '../../server/families/weights.js';

describe('units as records write them', () => {
  it('reads "E141", "e 141" and "Trung đoàn 141" as the same regiment, and the abbreviations of every level', () => {
    expect(parseUnit('E141').levels.E).toBe('141');
    expect(parseUnit('e 141').levels.E).toBe('141');
    expect(parseUnit('Trung đoàn 141').levels.E).toBe('141');
    expect(parseUnit('c2, d4, E141, f312').levels).toEqual({ C: '2', D: '4', E: '141', F: '312' });
    expect(parseUnit('Đại đội 2, Tiểu đoàn 4, Trung đoàn 141, Sư đoàn 312').levels).toEqual({ C: '2', D: '4', E: '141', F: '312' });
    expect(parseUnit('F312').levels.F).toBe('312');
    expect(parseUnit('Đại đoàn 308').levels.F).toBe('308');
  });

  it('keeps cover names and fronts, and does not take "Đại đội 2" for "Đội 2" or "Sư đoàn 470" for "Đoàn 470"', () => {
    const u = parseUnit('Sư đoàn 470, Đoàn 559');
    expect(u.levels.F).toBe('470');
    expect(u.covers).toEqual(['doan 559']);
    expect(u.fronts).toContain('truong-son');
    expect(parseUnit('Đại đội 2').covers).toEqual([]);
    expect(parseUnit('Quân tình nguyện Việt Nam tại Lào').fronts).toContain('lao');
    expect(parseUnit('Chiến trường K').fronts).toContain('campuchia');
    expect(parseUnit('Mặt trận Tây Nguyên').fronts).toContain('b3');
    expect(unitKeys(parseUnit('Tiểu đoàn 4, Trung đoàn 141, Sư đoàn 312'))).toEqual(['F:312', 'E:141']);
  });
});

describe('partial dates', () => {
  it('counts a day inside a month or a year as inside, at the coarser precision', () => {
    expect(compareDates({ year: 1972, month: 5, day: 12 }, { year: 1972, month: null, day: null })).toEqual({ kind: 'inside', precision: 'year' });
    expect(compareDates({ year: 1972, month: 5, day: 12 }, { year: 1972, month: 5, day: null })).toEqual({ kind: 'inside', precision: 'month' });
    expect(compareDates({ year: 1972, month: 5, day: 12 }, { year: 1972, month: 5, day: 12 })).toEqual({ kind: 'inside', precision: 'day' });
  });

  it('widens the window with less precision: two days 100 days apart are apart, a year off by one is near', () => {
    const days = compareDates({ year: 1972, month: 1, day: 1 }, { year: 1972, month: 4, day: 10 });
    expect(days.kind).toBe('apart');
    const years = compareDates({ year: 1972, month: 5, day: 12 }, { year: 1973, month: null, day: null });
    expect(years.kind).toBe('near');
    expect(compareDates({ year: 1968, month: null, day: null }, { year: 1972, month: null, day: null }).kind).toBe('apart');
    expect(compareDates({ year: null, month: null, day: null }, { year: 1972, month: null, day: null }).kind).toBe('none');
  });

  it('takes a stone a year off with the month right as near, and a year off with another month as apart', () => {
    expect(compareDates({ year: 1967, month: 9, day: 18 }, { year: 1966, month: 9, day: null }).kind).toBe('near');
    expect(compareDates({ year: 1967, month: 9, day: 18 }, { year: 1966, month: 3, day: null }).kind).toBe('apart');
  });
});

describe('the score', () => {
  const notice = (over: Partial<Notice> = {}): Notice => ({
    nameWords: ['nguyen', 'van', 'hung'], unit: parseUnit('Tiểu đoàn 4, Trung đoàn 141, Sư đoàn 312'), death: { year: 1972, month: 6, day: 3 },
    placeKey: 'op:45', placeLabel: 'Quảng Trị', placeGiven: true, homeLabel: 'Hà Tĩnh', fronts: ['b5'], hometownProvinceKeys: ['op:42'], ...over,
  });
  const clues = (over: Partial<Clues> = {}): Clues => ({
    unit: parseUnit(null), death: { year: null, month: null, day: null }, placeKey: null, placeLabel: null, fronts: [], nameWords: [], hometownProvinceKeys: [], ...over,
  });

  it('adds each shared clue with its reason, and sums them', () => {
    const s = scoreGrave(notice(), clues({ unit: parseUnit('E141'), death: { year: 1972, month: 6, day: null } }), 0);
    expect(s.reasons.map((r) => r.code)).toEqual(['sameRegiment', 'sameMonth', 'buriedInPlace']);
    expect(s.score).toBe(WEIGHTS.unit.regiment + WEIGHTS.date.sameMonth + WEIGHTS.place.inside);
    expect(s.reasons[0]!.params).toEqual({ unit: 'Trung đoàn 141' });
  });

  it('ranks the grave of the same regiment, month and place above one that only shares the division', () => {
    const truth = scoreGrave(notice(), clues({ unit: parseUnit('Trung đoàn 141'), death: { year: 1972, month: 6, day: null } }), 12);
    const other = scoreGrave(notice(), clues({ unit: parseUnit('Sư đoàn 312, Trung đoàn 165'), death: { year: 1972, month: null, day: null } }), 12);
    expect(truth.score).toBeGreaterThan(other.score);
    expect(other.reasons.map((r) => r.code)).toContain('differentRegiment');
  });

  it('compares a battalion only inside the same regiment', () => {
    const inside = scoreGrave(notice(), clues({ unit: parseUnit('d4, E141') }), null);
    expect(inside.reasons.map((r) => r.code)).toEqual(['sameRegiment', 'sameBattalion']);
    const elsewhere = scoreGrave(notice(), clues({ unit: parseUnit('d4, E52') }), null);
    expect(elsewhere.reasons.map((r) => r.code)).toEqual(['differentRegiment']);
  });

  it('measures distance: near scores less than inside, beyond the limit nothing, and an unmeasured place nothing', () => {
    const at = (km: number | null) => scoreGrave(notice(), clues({ death: { year: 1972, month: null, day: null } }), km).score;
    expect(at(0)).toBeGreaterThan(at(40));
    expect(at(40)).toBeGreaterThan(at(200));
    expect(at(WEIGHTS.place.maxKm + 10)).toBe(at(null));
  });

  it('counts a stone naming another unit, sharing no level or cover name with the notice, against it', () => {
    const other = scoreGrave(notice(), clues({ unit: parseUnit('Quân khu 9'), death: { year: 1972, month: null, day: null } }), null);
    expect(other.reasons.map((r) => r.code)).toEqual(['differentUnit', 'sameYear']);
    expect(other.score).toBe(WEIGHTS.unit.differentUnit + WEIGHTS.date.sameYear);
    expect(scoreGrave(notice(), clues({ unit: parseUnit('Sư đoàn 312, Quân khu 9') }), null).reasons.map((r) => r.code)).toEqual(['sameDivision']);
  });

  it('counts a grave buried far from the place of death against it, and the hometown far more than the place', () => {
    const far = scoreGrave(notice(), clues({ death: { year: 1972, month: null, day: null } }), WEIGHTS.place.farKm + 100);
    expect(far.reasons.map((r) => r.code)).toEqual(['sameYear', 'buriedFar']);
    expect(far.score).toBe(WEIGHTS.date.sameYear + WEIGHTS.place.far);
    const home = scoreGrave(notice(), clues(), null, 0);
    const place = scoreGrave(notice(), clues(), 0, null);
    expect(home.score).toBeGreaterThan(place.score);
  });

  it('does not count the front again for a grave that shares the unit, and the written place less', () => {
    const same = scoreGrave(notice(), clues({ unit: parseUnit('E141'), placeKey: 'op:45', fronts: ['b5'] }), null);
    expect(same.reasons.map((r) => r.code)).toEqual(['sameRegiment', 'sameWrittenPlace']);
    const alone = scoreGrave(notice(), clues({ placeKey: 'op:45', fronts: ['b5'] }), null);
    expect(alone.reasons.map((r) => r.code)).toEqual(['sameWrittenPlace']);
    expect(alone.reasons[0]!.points).toBeGreaterThan(same.reasons[1]!.points);
    expect(scoreGrave(notice(), clues({ fronts: ['b5'] }), null).reasons.map((r) => r.code)).toEqual(['sameFront']);
  });

  it('counts a stone naming the hometown province more on a grave far from the hometown than near it', () => {
    const far = scoreGrave(notice(), clues({ hometownProvinceKeys: ['op:42'] }), null, 500);
    const near = scoreGrave(notice(), clues({ hometownProvinceKeys: ['op:42'] }), null, 20);
    expect(far.reasons.find((r) => r.code === 'hometownFragment')!.points).toBe(WEIGHTS.hometownFragment.elsewhere);
    expect(near.reasons.find((r) => r.code === 'hometownFragment')!.points).toBe(WEIGHTS.hometownFragment.nearHometown);
  });

  it('gives a shared cover name the points of its rarity: a province\'s local force more than Đoàn 559, within the bounds', () => {
    const local = coverPoints(79_332, 200)!;
    const truongSon = coverPoints(79_332, 3_336)!;
    expect(local).toBeGreaterThan(truongSon);
    expect(truongSon).toBeCloseTo(WEIGHTS.unit.coverPerNat * Math.log(79_332 / 3_336) - WEIGHTS.unit.coverOffset, 1);
    expect(coverPoints(79_332, 1)).toBe(WEIGHTS.unit.coverMax);
    expect(coverPoints(79_332, 40_000)).toBe(WEIGHTS.unit.coverMin);
    expect(coverPoints(79_332, 0)).toBeNull();
    const stone = clues({ unit: parseUnit('Đoàn 559') });
    const withUnit = (u: string, points?: number) => notice({ unit: parseUnit(u), coverPoints: points });
    expect(scoreGrave(withUnit('Sư đoàn 470, Đoàn 559', local), stone, null).reasons).toEqual([{ code: 'sameCover', points: local, params: { unit: 'Đoàn 559' } }]);
    // Scored where nothing was counted (a grave that changed), the flat weight stands in.
    expect(scoreGrave(withUnit('Sư đoàn 470, Đoàn 559'), stone, null).score).toBe(WEIGHTS.unit.cover);
  });

  it('counts a name fragment only when every word of it is in the notice name', () => {
    expect(scoreGrave(notice(), clues({ nameWords: ['hung'] }), null).reasons.map((r) => r.code)).toEqual(['nameFragment']);
    expect(scoreGrave(notice(), clues({ nameWords: ['tran', 'hung'] }), null).reasons).toEqual([]);
  });
});
