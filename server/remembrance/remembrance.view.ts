/** What a martyr's page shows of remembrance and of the death anniversary. */
import type { Db } from '../db/knex.js';
import { translate, type Locale } from '../i18n/messages.js';
import { canChiYear, deathAnniversary } from '../records/lunar-date.js';
import { localDateTime, PORTAL_TIME_ZONE } from '../views/local-time.js';
import { remembranceOf } from './remembrance.service.js';

export async function remembranceView(db: Db, martyrId: number, locale: Locale, flags: { incense?: unknown; message?: unknown }) {
  const { sticks, messages } = await remembranceOf(db, martyrId);
  const notice = flags.incense === 'lit' ? translate(locale, 'remember.lit') : flags.incense === 'already' ? translate(locale, 'remember.litAlready') : flags.message === 'sent' ? translate(locale, 'remember.sent') : undefined;
  return {
    sticks,
    notice,
    messages: messages.map((m) => ({ body: m.body, author: m.author_name, at: localDateTime(m.created_at).slice(0, 10), datetime: m.created_at.toISOString() })),
  };
}

const todayInVietnam = (now: Date) => {
  const [day, month, year] = new Intl.DateTimeFormat('en-GB', { timeZone: PORTAL_TIME_ZONE, day: '2-digit', month: '2-digit', year: 'numeric' }).format(now).split('/').map(Number) as [number, number, number];
  return { day, month, year };
};

const two = (n: number) => String(n).padStart(2, '0');

/** The ngày giỗ beside a full date of death: the lunar date and this year's solar day; null for a partial date. */
export function anniversaryView(death: { year: number | null; month: number | null; day: number | null }, locale: Locale, now = new Date()) {
  if (death.year === null || death.month === null || death.day === null) return null;
  const a = deathAnniversary({ year: death.year, month: death.month, day: death.day }, todayInVietnam(now));
  return {
    lunar: translate(locale, 'anniversary.value', { day: a.lunar.day, month: a.lunar.month, leap: a.lunar.leap ? translate(locale, 'anniversary.leap') : '', year: canChiYear(a.lunar.year) }),
    next: translate(locale, 'anniversary.next', { date: `${two(a.next.day)}/${two(a.next.month)}/${a.next.year}` }),
    nextIso: `${a.next.year}-${two(a.next.month)}-${two(a.next.day)}`,
    leapNote: a.lunar.leap ? translate(locale, 'anniversary.leapNote', { month: a.lunar.month }) : null,
  };
}
