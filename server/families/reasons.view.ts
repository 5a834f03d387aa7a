/** Reasons and candidate graves in the reader's language, for the tracking and review pages. */
import { translate, type Locale } from '../i18n/messages.js';
import { displayPartialDate } from '../records/partial-date.js';
import type { Reason } from './score.js';

export function reasonTexts(locale: Locale, reasons: unknown): Array<{ text: string; points: string; positive: boolean; negative: boolean }> {
  const list = (Array.isArray(reasons) ? reasons : []) as Reason[];
  return list.map((r) => ({
    text: translate(locale, `families.reason.${r.code}`, r.params ?? {}),
    points: r.points > 0 ? `+${r.points}` : String(r.points),
    positive: r.points > 0,
    negative: r.points < 0,
  }));
}

export const dateText = (y: number | null, m: number | null, d: number | null) => displayPartialDate(y, m, d);
