/**
 * The MapLibre style (tiles/style.json) as the browser gets it: MapLibre needs absolute URLs for
 * the TileJSON of each vector source, so the origin is filled in per request. An online raster
 * basemap, when one is configured, is added as one more source and layer (off by default: the
 * portal's own basemap works with no outside service).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT_DIR } from '../config.js';

type Layer = { id: string; [key: string]: unknown };
type Source = { type: string; url?: string; [key: string]: unknown };
export type MapStyle = { version: 8; metadata?: Record<string, unknown>; sources: Record<string, Source>; layers: Layer[]; [key: string]: unknown };

const STYLE_FILE = path.join(ROOT_DIR, 'tiles', 'style.json');

/** Read once: the file changes only with a deploy. */
const template = JSON.parse(readFileSync(STYLE_FILE, 'utf8')) as MapStyle;

/** The layer an online basemap goes over: the land, so it lies below every line and point. */
const ONLINE_BASEMAP_AFTER = String(template.metadata?.['mo-liet-si:online-basemap-after'] ?? 'land');

/**
 * The style with `origin` (e.g. "https://mo.example.vn") before every root-relative source URL,
 * and with `onlineBasemapUrl` (an XYZ raster template with {z}/{x}/{y}) drawn over the land.
 */
export function mapStyle(origin: string, onlineBasemapUrl?: string): MapStyle {
  const style = structuredClone(template);
  for (const source of Object.values(style.sources)) {
    if (typeof source.url === 'string' && source.url.startsWith('/')) source.url = `${origin}${source.url}`;
  }
  if (onlineBasemapUrl) {
    style.sources['online-basemap'] = { type: 'raster', tiles: [onlineBasemapUrl], tileSize: 256, maxzoom: 19 };
    const after = style.layers.findIndex((layer) => layer.id === ONLINE_BASEMAP_AFTER);
    style.layers.splice(after + 1, 0, { id: 'online-basemap', type: 'raster', source: 'online-basemap' });
  }
  return style;
}

/** The origin of an online basemap template ("https://tile.example.org/{z}/{x}/{y}.png" → "https://tile.example.org"), for the CSP. */
export function basemapOrigin(onlineBasemapUrl: string): string {
  return new URL(onlineBasemapUrl).origin;
}
