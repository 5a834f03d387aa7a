/**
 * The page's strings, rendered by the server into `<script type="application/json" id="messages">`
 * from web/messages/<locale>/map.json: the bundle holds no text of its own.
 */
import { resultCountKey } from '../../../server/search/result-count.js';

let messages: Record<string, string> = {};
let locale = 'vi';

export function loadMessages(doc: Document, pageLocale: string): void {
  messages = readJson<Record<string, string>>(doc, 'messages') ?? {};
  locale = pageLocale;
}

/** The message for `key` with {name} placeholders filled; the key itself when it is missing. */
export function t(key: string, params: Record<string, string | number> = {}): string {
  const template = messages[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? ''));
}

/** "1.234" in Vietnamese, "1,234" in English: also in the count bubbles, where "1,2 N" puzzled people. */
export function formatNumber(value: number): string {
  return value.toLocaleString(locale === 'vi' ? 'vi-VN' : 'en-GB');
}

/** The page's language, "vi" or "en". */
export function pageLocale(): string {
  return locale;
}

/** The count of results, said the way the page says it ("1 result", "12 results for “x”"). */
export function resultCount(total: number, q: string): string {
  if (total === 0) return t('search.none');
  return t(resultCountKey(total, q), { count: formatNumber(total), q });
}

/** "1948-05-12" → "12/05/1948", "1948-05" → "05/1948": the way records write dates. */
export function displayDate(iso: string | null | undefined): string | null {
  if (!iso) return null;
  const [year, month, day] = iso.split('-');
  return [day, month, year].filter(Boolean).join('/');
}

export function readJson<T>(doc: Document, id: string): T | undefined {
  const text = doc.getElementById(id)?.textContent;
  if (!text) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}
