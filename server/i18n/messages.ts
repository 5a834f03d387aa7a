/**
 * Interface strings live in web/messages/<locale>/*.json, one file per area of the portal, merged;
 * Vietnamese is the default language and the fallback for any key English lacks.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT_DIR } from '../config.js';

export const LOCALES = ['vi', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'vi';

type Messages = Record<string, string>;

const MESSAGES_DIR = path.join(ROOT_DIR, 'web', 'messages');

function loadCatalogue(locale: Locale): Messages {
  const dir = path.join(MESSAGES_DIR, locale);
  const merged: Messages = {};
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    for (const [key, value] of Object.entries(JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as Messages)) {
      if (key in merged) throw new Error(`message key ${key} is defined twice in web/messages/${locale}`);
      merged[key] = value;
    }
  }
  return merged;
}

const catalogues: Record<Locale, Messages> = Object.fromEntries(LOCALES.map((locale) => [locale, loadCatalogue(locale)])) as Record<Locale, Messages>;

/** Every catalogue, for the browser bundle (the map page reads its strings from the same files). */
export function catalogue(locale: Locale): Readonly<Messages> {
  return catalogues[locale];
}

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
