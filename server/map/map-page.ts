/**
 * The map page's shell: a server-rendered page that is a usable search form without JavaScript,
 * and the data the bundle (web/src/map) starts from — its strings and settings — as JSON blocks.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT_DIR } from '../config.js';
import { catalogue, type Locale } from '../i18n/messages.js';
import type { ProvinceCatalogue } from '../places/province-catalogue.js';
import { jsonBlock } from './json-block.js';

/** Where scripts/build-web.ts writes the bundle and its manifest. */
export const BUILD_DIR = path.join(ROOT_DIR, 'web', 'static', 'build');

export type MapAssets = { script: string; maplibre: string; maplibreCss: string };

/** Asset URLs with a version from the build's manifest, so a new build is never hidden by a cache. */
export function mapAssets(): MapAssets {
  const plain: MapAssets = { script: '/static/build/map.js', maplibre: '/static/build/maplibre-gl.mjs', maplibreCss: '/static/build/maplibre-gl.css' };
  const manifest = path.join(BUILD_DIR, 'manifest.json');
  if (!existsSync(manifest)) return plain;
  return { ...plain, ...(JSON.parse(readFileSync(manifest, 'utf8')) as Partial<MapAssets>) };
}

/** The strings the bundle shows: every `map.` and `search.` message of the page's language. */
export function mapMessages(locale: Locale): Record<string, string> {
  return Object.fromEntries(Object.entries(catalogue(locale)).filter(([key]) => key.startsWith('map.') || key.startsWith('search.')));
}

/** What the bundle needs to start: where the style is, and the provinces for the filter. */
export type MapClientConfig = {
  locale: Locale;
  styleUrl: string;
  provinces: { code: string; name: string }[];
  onlineBasemap: boolean;
};

export function mapPageContext(options: { locale: Locale; provinces: ProvinceCatalogue; onlineBasemap: boolean; assets: MapAssets }) {
  const config: MapClientConfig = {
    locale: options.locale,
    styleUrl: '/ban-do/style.json',
    provinces: options.provinces.current.map((p) => ({ code: p.code, name: p.name })).sort((a, b) => a.name.localeCompare(b.name, 'vi')),
    onlineBasemap: options.onlineBasemap,
  };
  return {
    assets: options.assets,
    messagesJson: jsonBlock(mapMessages(options.locale)),
    configJson: jsonBlock(config),
  };
}
