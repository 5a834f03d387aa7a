/**
 * Times as people in Vietnam read them: Vietnam's clock (Asia/Ho_Chi_Minh, UTC+7 all year) and
 * dd/mm/yyyy hh:mm, like the dates on the records, whatever the server's own time zone.
 */
export const PORTAL_TIME_ZONE = 'Asia/Ho_Chi_Minh';

const parts = new Intl.DateTimeFormat('en-GB', {
  timeZone: PORTAL_TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

/** 2026-12-01T08:11Z → "01/12/2026 15:11"; '' for a missing or invalid time. */
export function localDateTime(value: Date | string | null | undefined): string {
  if (value === null || value === undefined) return '';
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return '';
  const p = Object.fromEntries(parts.formatToParts(date).map((x) => [x.type, x.value]));
  return `${p.day}/${p.month}/${p.year} ${p.hour}:${p.minute}`;
}
