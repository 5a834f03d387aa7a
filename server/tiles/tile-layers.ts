/**
 * The vector-tile layers served from PostGIS. Each layer's SQL lives in tiles/layers/<name>.sql,
 * read once at start-up; a layer may carry several MVT layers (named in vectorLayers).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT_DIR } from '../config.js';

export type VectorLayer = { id: string; description: string; minzoom: number; maxzoom: number; fields: Record<string, string> };

export type TileLayer = {
  name: string;
  description: string;
  minzoom: number;
  maxzoom: number;
  /** Seconds a browser may keep a tile without asking again; data layers revalidate with their ETag. */
  maxAge: number;
  /** Whether tiles may be kept in the process: only for layers built from reference data, which never changes at run time. */
  cacheable: boolean;
  vectorLayers: VectorLayer[];
  /** West, south, east, north: MapLibre asks for no tile outside them. */
  bounds: [number, number, number, number];
  /**
   * The SQL for each band of zooms. A layer whose content changes with the zoom has one query per
   * band, so PostgreSQL plans and runs only what a tile at that zoom needs.
   */
  bands: Array<{ minzoom: number; maxzoom: number; sql: string }>;
};

const sql = (name: string) => readFileSync(path.join(ROOT_DIR, 'tiles', 'layers', `${name}.sql`), 'utf8');

export const MAX_ZOOM = 22;

/** Vietnam, its islands included: where graves and cemeteries can be. */
export const DATA_BOUNDS: [number, number, number, number] = [102.1, 6.0, 117.9, 23.5];
/** What the basemap covers: Vietnam and enough of its neighbours and seas that no edge shows. */
export const BASEMAP_BOUNDS: [number, number, number, number] = [86, -6, 130, 32];

export const TILE_LAYERS: Record<string, TileLayer> = {
  graves: {
    name: 'graves',
    description: 'Martyrs’ graves: counts per province (z0-7), per cemetery (z8-12), on a grid (z13-14); every grave from z15.',
    minzoom: 0,
    maxzoom: MAX_ZOOM,
    maxAge: 0,
    cacheable: false,
    vectorLayers: [
      { id: 'grave-counts', description: 'Grave counts', minzoom: 0, maxzoom: 14, fields: { level: 'String', key: 'String', name: 'String', total: 'Number', unidentified: 'Number' } },
      { id: 'graves', description: 'Graves', minzoom: 15, maxzoom: MAX_ZOOM, fields: { state: 'String', collective: 'Boolean', cemetery: 'Number', photo: 'Boolean', name: 'String', plot: 'String' } },
    ],
    bounds: DATA_BOUNDS,
    bands: [
      { minzoom: 0, maxzoom: 7, sql: sql('graves-z0-7') },
      { minzoom: 8, maxzoom: 12, sql: sql('graves-z8-12') },
      { minzoom: 13, maxzoom: 14, sql: sql('graves-z13-14') },
      { minzoom: 15, maxzoom: MAX_ZOOM, sql: sql('graves-z15') },
    ],
  },
  cemeteries: {
    name: 'cemeteries',
    description: 'Martyrs’ cemeteries as points, their boundaries from z13 and their sections from z15.',
    minzoom: 0,
    maxzoom: MAX_ZOOM,
    maxAge: 0,
    cacheable: false,
    vectorLayers: [
      { id: 'cemeteries', description: 'Cemeteries', minzoom: 0, maxzoom: MAX_ZOOM, fields: { name: 'String', level: 'String', province: 'String', identified: 'Number', unidentified: 'Number' } },
      { id: 'cemetery-areas', description: 'Cemetery boundaries', minzoom: 13, maxzoom: MAX_ZOOM, fields: { name: 'String' } },
      { id: 'cemetery-sections', description: 'Sections (khu / lô)', minzoom: 15, maxzoom: MAX_ZOOM, fields: { cemetery: 'Number', code: 'String', kind: 'String' } },
    ],
    bounds: DATA_BOUNDS,
    bands: [{ minzoom: 0, maxzoom: MAX_ZOOM, sql: sql('cemeteries') }],
  },
  basemap: {
    name: 'basemap',
    description: 'Offline basemap: land, neighbouring countries, rivers, provinces since July 2025 and before, districts before 2025, labels.',
    minzoom: 0,
    maxzoom: 16,
    maxAge: 86_400,
    cacheable: true,
    vectorLayers: [
      { id: 'countries', description: 'Neighbouring countries', minzoom: 0, maxzoom: 16, fields: { code: 'String' } },
      { id: 'land', description: 'Land', minzoom: 0, maxzoom: 16, fields: {} },
      { id: 'rivers', description: 'Rivers (WDBII levels 1-2 from z6, 3 from z8, 4 from z10, 5 from z11)', minzoom: 6, maxzoom: 16, fields: { level: 'Number' } },
      { id: 'provinces', description: 'Provinces since 1 July 2025', minzoom: 0, maxzoom: 16, fields: { code: 'String', name: 'String' } },
      { id: 'provinces-2024', description: 'Provinces before 1 July 2025', minzoom: 0, maxzoom: 16, fields: { code: 'String', name: 'String' } },
      { id: 'districts-2024', description: 'Districts before 1 July 2025', minzoom: 8, maxzoom: 16, fields: { code: 'String', name: 'String' } },
      { id: 'labels', description: 'Place labels: province, province-2024, district (z8+), country, sea, islands', minzoom: 0, maxzoom: 16, fields: { kind: 'String', name: 'String', name_en: 'String' } },
    ],
    bounds: BASEMAP_BOUNDS,
    bands: [{ minzoom: 0, maxzoom: 16, sql: sql('basemap') }],
  },
};


/** The query that makes a layer's tile at zoom z. */
export function tileSql(layer: TileLayer, z: number): string {
  const band = layer.bands.find((b) => z >= b.minzoom && z <= b.maxzoom);
  if (!band) throw new Error(`layer ${layer.name} has no SQL for zoom ${z}`);
  return band.sql;
}
