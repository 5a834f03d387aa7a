/**
 * What the coverage page reads: the materialized views only (coverage-views.queries.ts), always
 * through the user's scope, so a request reads at most a few thousand precomputed rows.
 */
import type { Knex } from '../db/knex.js';
import type { Scope } from '../accounts/scope.js';
import { naturalOrder } from '../db/natural-order.js';
import { MEASURES } from './measures.js';

export const LEVELS = ['province', 'old_province', 'cemetery'] as const;
export type Level = (typeof LEVELS)[number];

export type CoverageRow = {
  level: Level;
  area: string;
  name: string;
  scope_province: string | null;
  cemetery_id: number | null;
  province_name: string | null;
  computed_at: Date;
} & Record<string, number | null | string | Date>;

export type AreaFilter = { level: Level; scope: Scope; province?: string };

/** The rows of a level the scope reaches: provinces only for officers of those provinces, cemeteries also by grant. */
function scopeClause(filter: AreaFilter): { sql: string; bindings: Knex.Value[] } {
  const parts: string[] = ['level = ?'];
  const bindings: Knex.Value[] = [filter.level];
  if (!filter.scope.national) {
    if (filter.level === 'cemetery') {
      parts.push('(scope_province = ANY(?) OR cemetery_id = ANY(?))');
      bindings.push(filter.scope.provinceCodes, filter.scope.cemeteryIds);
    } else {
      parts.push('scope_province = ANY(?)');
      bindings.push(filter.scope.provinceCodes);
    }
  }
  if (filter.province) {
    parts.push('scope_province = ?');
    bindings.push(filter.province);
  }
  return { sql: parts.join(' AND '), bindings };
}

/**
 * The ORDER BY for a sort key: the area's name in natural order, or a measure's column (its share
 * when it is shown as one); areas without a value last either way. Keys come from the list, never
 * from the request.
 */
function orderBy(sort: string, dir: 'asc' | 'desc'): string {
  const direction = dir === 'asc' ? 'ASC' : 'DESC';
  if (sort === 'name') return `${naturalOrder('name', dir === 'desc')}, area`;
  const measure = MEASURES.find((m) => m.key === sort);
  if (!measure) throw new Error(`no coverage measure ${sort}`);
  const value = measure.shareOf ? `"${measure.key}" / NULLIF("${measure.shareOf}", 0)` : `"${measure.key}"`;
  return `${value} ${direction} NULLS LAST, ${naturalOrder('name')}, area`;
}

export async function coverageRows(
  db: Knex,
  filter: AreaFilter,
  sort: string,
  dir: 'asc' | 'desc',
  page?: { limit: number; offset: number },
): Promise<{ total: number; rows: CoverageRow[] }> {
  const where = scopeClause(filter);
  const paging = page ? ' LIMIT ? OFFSET ?' : '';
  const [{ rows }, count] = await Promise.all([
    db.raw<{ rows: CoverageRow[] }>(`SELECT * FROM coverage_current WHERE ${where.sql} ORDER BY ${orderBy(sort, dir)}${paging}`, [
      ...where.bindings,
      ...(page ? [page.limit, page.offset] : []),
    ]),
    db.raw<{ rows: { n: number }[] }>(`SELECT count(*) AS n FROM coverage_current WHERE ${where.sql}`, where.bindings),
  ]);
  return { total: Number(count.rows[0]!.n), rows };
}

/** Every area of a level in scope with one measure's value (and its base): what the map colours. */
export async function coverageMapValues(db: Knex, filter: AreaFilter, measure: string, base: string | undefined): Promise<{ area: string; name: string; value: number | null; base: number | null }[]> {
  const where = scopeClause(filter);
  const { rows } = await db.raw<{ rows: { area: string; name: string; value: number | null; base: number | null }[] }>(
    `SELECT area, name, ?? AS value, ${base ? '??' : 'NULL'} AS base FROM coverage_current WHERE ${where.sql}`,
    [measure, ...(base ? [base] : []), ...where.bindings],
  );
  return rows;
}

/** One area, when the scope reaches it. */
export async function coverageArea(db: Knex, level: Level, area: string, scope: Scope): Promise<CoverageRow | undefined> {
  const where = scopeClause({ level, scope });
  const { rows } = await db.raw<{ rows: CoverageRow[] }>(`SELECT * FROM coverage_current WHERE ${where.sql} AND area = ?`, [...where.bindings, area]);
  return rows[0];
}

export type MonthRow = { month: string } & Record<string, number | null | string>;

/** An area's months, oldest first (only months the view has: an area with no facts has none). */
export async function coverageMonths(db: Knex, level: Level, area: string): Promise<MonthRow[]> {
  const { rows } = await db.raw<{ rows: MonthRow[] }>(`SELECT * FROM coverage_monthly WHERE level = ? AND area = ? ORDER BY month`, [level, area]);
  return rows;
}

/** When the views were last computed (every row carries the same time). */
export async function coverageComputedAt(db: Knex): Promise<Date | null> {
  const { rows } = await db.raw<{ rows: { at: Date | null }[] }>(`SELECT computed_at AS at FROM coverage_current LIMIT 1`);
  return rows[0]?.at ?? null;
}

/** West, south, east, north of the provinces the scope covers (or of its cemeteries), for the map's first view. */
export async function scopeBounds(db: Knex, scope: Scope): Promise<[number, number, number, number] | null> {
  if (scope.national) return null;
  const { rows } = await db.raw<{ rows: { w: number | null; s: number | null; e: number | null; n: number | null }[] }>(
    // Widened a little: one cemetery alone is a point, which no map can fit.
    `SELECT ST_XMin(b) AS w, ST_YMin(b) AS s, ST_XMax(b) AS e, ST_YMax(b) AS n FROM (
       SELECT ST_Expand(ST_Extent(geom), 0.05) AS b FROM (
         SELECT geom FROM provinces WHERE code = ANY(?)
         UNION ALL SELECT location FROM cemeteries WHERE id = ANY(?)
       ) g
     ) x`,
    [scope.provinceCodes, scope.cemeteryIds],
  );
  const r = rows[0];
  return r && r.w !== null && r.s !== null && r.e !== null && r.n !== null ? [r.w, r.s, r.e, r.n] : null;
}
