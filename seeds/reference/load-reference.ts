/**
 * Loads the administrative reference data (seeds/data) into PostgreSQL: units before and after
 * the 2025 reform with their boundaries, the old → new mapping, and historical province names.
 * Idempotent: rows are upserted in one transaction, and nothing is done when the counts are
 * already those of the shipped files.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { feature } from 'topojson-client';
import type { Topology, GeometryCollection } from 'topojson-specification';
import { ROOT_DIR } from '../../server/config.js';
import type { Db, Knex } from '../../server/db/knex.js';
import type { Logger } from '../../server/logger.js';
import { loadBasemap } from './load-basemap.js';

export const DATA_DIR = path.join(ROOT_DIR, 'seeds', 'data');

/** What the shipped files hold; tests check the database against these. */
export const EXPECTED_COUNTS = {
  old_provinces: 63,
  old_districts: 696,
  old_communes: 10_035,
  provinces: 34,
  communes: 3_321,
  province_mapping: 63,
} as const;

type Row = Record<string, string>;

export function readCsv(relative: string): Row[] {
  return parse(readFileSync(path.join(DATA_DIR, relative), 'utf8'), { columns: true, skip_empty_lines: true, trim: true }) as Row[];
}

function unitTypes(relative: string): Map<string, string> {
  return new Map(readCsv(relative).map((r) => [r.id!, r.full_name!]));
}

type GeoFeature = { properties: Record<string, string>; geometry: unknown };

function readGeoJson(relative: string): GeoFeature[] {
  return (JSON.parse(readFileSync(path.join(DATA_DIR, relative), 'utf8')) as { features: GeoFeature[] }).features;
}

function readTopoJson(relative: string, object: string): GeoFeature[] {
  const topology = JSON.parse(readFileSync(path.join(DATA_DIR, relative), 'utf8')) as Topology;
  const collection = feature(topology, topology.objects[object] as GeometryCollection) as unknown as { features: GeoFeature[] };
  return collection.features;
}

async function upsert(trx: Knex.Transaction, table: string, rows: object[], conflict: string[], chunk = 1000): Promise<void> {
  for (let i = 0; i < rows.length; i += chunk) {
    const query = trx(table).insert(rows.slice(i, i + chunk)).onConflict(conflict);
    // A table whose every column is in the key has nothing to update.
    await (Object.keys(rows[0] ?? {}).length > conflict.length ? query.merge() : query.ignore());
  }
}

async function setGeometries(trx: Knex.Transaction, table: string, features: GeoFeature[], code: (f: GeoFeature) => string | undefined): Promise<void> {
  for (const f of features) {
    const key = code(f);
    if (!key || !f.geometry) continue;
    await trx.raw(
      `UPDATE ?? SET geom = ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_SetSRID(ST_GeomFromGeoJSON(?), 4326)), 3)) WHERE code = ?`,
      [table, JSON.stringify(f.geometry), key],
    );
  }
}

function slug(codeName: string): string {
  return codeName.replace(/_/g, '-');
}

/** Whether the database already holds every reference row the shipped files have. */
export async function referenceDataIsLoaded(db: Db): Promise<boolean> {
  for (const [table, expected] of Object.entries(EXPECTED_COUNTS)) {
    const row = await db(table).count<{ count: number }[]>({ count: '*' }).first();
    if (Number(row?.count) !== expected) return false;
  }
  const historical = await db('historical_provinces').count<{ count: number }[]>({ count: '*' }).first();
  return Number(historical?.count) > 0;
}

