/**
 * The features of the OGC API collections, read from the public views (graves, martyrs) and the
 * reference tables (cemeteries and provinces hold nothing confidential). Pages are keyset pages on
 * the id: `after` (next) and `before` (prev) bound the id, so page 10,000 costs what page 1 does.
 */
import { createHash } from 'node:crypto';
import { Conditions } from '../db/conditions.js';
import { cachedCount } from '../db/count-cache.js';
import type { Db, Knex } from '../db/knex.js';

export type CollectionId = 'cemeteries' | 'graves' | 'provinces' | 'provinces-2008-2025';

export type Bbox = { minLng: number; minLat: number; maxLng: number; maxLat: number };

export type FeatureFilters = {
  bbox?: Bbox;
  cemeteryId?: number;
  provinceCode?: string;
  state?: 'identified' | 'partial' | 'unknown';
  deathYear?: number;
  /** Cemeteries: their boundary as the geometry, where one is recorded. */
  boundary?: boolean;
};

export type FeaturePage = { limit: number; after?: number; before?: number };

/**
 * One feature as SQL writes it: the id, and the whole GeoJSON Feature as text (row_to_json of the
 * properties, ST_AsGeoJSON's geometry spliced in), the page link `url` already absolute. PostgreSQL
 * writing the text costs it less than the driver's parsing of 20 columns per row and JSON.stringify
 * of each row cost this process; a page joins these texts in SQL (featurePage).
 */
export type FeatureRow = { id: number; json: string };

type Source = {
  /** The properties: [name, SQL expression], in the order they are written. */
  properties: [string, string][];
  /** The path of the record's page, written as the last property `url` behind the base address. */
  page: string;
  /**
   * Properties read once the page is cut, for all its rows in one go: a join on the CTE `page`
   * (its rows' `id`), and [name, SQL expression] written after the others, before `url`.
   */
  late?: { join: string; properties: [string, string][] };
  from: string;
  /** The id column the keyset pages on. */
  idColumn: string;
  geometry: (filters: FeatureFilters, boundaries: boolean) => string;
  conditions: (filters: FeatureFilters, where: Conditions) => void;
};

const envelope = 'ST_MakeEnvelope(?, ?, ?, ?, 4326)';
const bboxValues = (b: Bbox): Knex.Value[] => [b.minLng, b.minLat, b.maxLng, b.maxLat];

