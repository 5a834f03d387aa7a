/**
 * How provincial records write a value, read into what the records store. Each parser returns the
 * value or a RowProblem (a reason in plain Vietnamese, with its English key); never a guess.
 */
import { foldVietnamese, nfc } from '../text/vietnamese.js';

export type Problem = { problem: string };
export const isProblem = (v: unknown): v is Problem => typeof v === 'object' && v !== null && 'problem' in v;

export type PartialDateValue = { year: number; month: number | null; day: number | null };

/** Excel's day 0 is 1899-12-30 (its 1900 leap-year bug included). */
const EXCEL_EPOCH_MS = Date.UTC(1899, 11, 30);
const DAY_MS = 86_400_000;

function checkDate(year: number, month: number | null, day: number | null): PartialDateValue | Problem {
  if (year < 1800 || year > 2100) return { problem: 'date_year' };
  if (month !== null && (month < 1 || month > 12)) return { problem: 'date_month' };
  if (day !== null && (month === null || day < 1 || day > new Date(Date.UTC(year, month, 0)).getUTCDate())) return { problem: 'date_day' };
  return { year, month, day };
}

function fromJsDate(d: Date): PartialDateValue | Problem {
  if (Number.isNaN(d.getTime())) return { problem: 'date_unreadable' };
  return checkDate(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
}

/**
 * Partial dates as records write them: "12/8/1972", "12-08-1972", "12.8.1972", "8/1972", "1972",
 * "T8/1972", "tháng 8 năm 1972", "ngày 12 tháng 8 năm 1972", ISO "1972-08-12", Excel serial numbers
 * and date cells. "không rõ" and empty are no date (null). Anything else is a problem, never a
 * made-up 1 January.
 */
export function parseRecordDate(value: unknown): PartialDateValue | null | Problem {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return fromJsDate(value);
  if (typeof value === 'number') {
    // A bare year typed in a number cell, or an Excel serial date (1900-01-01 … 2100).
    if (Number.isInteger(value) && value >= 1800 && value <= 2100) return { year: value, month: null, day: null };
    if (value > 2100 && value < 73_051) return fromJsDate(new Date(EXCEL_EPOCH_MS + Math.round(value) * DAY_MS));
    return { problem: 'date_unreadable' };
  }
  const text = nfc(String(value)).trim().replace(/\s+/g, ' ');
  if (!text) return null;
  const folded = foldVietnamese(text).replace(/[.,;]+$/, '');
  if (/^(khong ro|chua ro|k\.?r|kr|\?+|-+|x)$/.test(folded)) return null;
  let m: RegExpExecArray | null;
  if ((m = /^(\d{4})$/.exec(folded))) return checkDate(Number(m[1]), null, null);
  if ((m = /^(?:nam\s*)?(\d{4})$/.exec(folded))) return checkDate(Number(m[1]), null, null);
  if ((m = /^(?:ngay\s*)?(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})$/.exec(folded))) return checkDate(Number(m[3]), Number(m[2]), Number(m[1]));
  if ((m = /^(?:t|th|thang)?\s*(\d{1,2})\s*[/.-]\s*(\d{4})$/.exec(folded))) return checkDate(Number(m[2]), Number(m[1]), null);
  if ((m = /^(?:ngay\s*(\d{1,2})\s*)?thang\s*(\d{1,2})\s*(?:nam|\/|-)?\s*(\d{4})$/.exec(folded))) return checkDate(Number(m[3]), Number(m[2]), m[1] ? Number(m[1]) : null);
  if ((m = /^(\d{4})-(\d{1,2})(?:-(\d{1,2}))?$/.exec(folded))) return checkDate(Number(m[1]), Number(m[2]), m[3] ? Number(m[3]) : null);
  // An ISO timestamp as CSV exports of date cells write it.
  if ((m = /^(\d{4})-(\d{2})-(\d{2})t00:00:00(?:\.000)?z?$/.exec(folded))) return checkDate(Number(m[1]), Number(m[2]), Number(m[3]));
  return { problem: 'date_unreadable' };
}

/**
 * Names: NFC, spaces tidied; the case is changed only when the whole cell is in capitals or in
 * small letters ("NGUYỄN VĂN THÀNH" → "Nguyễn Văn Thành"); a mixed-case name ("Y Bih", "K'sor")
 * stays exactly as written.
 */
export function normaliseName(value: string): string {
  const text = nfc(value).replace(/\s+/g, ' ').trim();
  const letters = text.replace(/[^\p{L}]/gu, '');
  const allUpper = letters === letters.toUpperCase() && letters !== letters.toLowerCase();
  const allLower = letters === letters.toLowerCase() && letters !== letters.toUpperCase();
  if (!allUpper && !allLower) return text;
  return text
    .toLowerCase()
    .split(' ')
    .map((w) => (w ? w[0]!.toUpperCase() + w.slice(1) : w))
    .join(' ');
}

export type Plot = { section: string | null; sectionKind: 'khu' | 'lo'; row: string | null; number: string | null };

const PLOT_PART = '([0-9A-Za-z]{1,20})';

/**
 * Plots as cemeteries write them: "Khu A, hàng 3, mộ số 12", "A-3-12", "A/3/12", "Lô B2 H5 M17",
 * "Khu A hàng 3 số 12", "hàng 3 mộ 12".
 */
