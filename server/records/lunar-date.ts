/**
 * The Vietnamese lunar calendar (âm lịch), by Hồ Ngọc Đức's algorithm (astronomical new moons and
 * solar terms after Meeus, computed at UTC+7). Not the Chinese calendar: China reckons at UTC+8,
 * and a new moon falling between 16:00 and 17:00 UTC lands on different days in the two, which
 * moves whole months (Tết 1968 was 29 January in Vietnam, 30 January in China; in 1985 the
 * eleventh month and with it Tết differ by a month: 21 January against 20 February).
 *
 * Families keep a martyr's ngày giỗ on the lunar day and month of the death, each year. A death
 * in a leap month (tháng nhuận) is remembered in the ordinary month of the same number, and a
 * death on the 30th, in a year whose month has 29 days, on its last day (the 29th).
 */

/** Vietnam's time zone, in hours, as the algorithm takes it. */
export const VIETNAM_TZ = 7;

export type LunarDate = { day: number; month: number; year: number; leap: boolean };

const floor = Math.floor;

/** Julian day number of a date of the Gregorian calendar (Julian before 15 October 1582). */
export function jdFromDate(dd: number, mm: number, yy: number): number {
  const a = floor((14 - mm) / 12);
  const y = yy + 4800 - a;
  const m = mm + 12 * a - 3;
  let jd = dd + floor((153 * m + 2) / 5) + 365 * y + floor(y / 4) - floor(y / 100) + floor(y / 400) - 32045;
  if (jd < 2299161) jd = dd + floor((153 * m + 2) / 5) + 365 * y + floor(y / 4) - 32083;
  return jd;
}

export function jdToDate(jd: number): { day: number; month: number; year: number } {
  let b: number;
  let c: number;
  if (jd > 2299160) {
    const a = jd + 32044;
    b = floor((4 * a + 3) / 146097);
    c = a - floor((b * 146097) / 4);
  } else {
    b = 0;
    c = jd + 32082;
  }
  const d = floor((4 * c + 3) / 1461);
  const e = c - floor((1461 * d) / 4);
  const m = floor((5 * e + 2) / 153);
  return { day: e - floor((153 * m + 2) / 5) + 1, month: m + 3 - 12 * floor(m / 10), year: b * 100 + d - 4800 + floor(m / 10) };
}

/** The day (Julian day number, local) of the k-th new moon after 1 January 1900. */
function newMoonDay(k: number, tz: number): number {
  const T = k / 1236.85;
  const T2 = T * T;
  const T3 = T2 * T;
  const dr = Math.PI / 180;
  let jd1 = 2415020.75933 + 29.53058868 * k + 0.0001178 * T2 - 0.000000155 * T3;
  jd1 += 0.00033 * Math.sin((166.56 + 132.87 * T - 0.009173 * T2) * dr);
  const M = 359.2242 + 29.10535608 * k - 0.0000333 * T2 - 0.00000347 * T3;
  const Mpr = 306.0253 + 385.81691806 * k + 0.0107306 * T2 + 0.00001236 * T3;
  const F = 21.2964 + 390.67050646 * k - 0.0016528 * T2 - 0.00000239 * T3;
  let C1 = (0.1734 - 0.000393 * T) * Math.sin(M * dr) + 0.0021 * Math.sin(2 * dr * M);
  C1 = C1 - 0.4068 * Math.sin(Mpr * dr) + 0.0161 * Math.sin(dr * 2 * Mpr);
  C1 = C1 - 0.0004 * Math.sin(dr * 3 * Mpr);
  C1 = C1 + 0.0104 * Math.sin(dr * 2 * F) - 0.0051 * Math.sin(dr * (M + Mpr));
  C1 = C1 - 0.0074 * Math.sin(dr * (M - Mpr)) + 0.0004 * Math.sin(dr * (2 * F + M));
  C1 = C1 - 0.0004 * Math.sin(dr * (2 * F - M)) - 0.0006 * Math.sin(dr * (2 * F + Mpr));
  C1 = C1 + 0.001 * Math.sin(dr * (2 * F - Mpr)) + 0.0005 * Math.sin(dr * (2 * Mpr + M));
  const deltat = T < -11 ? 0.001 + 0.000839 * T + 0.0002261 * T2 - 0.00000845 * T3 - 0.000000081 * T * T3 : -0.000278 + 0.000265 * T + 0.000262 * T2;
  return floor(jd1 + C1 - deltat + 0.5 + tz / 24);
}

/** Which of the 12 thirty-degree sectors the sun's longitude is in at the start of the day. */
function sunLongitudeSector(jdn: number, tz: number): number {
  const T = (jdn - 2451545.5 - tz / 24) / 36525;
  const T2 = T * T;
  const dr = Math.PI / 180;
  const M = 357.5291 + 35999.0503 * T - 0.0001559 * T2 - 0.00000048 * T * T2;
  const L0 = 280.46645 + 36000.76983 * T + 0.0003032 * T2;
  let DL = (1.9146 - 0.004817 * T - 0.000014 * T2) * Math.sin(dr * M);
  DL += (0.019993 - 0.000101 * T) * Math.sin(dr * 2 * M) + 0.00029 * Math.sin(dr * 3 * M);
  let L = (L0 + DL) * dr;
  L -= Math.PI * 2 * floor(L / (Math.PI * 2));
  return floor((L / Math.PI) * 6);
}

/** The first day of the eleventh lunar month (the one holding the winter solstice) of the year. */
function lunarMonth11(yy: number, tz: number): number {
  const off = jdFromDate(31, 12, yy) - 2415021;
  const k = floor(off / 29.530588853);
  const nm = newMoonDay(k, tz);
  return sunLongitudeSector(nm, tz) >= 9 ? newMoonDay(k - 1, tz) : nm;
}