const SOURCES: Record<CollectionId, Source> = {
  cemeteries: {
    idColumn: 'c.id',
    from: `cemeteries c JOIN provinces p ON p.code = c.province_code LEFT JOIN old_provinces op ON op.code = c.old_province_code`,
    geometry: (f) => (f.boundary ? 'ST_AsGeoJSON(COALESCE(c.boundary, c.location), 7)' : 'ST_AsGeoJSON(c.location, 7)'),
    properties: [
      ['name', 'c.name'], ['level', 'c.level'], ['address', 'c.address'], ['province_code', 'c.province_code'], ['province_name', 'p.name'],
      ['old_province_code', 'c.old_province_code'], ['old_province_name', 'op.name'], ['commune_code', 'c.commune_code'], ['location_precision', 'c.location_precision'],
    ],
    page: `'/nghia-trang/' || c.id`,
    conditions: (f, where) => {
      if (f.bbox) where.add(`c.location && ${envelope}`, ...bboxValues(f.bbox));
      if (f.provinceCode) where.add('c.province_code = ?', f.provinceCode);
      if (f.cemeteryId) where.add('c.id = ?', f.cemeteryId);
    },
  },
  graves: {
    idColumn: 'g.id',
    from: `public_graves g
      JOIN cemeteries c ON c.id = g.cemetery_id
      JOIN provinces p ON p.code = c.province_code
      LEFT JOIN cemetery_sections s ON s.id = g.section_id
      -- The headstone's fields from public_headstones: one visibility probe per grave, where each
      -- headstone column of public_graves makes its own. LATERAL, so that it is a probe per row of
      -- the page (as a plain join, or a LATERAL without the OFFSET 0 fence, the planner merged it
      -- with a scan of every headstone from id 1: seconds deep in the collection).
      LEFT JOIN LATERAL (SELECT * FROM public_headstones ph WHERE ph.id = g.id OFFSET 0) h ON true`,
    // The public martyrs of the page's graves, grouped in one sorted pass: a lateral aggregate per
    // grave, with three ORDER BY aggregates, cost a third of a 1,000-grave page. The aggregates
    // take the rows in the subquery's order (martyr id), which PostgreSQL keeps for plain aggregates.
    late: {
      join: `LEFT JOIN (
        SELECT o.grave_id,
               string_agg(o.full_name, '; ') AS names,
               string_agg(o.id::text, ';') AS ids,
               string_agg(COALESCE(o.death_year::text, ''), ';') AS death_years,
               count(*) AS n
        FROM (SELECT m.grave_id, m.id, m.full_name, m.death_year FROM public_martyrs m
              WHERE m.grave_id IN (SELECT id FROM page) ORDER BY m.grave_id, m.id) o
        GROUP BY o.grave_id
      ) pm ON pm.grave_id = page.id`,
      properties: [['martyr_count', 'COALESCE(pm.n, 0)::int'], ['martyr_names', 'pm.names'], ['martyr_ids', 'pm.ids'], ['martyr_death_years', 'pm.death_years']],
    },
    // A grave without a surveyed position stands at its cemetery's point (position_approximate says so).
    geometry: () => 'ST_AsGeoJSON(COALESCE(g.position, c.location), 7)',
    properties: [
      ['state', 'g.state'], ['is_collective', 'g.is_collective'], ['cemetery_id', 'g.cemetery_id'], ['cemetery_name', 'c.name'], ['province_code', 'c.province_code'], ['province_name', 'p.name'],
      ['section', 's.code'], ['row', 'g.row_label'], ['plot_number', 'g.plot_number'], ['position_approximate', 'g.position IS NULL'],
      ['inscription', 'h.inscription'], ['known_name', 'h.known_name'], ['known_unit', 'h.known_unit'], ['known_death_year', 'h.known_death_year'], ['headstone_withheld', 'h.id IS NULL'],
    ],
    page: `'/mo/' || g.id`,
    conditions: (f, where) => {
      // Each side of the OR keeps its GiST index: the surveyed position, or the cemetery's point for the rest.
      if (f.bbox) where.add(`(g.position && ${envelope} OR (g.position IS NULL AND c.location && ${envelope}))`, ...bboxValues(f.bbox), ...bboxValues(f.bbox));
      if (f.cemeteryId) where.add('g.cemetery_id = ?', f.cemeteryId);
      if (f.provinceCode) where.add('c.province_code = ?', f.provinceCode);
      if (f.state) where.add('g.state = ?', f.state);
      if (f.deathYear) where.add('(h.known_death_year = ? OR EXISTS (SELECT 1 FROM public_martyrs dm WHERE dm.grave_id = g.id AND dm.death_year = ?))', f.deathYear, f.deathYear);
    },
  },
  provinces: {
    idColumn: 'p.code::int',
    from: 'provinces p',
    geometry: (_f, boundaries) => (boundaries ? 'ST_AsGeoJSON(p.geom, 6)' : 'ST_AsGeoJSON(ST_PointOnSurface(p.geom), 6)'),
    properties: [['code', 'p.code'], ['name', 'p.name'], ['full_name', 'p.full_name'], ['name_en', 'p.name_en'], ['unit_type', 'p.unit_type']],
    page: `'/tinh/' || p.slug`,
    conditions: (f, where) => {
      if (f.bbox) where.add(`p.geom && ${envelope}`, ...bboxValues(f.bbox));
    },
  },
  'provinces-2008-2025': {
    idColumn: 'op.code::int',
    from: 'old_provinces op LEFT JOIN province_mapping pm ON pm.old_province_code = op.code',
    geometry: (_f, boundaries) => (boundaries ? 'ST_AsGeoJSON(op.geom, 6)' : 'ST_AsGeoJSON(ST_PointOnSurface(op.geom), 6)'),
    properties: [
      ['code', 'op.code'], ['name', 'op.name'], ['full_name', 'op.full_name'], ['name_en', 'op.name_en'], ['unit_type', 'op.unit_type'],
      ['province_code_since_2025', 'pm.new_province_code'],
    ],
    page: `'/tinh/' || op.slug`,
    conditions: (f, where) => {
      if (f.bbox) where.add(`op.geom && ${envelope}`, ...bboxValues(f.bbox));
    },
  },
};

