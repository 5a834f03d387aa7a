/**
 * Interface strings live in web/messages/{vi,en}.json; Vietnamese is the default language and the
 * fallback for any key English lacks.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT_DIR } from '../config.js';

export const LOCALES = ['vi', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'vi';

type Messages = Record<string, string>;

const catalogues: Record<Locale, Messages> = Object.fromEntries(
  LOCALES.map((locale) => [locale, JSON.parse(readFileSync(path.join(ROOT_DIR, 'web', 'messages', `${locale}.json`), 'utf8')) as Messages]),
) as Record<Locale, Messages>;

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

/** The message for a key, with {name} placeholders filled in; the key itself when nothing has it. */
export function translate(locale: Locale, key: string, params: Record<string, unknown> = {}): string {
  const template = catalogues[locale][key] ?? catalogues[DEFAULT_LOCALE][key] ?? key;
  return template.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? ''));
}

export function messageKeys(locale: Locale): string[] {
  return Object.keys(catalogues[locale]);
}