export async function loadReferenceData(db: Db, logger: Logger): Promise<{ loaded: boolean }> {
  // The basemap's surroundings have their own check: a database loaded before they existed gets them.
  const basemap = await loadBasemap(db);
  if (basemap.loaded) logger.info('basemap surroundings loaded');
  if (await referenceDataIsLoaded(db)) return { loaded: basemap.loaded };
  const started = Date.now();
  const oldTypes = unitTypes('admin-pre2025/administrative_units.csv');
  const newTypes = unitTypes('admin-2025/administrative_units.csv');

  await db.transaction(async (trx) => {
    const oldProvinces = readCsv('admin-pre2025/provinces.csv');
    await upsert(trx, 'old_provinces', oldProvinces.map((r) => ({
      code: r.code, name: r.name, full_name: r.full_name, name_en: r.name_en, slug: slug(r.code_name!), unit_type: oldTypes.get(r.administrative_unit_id!),
    })), ['code']);
    await upsert(trx, 'old_districts', readCsv('admin-pre2025/districts.csv').map((r) => ({
      code: r.code, province_code: r.province_code, name: r.name, full_name: r.full_name, name_en: r.name_en, unit_type: oldTypes.get(r.administrative_unit_id!),
    })), ['code']);
    await upsert(trx, 'old_communes', readCsv('admin-pre2025/wards.csv').map((r) => ({
      code: r.code, district_code: r.district_code, name: r.name, full_name: r.full_name, name_en: r.name_en, unit_type: oldTypes.get(r.administrative_unit_id!),
    })), ['code']);
    await upsert(trx, 'provinces', readCsv('admin-2025/provinces.csv').map((r) => ({
      code: r.code, name: r.name, full_name: r.full_name, name_en: r.name_en, slug: slug(r.code_name!), unit_type: newTypes.get(r.administrative_unit_id!),
    })), ['code']);
    await upsert(trx, 'communes', readCsv('admin-2025/wards.csv').map((r) => ({
      code: r.code, province_code: r.province_code, name: r.name, full_name: r.full_name, name_en: r.name_en, unit_type: newTypes.get(r.administrative_unit_id!),
    })), ['code']);

    await upsert(trx, 'province_mapping', readCsv('admin-merger-2025/province_mapping.csv').map((r) => ({
      old_province_code: r.old_province_code, new_province_code: r.new_province_code, merge_type: r.merge_type,
    })), ['old_province_code']);
    // The mapping was drawn up on a July 2025 snapshot: two new codes were corrected upstream since
    // (06970 → 06978 Ba Chẽ, 23737 → 23938 Ia Mơ).
    const renamedNewCodes: Record<string, string> = { '06970': '06978', '23737': '23938' };
    await upsert(trx, 'commune_mapping', readCsv('admin-merger-2025/ward_mapping.csv').map((r) => ({
      old_code: r.old_code, old_level: r.old_unit_level, old_name: r.old_name, old_province_code: r.old_province_code,
      new_commune_code: renamedNewCodes[r.new_ward_code!] ?? r.new_ward_code, merge_type: r.merge_type,
    })), ['old_code', 'new_commune_code']);

    const byName = new Map(oldProvinces.map((r) => [r.name!.normalize('NFC'), r.code!]));
    const historical = readCsv('historical-provinces/provinces.csv');
    await upsert(trx, 'historical_provinces', historical.map((r) => ({
      name: r.historical_name, from_year: r.from_year ? Number(r.from_year) : null, to_year: r.to_year ? Number(r.to_year) : null, note: r.note || null,
    })), ['name']);
    const successors = historical.flatMap((r) => r.successors_before_2025!.split('|').map((name) => {
      const code = byName.get(name.trim().normalize('NFC'));
      if (!code) throw new Error(`historical province ${r.historical_name}: successor "${name}" is not a pre-2025 province`);
      return { historical_name: r.historical_name, old_province_code: code };
    }));
    await upsert(trx, 'historical_province_successors', successors, ['historical_name', 'old_province_code']);

    await setGeometries(trx, 'provinces', readGeoJson('boundaries/provinces_34.geojson'), (f) => f.properties.code);
    await setGeometries(trx, 'old_provinces', readGeoJson('boundaries/provinces_63.geojson'), (f) => f.properties.code);
    const knownDistricts = new Set((await trx('old_districts').select('code')).map((r: { code: string }) => r.code));
    await setGeometries(trx, 'old_districts', readTopoJson('boundaries/districts_2023.topojson', 'districts'), (f) =>
      knownDistricts.has(f.properties.code!) ? f.properties.code : undefined,
    );
  });
  // The basemap's land outline and label points derive from the boundaries just loaded.
  await db.raw('REFRESH MATERIALIZED VIEW basemap_land');
  await db.raw('REFRESH MATERIALIZED VIEW basemap_province_points');
  await db.raw('REFRESH MATERIALIZED VIEW basemap_district_points');
  logger.info({ ms: Date.now() - started }, 'reference data loaded');
  return { loaded: true };
}