/**
 * The SQL of the features of a source matching `where`, in id order, at most `limit`: a CTE `page`
 * of their columns and a CTE `feature` of (id, json), the GeoJSON text of each. The first binding is
 * the base address of the page links. A source with `late` properties cuts the page first, so
 * they are read for its rows only.
 */
function featuresSql(source: Source, select: { filters: FeatureFilters; boundaries: boolean; base: string }, where: Conditions, order: 'ASC' | 'DESC', limit?: number): { sql: string; bindings: Knex.Value[] } {
  const quote = (name: string) => `"${name}"`;
  const properties = source.properties.map(([name, sql]) => `${sql} AS ${quote(name)}`).join(', ');
  const inner = `SELECT ${source.idColumn} AS id, ${source.geometry(select.filters, select.boundaries)} AS geometry, ${properties}, ?::text || ${source.page} AS "url"
     FROM ${source.from} ${where.where}
     ORDER BY ${source.idColumn} ${order}${limit === undefined ? '' : ' LIMIT ?'}`;
  const bindings = [select.base, ...where.bindings, ...(limit === undefined ? [] : [limit])];
  const written: [string, string][] = [
    ...source.properties.map(([name]): [string, string] => [name, `page.${quote(name)}`]),
    ...(source.late?.properties ?? []),
    ['url', 'page."url"'],
  ];
  const sql = `WITH page AS MATERIALIZED (${inner}),
     feature AS (
       SELECT page.id, '{"type":"Feature","id":' || page.id || ',"geometry":' || COALESCE(page.geometry, 'null') || ',"properties":' || row_to_json(props)::text || '}' AS json
       FROM page ${source.late?.join ?? ''}
       -- A row of exactly the properties, in order: row_to_json writes it compact (json_build_object puts spaces round every colon).
       CROSS JOIN LATERAL (SELECT ${written.map(([name, expr]) => `${expr} AS ${quote(name)}`).join(', ')}) props
     )`;
  return { sql, bindings };
}

// A named (prepared) statement, one per query shape: planning the views and their joins took
// 6-10 ms of every page, more than a tenth of it; PostgreSQL keeps a generic plan per connection
// once it finds it no worse than the custom ones.
const statementName = (sql: string) => `ogc_${createHash('sha1').update(sql).digest('hex').slice(0, 20)}`;

/** The features one by one, in id order (a single feature, the change feed's few). */
async function readFeatures(db: Knex, source: Source, select: { filters: FeatureFilters; boundaries: boolean; base: string }, where: Conditions): Promise<FeatureRow[]> {
  const { sql: ctes, bindings } = featuresSql(source, select, where, 'ASC');
  const sql = `${ctes} SELECT id, json FROM feature ORDER BY id`;
  const { rows } = await db.raw<{ rows: FeatureRow[] }>(sql, bindings).options({ name: statementName(sql) });
  return rows;
}

/**
 * A page of features: their GeoJSON texts joined by commas in id order, as one value (one string
 * for the driver to read and this process to send, where a thousand rows, their strings and the
 * joining of them were most of this process's time per page), with the first and last id, and
 * whether a further page lies in the reading direction.
 */
export type FeatureSlice = { features: string; count: number; firstId?: number; lastId?: number; more: boolean };

/**
 * One page of features in id order. With `before`, the page ending just before that id (read
 * backwards, written in id order).
 */
