/**
 * Server-rendered pages: Handlebars templates in web/templates, each page wrapped in a layout.
 * Templates are compiled once and kept; partials and helpers are registered here only.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { ROOT_DIR } from '../config.js';
import { translate, type Locale } from '../i18n/messages.js';
import { assetUrl } from './assets.js';

const TEMPLATES_DIR = path.join(ROOT_DIR, 'web', 'templates');

const hbs = Handlebars.create();

hbs.registerHelper('t', function (this: unknown, key: string, options: Handlebars.HelperOptions) {
  const locale = (options.data?.root?.locale ?? 'vi') as Locale;
  return translate(locale, key, options.hash as Record<string, unknown>);
});
hbs.registerHelper('number', (value: unknown, options: Handlebars.HelperOptions) => {
  const locale = (options.data?.root?.locale ?? 'vi') as Locale;
  return typeof value === 'number' ? value.toLocaleString(locale === 'vi' ? 'vi-VN' : 'en-GB') : '';
});
hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
/** For a URL inside another URL's query (Facebook's sharer); Handlebars escapes the result for HTML. */
hbs.registerHelper('encodeUri', (value: unknown) => (typeof value === 'string' ? encodeURIComponent(value) : ''));
/** {{asset "/static/styles.css"}}: the file's content-hashed URL (cached for good). */
hbs.registerHelper('asset', (plain: string) => assetUrl(plain));

for (const file of readdirSync(path.join(TEMPLATES_DIR, 'partials'))) {
  if (file.endsWith('.hbs')) {
    hbs.registerPartial(path.basename(file, '.hbs'), readFileSync(path.join(TEMPLATES_DIR, 'partials', file), 'utf8'));
  }
}

const compiled = new Map<string, Handlebars.TemplateDelegate>();

function template(name: string): Handlebars.TemplateDelegate {
  let t = compiled.get(name);
  if (!t) {
    t = hbs.compile(readFileSync(path.join(TEMPLATES_DIR, `${name}.hbs`), 'utf8'), { strict: false });
    compiled.set(name, t);
  }
  return t;
}

export type PageContext = {
  locale: Locale;
  title: string;
  /** Path and query of this page, for the language switch and canonical links. */
  currentPath: string;
  canonicalUrl?: string;
  [key: string]: unknown;
};

/** Renders pages/<name> inside layouts/main. */
export function renderPage(name: string, context: PageContext): string {
  const body = template(`pages/${name}`)(context);
  return template('layouts/main')({ ...context, body });
}