/** In a 13-month year starting at a11, how many months after the eleventh the leap month (the one without a major solar term) comes. */
function leapMonthOffset(a11: number, tz: number): number {
  const k = floor((a11 - 2415021.076998695) / 29.530588853 + 0.5);
  let last: number;
  let i = 1;
  let arc = sunLongitudeSector(newMoonDay(k + i, tz), tz);
  do {
    last = arc;
    i++;
    arc = sunLongitudeSector(newMoonDay(k + i, tz), tz);
  } while (arc !== last && i < 14);
  return i - 1;
}

/** A solar date → its lunar date. */
export function solarToLunar(dd: number, mm: number, yy: number, tz = VIETNAM_TZ): LunarDate {
  const dayNumber = jdFromDate(dd, mm, yy);
  const k = floor((dayNumber - 2415021.076998695) / 29.530588853);
  let monthStart = newMoonDay(k + 1, tz);
  if (monthStart > dayNumber) monthStart = newMoonDay(k, tz);
  let a11 = lunarMonth11(yy, tz);
  let b11 = a11;
  let year: number;
  if (a11 >= monthStart) {
    year = yy;
    a11 = lunarMonth11(yy - 1, tz);
  } else {
    year = yy + 1;
    b11 = lunarMonth11(yy + 1, tz);
  }
  const day = dayNumber - monthStart + 1;
  const diff = floor((monthStart - a11) / 29);
  let leap = false;
  let month = diff + 11;
  if (b11 - a11 > 365) {
    const leapDiff = leapMonthOffset(a11, tz);
    if (diff >= leapDiff) {
      month = diff + 10;
      if (diff === leapDiff) leap = true;
    }
  }
  if (month > 12) month -= 12;
  if (month >= 11 && diff < 4) year -= 1;
  return { day, month, year, leap };
}

/** A lunar date → its solar date; undefined when that year has no such (leap) month. */
export function lunarToSolar(lunar: LunarDate, tz = VIETNAM_TZ): { day: number; month: number; year: number } | undefined {
  let a11: number;
  let b11: number;
  if (lunar.month < 11) {
    a11 = lunarMonth11(lunar.year - 1, tz);
    b11 = lunarMonth11(lunar.year, tz);
  } else {
    a11 = lunarMonth11(lunar.year, tz);
    b11 = lunarMonth11(lunar.year + 1, tz);
  }
  const k = floor(0.5 + (a11 - 2415021.076998695) / 29.530588853);
  let off = lunar.month - 11;
  if (off < 0) off += 12;
  if (b11 - a11 > 365) {
    const leapOff = leapMonthOffset(a11, tz);
    let leapMonth = leapOff - 2;
    if (leapMonth < 0) leapMonth += 12;
    if (lunar.leap && lunar.month !== leapMonth) return undefined;
    if (lunar.leap || off >= leapOff) off += 1;
  } else if (lunar.leap) {
    return undefined;
  }
  const monthStart = newMoonDay(k + off, tz);
  return jdToDate(monthStart + lunar.day - 1);
}

/** Days in a lunar month of a lunar year (29 or 30). */
export function lunarMonthLength(month: number, year: number, leap: boolean, tz = VIETNAM_TZ): number {
  const start = lunarToSolar({ day: 1, month, year, leap }, tz);
  if (!start) return 0;
  const day30 = jdFromDate(start.day, start.month, start.year) + 29;
  const d = jdToDate(day30);
  return solarToLunar(d.day, d.month, d.year, tz).day === 30 ? 30 : 29;
}

const CAN = ['Giáp', 'Ất', 'Bính', 'Đinh', 'Mậu', 'Kỷ', 'Canh', 'Tân', 'Nhâm', 'Quý'];
const CHI = ['Tý', 'Sửu', 'Dần', 'Mão', 'Thìn', 'Tỵ', 'Ngọ', 'Mùi', 'Thân', 'Dậu', 'Tuất', 'Hợi'];

/** The year's name in the sexagenary cycle: 1968 → "Mậu Thân". */
export function canChiYear(lunarYear: number): string {
  return `${CAN[(lunarYear + 6) % 10]} ${CHI[(lunarYear + 8) % 12]}`;
}

export type DeathAnniversary = {
  /** The lunar date of the death itself. */
  lunar: LunarDate;
  /** The next day the anniversary falls on (today included), by the solar calendar. */
  next: { day: number; month: number; year: number; lunarYear: number };
};

/**
 * The lunar date of a death and the next solar date its anniversary falls on, counted from `today`
 * (a date in Vietnam). Only for a full date: a month and year alone give no lunar day.
 */
export function deathAnniversary(death: { year: number; month: number; day: number }, today: { year: number; month: number; day: number }): DeathAnniversary {
  const lunar = solarToLunar(death.day, death.month, death.year);
  const todayJd = jdFromDate(today.day, today.month, today.year);
  const todayLunarYear = solarToLunar(today.day, today.month, today.year).year;
  for (let year = todayLunarYear - 1; year <= todayLunarYear + 1; year++) {
    const day = Math.min(lunar.day, lunarMonthLength(lunar.month, year, false));
    const solar = lunarToSolar({ day, month: lunar.month, year, leap: false })!;
    if (jdFromDate(solar.day, solar.month, solar.year) >= todayJd) return { lunar, next: { ...solar, lunarYear: year } };
  }
  throw new Error('unreachable: a lunar year holds every month');
}