export function parsePlot(value: string): Plot | Problem {
  const text = nfc(value).trim();
  if (!text) return { section: null, sectionKind: 'khu', row: null, number: null };
  const f = foldVietnamese(text).replace(/\s+/g, ' ');
  let m: RegExpExecArray | null;
  if ((m = new RegExp(`^${PLOT_PART}\\s*[-/.]\\s*${PLOT_PART}\\s*[-/.]\\s*${PLOT_PART}$`, 'i').exec(f))) {
    return { section: m[1]!.toUpperCase(), sectionKind: 'khu', row: m[2]!.toUpperCase(), number: m[3]!.toUpperCase() };
  }
  const section = /(?:^|[\s,;])(khu|lo|k|l)\.?\s*([0-9a-z]{1,20})(?=$|[\s,;])/i.exec(f);
  const row = /(?:^|[\s,;])(hang|h)\.?\s*([0-9a-z]{1,20})(?=$|[\s,;])/i.exec(f);
  const number = /(?:^|[\s,;])(mo so|mo|so mo|so|m)\.?\s*(?:so\s*)?([0-9a-z]{1,20})(?=$|[\s,;])/i.exec(f);
  if (!row && !number && !section) return { problem: 'plot_unreadable' };
  // Every word must belong to one of the parts: "Khu A gần cổng" is not a plot we can read.
  const used = [section, row, number].filter(Boolean).map((x) => x![0].trim());
  let rest = f;
  for (const u of used) rest = rest.replace(u, ' ');
  if (rest.replace(/[\s,;.:]+/g, '')) return { problem: 'plot_unreadable' };
  return {
    section: section ? section[2]!.toUpperCase() : null,
    sectionKind: section && /^l/i.test(section[1]!) ? 'lo' : 'khu',
    row: row ? row[2]!.toUpperCase() : null,
    number: number ? number[2]!.toUpperCase() : null,
  };
}

export type LatLng = { lat: number; lng: number };

/** Vietnam with its islands, generously: a WGS84 point outside this is a typing error. */
const inVietnam = (p: LatLng) => p.lat >= 6 && p.lat <= 24 && p.lng >= 100 && p.lng <= 118;

function dms(deg: string, min?: string, sec?: string, hemi?: string): number {
  const v = Number(deg) + (min ? Number(min) / 60 : 0) + (sec ? Number(sec.replace(',', '.')) / 3600 : 0);
  return hemi && /[SWsw]/.test(hemi) ? -v : v;
}

/**
 * Coordinates in WGS84: decimal ("21.0285, 105.8542", "21,0285 105,8542") or degrees-minutes-
 * seconds ("21°01'42.6\"N 105°51'15.1\"E"). Pairs in the hundreds of thousands of metres are
 * VN-2000 projected coordinates: recognised and refused (a later issue adds the transformation).
 */
export function parseCoordinates(value: unknown): LatLng | null | Problem {
  if (value === null || value === undefined) return null;
  const text = String(value).trim();
  if (!text) return null;
  const dmsRe = /(\d{1,3})\s*[°º]\s*(?:(\d{1,2})\s*['′’]\s*)?(?:(\d{1,2}(?:[.,]\d+)?)\s*(?:["″”]|''))?\s*([NSEW])?/gi;
  const parts = [...text.matchAll(dmsRe)];
  if (parts.length === 2) {
    const [a, b] = parts.map((p) => ({ v: dms(p[1]!, p[2], p[3], p[4]), hemi: (p[4] ?? '').toUpperCase() }));
    let point = { lat: a!.v, lng: b!.v };
    if (a!.hemi === 'E' || a!.hemi === 'W') point = { lat: b!.v, lng: a!.v };
    return inVietnam(point) ? point : { problem: 'coordinates_outside' };
  }
  // Decimal comma inside a number ("21,0285 105,8542") versus a comma between the two.
  const numbers = /^\s*(-?\d+(?:[.,]\d+)?)\s*[,;\s]\s*(-?\d+(?:[.,]\d+)?)\s*$/.exec(text.includes(';') || /\d,\d+\s+\d/.test(text) ? text : text.replace(/,\s*/, ' '));
  if (!numbers) return { problem: 'coordinates_unreadable' };
  const x = Number(numbers[1]!.replace(',', '.'));
  const y = Number(numbers[2]!.replace(',', '.'));
  if (Math.abs(x) > 1000 || Math.abs(y) > 1000) return { problem: 'coordinates_vn2000' };
  let point = { lat: x, lng: y };
  if (!inVietnam(point) && inVietnam({ lat: y, lng: x })) point = { lat: y, lng: x };
  return inVietnam(point) ? point : { problem: 'coordinates_outside' };
}

/** Whether a confidentiality cell says the record is confidential ("mật", "x", "có", "1"). */
export function parseConfidential(value: unknown): boolean | Problem {
  if (value === null || value === undefined) return false;
  if (typeof value === 'boolean') return value;
  const f = foldVietnamese(String(value)).trim();
  if (!f || /^(khong|0|no|false|cong khai|binh thuong|-)$/.test(f)) return false;
  if (/^(mat|toi mat|tuyet mat|bao mat|x|co|1|yes|true|khong cong khai)$/.test(f)) return true;
  return { problem: 'confidential_unreadable' };
}

/** Gender cells: "Nam", "Nữ", "M", "F". */
export function parseGender(value: unknown): 'male' | 'female' | null | Problem {
  if (value === null || value === undefined) return null;
  const f = foldVietnamese(String(value)).trim();
  if (!f) return null;
  if (/^(nam|m|male|trai)$/.test(f)) return 'male';
  if (/^(nu|f|female|gai)$/.test(f)) return 'female';
  return { problem: 'gender_unreadable' };
}
