import { z } from 'zod';

/** Whether "YYYY-MM-DD" names a day that exists (no 2024-13-45, no 2023-02-29) in years PostgreSQL and people use. */
function isCalendarDate(text: string): boolean {
  const [year, month, day] = text.split('-').map(Number) as [number, number, number];
  if (year < 1000 || month < 1 || month > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** A calendar date in a filter, as `<input type="date">` sends it; an impossible one is a 400, not PostgreSQL's error. */
export const calendarDateParam = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date written YYYY-MM-DD')
  .refine(isCalendarDate, 'must be a date that exists');
