/** A partial date as written: "1948", "1948-05" or "1948-05-12"; never an invented day or month. */
export function formatPartialDate(year: number | null, month: number | null, day: number | null): string | null {
  if (year === null || year === undefined) return null;
  if (month === null || month === undefined) return String(year);
  const mm = String(month).padStart(2, '0');
  if (day === null || day === undefined) return `${year}-${mm}`;
  return `${year}-${mm}-${String(day).padStart(2, '0')}`;
}

/** The same date the way Vietnamese records write it: "1948", "05/1948", "12/05/1948". */
export function displayPartialDate(year: number | null, month: number | null, day: number | null): string | null {
  if (year === null || year === undefined) return null;
  if (month === null || month === undefined) return String(year);
  const mm = String(month).padStart(2, '0');
  if (day === null || day === undefined) return `${mm}/${year}`;
  return `${String(day).padStart(2, '0')}/${mm}/${year}`;
}

export type PartialDate = { year: number; month: number | null; day: number | null };

/**
 * What people type for a date they know in part: "1948", "5/1948", "05/1948", "12/5/1948",
 * "1948-05", "1948-05-12". Undefined when it is not a real (partial) date.
 */
export function parsePartialDate(text: string): PartialDate | undefined {
  const value = text.trim();
  let year: number;
  let month: number | null = null;
  let day: number | null = null;
  let m: RegExpExecArray | null;
  if ((m = /^(\d{4})$/.exec(value))) year = Number(m[1]);
  else if ((m = /^(\d{1,2})[/.-](\d{4})$/.exec(value))) [month, year] = [Number(m[1]), Number(m[2])];
  else if ((m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(value))) [day, month, year] = [Number(m[1]), Number(m[2]), Number(m[3])];
  else if ((m = /^(\d{4})-(\d{1,2})$/.exec(value))) [year, month] = [Number(m[1]), Number(m[2])];
  else if ((m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(value))) [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  else return undefined;
  if (year < 1800 || year > 2100) return undefined;
  if (month !== null && (month < 1 || month > 12)) return undefined;
  if (day !== null && (day < 1 || day > new Date(Date.UTC(year, month!, 0)).getUTCDate())) return undefined;
  return { year, month, day };
}
