/**
 * Writes the offline basemap's outside data into seeds/data/basemap/, once, by hand (a clone needs
 * the files, not this script): `npx tsx scripts/basemap-extract.ts`.
 * - countries.geojson: Vietnam's neighbours from Natural Earth 1:10m (npm `world-atlas`), clipped
 *   to the region the map can show, with their Vietnamese and English names;
 * - rivers.geojson: WDBII rivers (levels 1-5: river-lakes, permanent major, additional major,
 *   additional and minor rivers; not the intermittent ones or canals) from Debian's `gmt-gshhg-high`, read through GMT
 *   (`apt-get install gmt gmt-gshhg-high`); skipped with a line saying so when GMT is absent.
 * seeds/data/SOURCES.md records the sources and licences.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bboxClip, simplify, truncate } from '@turf/turf';
import type { Feature, MultiPolygon, Polygon } from 'geojson';
import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import { BASEMAP_REGION, NEIGHBOURS } from '../seeds/reference/basemap-names.js';

const OUT = path.join(import.meta.dirname, '..', 'seeds', 'data', 'basemap');
const require = createRequire(import.meta.url);

/**
 * Hoàng Sa (the Paracels), which Natural Earth draws inside China's polygon: cut out of it, since
 * the map draws them, from the province boundaries, as Vietnam's (Đà Nẵng).
 */
const HOANG_SA: [number, number, number, number] = [110.9, 15.5, 113.0, 17.4];

const inside = (ring: number[][], [w, s, e, n]: [number, number, number, number]) => ring.every(([x, y]) => x! >= w && x! <= e && y! >= s && y! <= n);

function countries() {
  const topology = require('world-atlas/countries-10m.json') as Topology;
  const all = feature(topology, topology.objects.countries as GeometryCollection) as unknown as { features: Feature<Polygon | MultiPolygon, { name: string }>[] };
  const out: Feature[] = [];
  for (const f of all.features) {
    const names = NEIGHBOURS[f.properties.name];
    if (!names || !f.geometry) continue;
    const clipped = bboxClip(f, BASEMAP_REGION).geometry as Polygon | MultiPolygon;
    // Clipping leaves empty or degenerate rings; the islands of Hoàng Sa are polygons of their own.
    const polygons = (clipped.type === 'Polygon' ? [clipped.coordinates] : clipped.coordinates)
      .map((rings) => rings.filter((ring) => ring.length >= 4))
      .filter((rings) => rings.length > 0 && !(names.code === 'CN' && inside(rings[0]!, HOANG_SA)));
    if (!polygons.length) continue;
    let shape: Feature<Polygon | MultiPolygon> = { type: 'Feature', properties: {}, geometry: { type: 'MultiPolygon', coordinates: polygons } };
    // About 100 m: finer than any zoom the neighbours need, and a tenth of the size.
    shape = truncate(simplify(shape, { tolerance: 0.001, highQuality: false }), { precision: 4 });
    out.push({ type: 'Feature', properties: { code: names.code, name_vi: names.vi, name_en: names.en }, geometry: shape.geometry });
  }
  return out;
}

function rivers(): Feature[] | null {
  const [w, s, e, n] = BASEMAP_RIVER_REGION;
  let text: string;
  try {
    // In a temporary folder: GMT leaves a gmt.history file wherever it runs.
    text = execFileSync('gmt', ['coast', `-R${w}/${e}/${s}/${n}`, '-Dh', '-I1', '-I2', '-I3', '-I4', '-I5', '-M'], { encoding: 'utf8', maxBuffer: 64 << 20, cwd: tmpdir() });
  } catch {
    return null;
  }
  const out: Feature[] = [];
  let level = 0;
  let line: [number, number][] = [];
  const flush = () => {
    if (line.length > 1) out.push({ type: 'Feature', properties: { level }, geometry: { type: 'LineString', coordinates: line } });
    line = [];
  };
  for (const row of text.split('\n')) {
    if (row.startsWith('>')) {
      flush();
      level = Number(/Level (\d+)/.exec(row)?.[1] ?? 3);
    } else if (row.trim()) {
      const [x, y] = row.trim().split(/\s+/).map(Number);
      line.push([Math.round(x! * 1e4) / 1e4, Math.round(y! * 1e4) / 1e4]);
    }
  }
  flush();
  return out;
}

/** Rivers only where they matter to the map: Vietnam and the basins that flow into it. */
const BASEMAP_RIVER_REGION: [number, number, number, number] = [99, 7, 118, 24.5];

mkdirSync(OUT, { recursive: true });
const write = (name: string, features: Feature[]) => {
  writeFileSync(path.join(OUT, name), `${JSON.stringify({ type: 'FeatureCollection', features })}\n`);
  console.log(`${name}: ${features.length} features, ${Math.round(readFileSync(path.join(OUT, name)).length / 1024)} KiB`);
};
write('countries.geojson', countries());
const river = rivers();
if (river) write('rivers.geojson', river);
else console.log('rivers.geojson: not written (GMT not found: apt-get install gmt gmt-gshhg-high)');
