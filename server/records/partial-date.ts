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
