import { describe, expect, it } from 'vitest';
import { canChiYear, deathAnniversary, lunarMonthLength, lunarToSolar, solarToLunar } from '../../server/records/lunar-date.js';
import { anniversaryView } from '../../server/remembrance/remembrance.view.js';

describe('the Vietnamese lunar calendar (UTC+7)', () => {
  it('puts Tết Mậu Thân on 29 January 1968 in Vietnam, where China (UTC+8) has 30 January', () => {
    expect(solarToLunar(29, 1, 1968)).toEqual({ day: 1, month: 1, year: 1968, leap: false });
    expect(solarToLunar(29, 1, 1968, 8)).toEqual({ day: 30, month: 12, year: 1967, leap: false });
    expect(solarToLunar(30, 1, 1968, 8)).toEqual({ day: 1, month: 1, year: 1968, leap: false });
    // Killed on the first night of the Tết offensive (31 January 1968): the 3rd day of Tết in Vietnam.
    expect(solarToLunar(31, 1, 1968)).toEqual({ day: 3, month: 1, year: 1968, leap: false });
    expect(solarToLunar(31, 1, 1968, 8).day).toBe(2);
    expect(canChiYear(1968)).toBe('Mậu Thân');
  });

  it('puts Tết Ất Sửu on 21 January 1985 in Vietnam, a month before China’s (20 February)', () => {
    expect(lunarToSolar({ day: 1, month: 1, year: 1985, leap: false })).toEqual({ day: 21, month: 1, year: 1985 });
    expect(lunarToSolar({ day: 1, month: 1, year: 1985, leap: false }, 8)).toEqual({ day: 20, month: 2, year: 1985 });
    expect(solarToLunar(20, 2, 1985)).toEqual({ day: 1, month: 2, year: 1985, leap: false });
    expect(canChiYear(1985)).toBe('Ất Sửu');
  });

  it('knows leap months: the fourth of 2020 and the second of 2023', () => {
    expect(solarToLunar(23, 5, 2020)).toEqual({ day: 1, month: 4, year: 2020, leap: true });
    expect(solarToLunar(22, 4, 2020)).toEqual({ day: 30, month: 3, year: 2020, leap: false });
    expect(solarToLunar(22, 3, 2023)).toEqual({ day: 1, month: 2, year: 2023, leap: true });
    expect(lunarToSolar({ day: 1, month: 5, year: 2020, leap: true })).toBeUndefined();
  });

  it('round-trips every day from 1940 to 2030', () => {
    for (let t = Date.UTC(1940, 0, 1); t < Date.UTC(2031, 0, 1); t += 86_400_000) {
      const d = new Date(t);
      const solar = { day: d.getUTCDate(), month: d.getUTCMonth() + 1, year: d.getUTCFullYear() };
      expect(lunarToSolar(solarToLunar(solar.day, solar.month, solar.year))).toEqual(solar);
    }
  });

  it('keeps a leap-month death in the ordinary month, and a 30th on the 29th of a short month', () => {
    // Died 1 May (leap 4th month) 2020 … remembered on the 1st of the ordinary 4th month.
    const leap = deathAnniversary({ year: 2020, month: 5, day: 23 }, { year: 2026, month: 1, day: 1 });
    expect(leap.lunar).toEqual({ day: 1, month: 4, year: 2020, leap: true });
    expect(solarToLunar(leap.next.day, leap.next.month, leap.next.year)).toEqual({ day: 1, month: 4, year: 2026, leap: false });
    const thirtieth = deathAnniversary({ year: 2020, month: 4, day: 22 }, { year: 2026, month: 1, day: 1 });
    const next = solarToLunar(thirtieth.next.day, thirtieth.next.month, thirtieth.next.year);
    expect(next.month).toBe(3);
    expect(next.day).toBe(Math.min(30, lunarMonthLength(3, 2026, false)));
  });

  it('gives the next anniversary on or after today, in Vietnam', () => {
    const a = deathAnniversary({ year: 1968, month: 1, day: 31 }, { year: 2026, month: 12, day: 1 });
    expect(a.next).toEqual({ day: 8, month: 2, year: 2027, lunarYear: 2027 });
    const view = anniversaryView({ year: 1968, month: 1, day: 31 }, 'vi', new Date('2026-12-01T03:00:00Z'));
    expect(view?.lunar).toBe('Ngày 3 tháng 1 năm Mậu Thân');
    expect(view?.next).toContain('08/02/2027');
    expect(anniversaryView({ year: 1968, month: 1, day: null }, 'vi')).toBeNull();
  });
});
