/**
 * Loads the basemap's surroundings (seeds/data/basemap, written by scripts/basemap-extract.ts):
 * neighbouring countries, rivers and named points. Replaces them whole in one transaction when
 * what is in the database differs from the shipped files in count; otherwise does nothing.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Db } from '../../server/db/knex.js';
import { NAMED_POINTS } from './basemap-names.js';

const BASEMAP_DIR = path.join(import.meta.dirname, '..', 'data', 'basemap');

type Feature = { properties: Record<string, string | number>; geometry: unknown };

function read(name: string): Feature[] {
  const file = path.join(BASEMAP_DIR, name);
  // The rivers need GMT to extract; a checkout without the file still gets land and names.
  if (!existsSync(file)) return [];
  return (JSON.parse(readFileSync(file, 'utf8')) as { features: Feature[] }).features;
}

const count = async (db: Db, table: string) => Number((await db(table).count<{ count: number }[]>({ count: '*' }).first())?.count);

/** Whether the database holds the shipped rows: the same counts, and the same names (names get corrected). */
export async function basemapIsLoaded(db: Db): Promise<boolean> {
  const countries = read('countries.geojson');
  const names = (rows: { key: string; vi: string; en: string }[]) => JSON.stringify([...rows].sort((a, b) => a.key.localeCompare(b.key)));
  const stored = [
    ...(await db('basemap_countries').select({ key: 'code', vi: 'name_vi', en: 'name_en' })),
    ...(await db('basemap_named_points').select('key', { vi: 'name_vi', en: 'name_en' })),
  ];
  const shipped = [
    ...countries.map((f) => ({ key: String(f.properties.code), vi: String(f.properties.name_vi), en: String(f.properties.name_en) })),
    ...NAMED_POINTS.map((p) => ({ key: p.key, vi: p.vi, en: p.en })),
  ];
  return names(stored) === names(shipped) && (await count(db, 'basemap_rivers')) === read('rivers.geojson').length;
}

export async function loadBasemap(db: Db): Promise<{ loaded: boolean }> {
  if (await basemapIsLoaded(db)) return { loaded: false };
  const countries = read('countries.geojson');
  const rivers = read('rivers.geojson');
  await db.transaction(async (trx) => {
    await trx.raw('TRUNCATE basemap_countries, basemap_rivers, basemap_named_points');
    for (const f of countries) {
      await trx.raw(
        `INSERT INTO basemap_countries (code, name_vi, name_en, geom)
         VALUES (?, ?, ?, ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_SetSRID(ST_GeomFromGeoJSON(?), 4326)), 3)))`,
        [String(f.properties.code), String(f.properties.name_vi), String(f.properties.name_en), JSON.stringify(f.geometry)],
      );
    }
    for (let i = 0; i < rivers.length; i += 200) {
      const chunk = rivers.slice(i, i + 200);
      await trx.raw(
        `INSERT INTO basemap_rivers (level, geom)
         SELECT (r->'properties'->>'level')::smallint, ST_SetSRID(ST_GeomFromGeoJSON(r->'geometry'), 4326)
         FROM jsonb_array_elements(?::jsonb) r`,
        [JSON.stringify(chunk)],
      );
    }
    for (const p of NAMED_POINTS) {
      await trx.raw('INSERT INTO basemap_named_points (key, kind, name_vi, name_en, geom) VALUES (?, ?, ?, ?, ST_SetSRID(ST_MakePoint(?, ?), 4326))', [p.key, p.kind, p.vi, p.en, p.at[0], p.at[1]]);
    }
  });
  return { loaded: true };
}