export async function featurePage(db: Knex, id: CollectionId, filters: FeatureFilters, page: FeaturePage, boundaries: boolean, base: string): Promise<FeatureSlice> {
  const source = SOURCES[id];
  const where = new Conditions();
  source.conditions(filters, where);
  if (page.after !== undefined) where.add(`${source.idColumn} > ?`, page.after);
  if (page.before !== undefined) where.add(`${source.idColumn} < ?`, page.before);
  const order = page.before !== undefined ? 'DESC' : 'ASC';
  // One row more than the page is read, to know whether another follows; it is not written.
  const { sql: ctes, bindings } = featuresSql(source, { filters, boundaries, base }, where, order, page.limit + 1);
  const sql = `${ctes}
     SELECT (SELECT count(*) FROM page) AS read, count(*) AS count, min(kept.id) AS first_id, max(kept.id) AS last_id,
            COALESCE(string_agg(kept.json, ',' ORDER BY kept.id), '') AS features
     FROM (SELECT id, json FROM feature ORDER BY id ${order} LIMIT ?) kept`;
  const { rows } = await db.raw<{ rows: { read: number; count: number; first_id: number | null; last_id: number | null; features: string }[] }>(sql, [...bindings, page.limit]).options({ name: statementName(sql) });
  const r = rows[0]!;
  return { features: r.features, count: r.count, firstId: r.first_id ?? undefined, lastId: r.last_id ?? undefined, more: r.read > page.limit };
}

export async function featureById(db: Knex, id: CollectionId, fid: number, boundaries: boolean, base: string, filters: FeatureFilters = {}): Promise<FeatureRow | undefined> {
  const source = SOURCES[id];
  const where = new Conditions();
  where.add(`${source.idColumn} = ?`, fid);
  return (await readFeatures(db, source, { filters, boundaries, base }, where))[0];
}

/** How many features match, counted at most once a minute per collection and filter set. */
export function numberMatched(db: Db, id: CollectionId, filters: FeatureFilters): Promise<number> {
  const source = SOURCES[id];
  const where = new Conditions();
  source.conditions(filters, where);
  const key = `ogc:${id}:${JSON.stringify({ ...filters, boundary: undefined })}`;
  // The lateral martyr names are not needed to count graves; the joins that filters use are.
  const from = id === 'graves' ? `public_graves g JOIN cemeteries c ON c.id = g.cemetery_id${filters.deathYear ? ' LEFT JOIN LATERAL (SELECT * FROM public_headstones ph WHERE ph.id = g.id OFFSET 0) h ON true' : ''}` : source.from;
  return cachedCount(db, key, async () => Number((await db.raw<{ rows: { n: number }[] }>(`SELECT count(*) AS n FROM ${from} ${where.where}`, where.bindings)).rows[0]!.n));
}

/** The bounding box of a collection's geometry, for its extent; undefined when it is empty. */
export async function collectionExtent(db: Knex, id: CollectionId): Promise<[number, number, number, number] | undefined> {
  const sql: Record<CollectionId, string> = {
    cemeteries: 'SELECT ST_Extent(location) AS box FROM cemeteries',
    // A grave without a position stands at its cemetery's point.
    graves: 'SELECT ST_Extent(geom) AS box FROM (SELECT location AS geom FROM cemeteries UNION ALL SELECT position FROM graves) e',
    provinces: 'SELECT ST_Extent(geom) AS box FROM provinces',
    'provinces-2008-2025': 'SELECT ST_Extent(geom) AS box FROM old_provinces',
  };
  const { rows } = await db.raw<{ rows: { xmin: number | null; ymin: number; xmax: number; ymax: number }[] }>(
    `SELECT ST_XMin(box) AS xmin, ST_YMin(box) AS ymin, ST_XMax(box) AS xmax, ST_YMax(box) AS ymax FROM (${sql[id]}) b`,
  );
  const r = rows[0];
  if (!r || r.xmin === null) return undefined;
  return [Number(r.xmin), Number(r.ymin), Number(r.xmax), Number(r.ymax)];
}

/** Several features at once by id (the change feed's page); ids that are gone are simply absent. */
export async function featuresByIds(db: Knex, id: CollectionId, ids: number[], boundaries: boolean, base: string): Promise<FeatureRow[]> {
  if (!ids.length) return [];
  const source = SOURCES[id];
  const where = new Conditions();
  where.add(`${source.idColumn} = ANY(?::bigint[])`, ids);
  return readFeatures(db, source, { filters: {}, boundaries, base }, where);
}
