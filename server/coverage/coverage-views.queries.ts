/**
 * The two materialized views behind the coverage page, made from the list of measures
 * (measures.ts) and refreshed by a job of the queue (coverage.job.ts), so a page reads a few
 * hundred precomputed rows and never counts a million graves:
 *
 *   coverage_current  one row per area (level 'province' = the 34, 'old_province' = the 63 of
 *                     2008-2025, 'cemetery'), with every area present (zeros where nothing counts),
 *                     its name, the current province its jurisdiction falls under (scope_province)
 *                     and a column per measure: the value now.
 *   coverage_monthly  one row per area and month over the last TREND_MONTHS months (Vietnam's
 *                     calendar), a column per measure: the value at the end of that month (sums)
 *                     or over the facts of that month (medians). Areas with no facts have no rows.
 *
 * Like a search index, the views are derived: rebuildCoverageViews drops and makes them again from
 * the list (a migration calls it whenever the list changes), refreshCoverageViews recomputes them.
 */
import type { Knex } from '../db/knex.js';
import { MEASURE_KEY, MEASURES, type Measure } from './measures.js';

/** How many months the charts show, the current one included. */
export const TREND_MONTHS = 24;
const ZONE = `'Asia/Ho_Chi_Minh'`;

/** Every cemetery with its two provinces; the 2008-2025 one from the position when not recorded. */
const CEMETERY_AREAS = `
  coverage_cemetery_areas AS (
    SELECT c.id, c.province_code,
           COALESCE(c.old_province_code, (SELECT o.code FROM old_provinces o WHERE o.geom && c.location AND ST_Intersects(o.geom, c.location) LIMIT 1)) AS old_province_code
    FROM cemeteries c
  )`;

const LEVEL = `CASE WHEN GROUPING(cemetery_id) = 0 THEN 'cemetery' WHEN GROUPING(province_code) = 0 THEN 'province' ELSE 'old_province' END`;
const AREA = `COALESCE(cemetery_id::text, province_code, old_province_code)`;
const SETS = `GROUPING SETS ((cemetery_id), (province_code), (old_province_code))`;

const column = (key: string) => {
  if (!MEASURE_KEY.test(key)) throw new Error(`coverage measure key ${key} is not a plain SQL name`);
  return `"${key}"`;
};

function factsCte(built: Measure[]): string {
  const parts = built.map(
    (m) => `SELECT '${m.key}'::text AS measure, '${m.kind}'::text AS kind, f.cemetery_id::bigint AS cemetery_id, f.province_code::text AS province_code,
              f.old_province_code::text AS old_province_code, f.since::timestamptz AS since, f.until::timestamptz AS until, f.value::double precision AS value
            FROM (${m.facts}) f`,
  );
  // With no measure built the views still exist, empty of figures.
  if (!parts.length) parts.push(`SELECT NULL::text, NULL::text, NULL::bigint, NULL::text, NULL::text, NULL::timestamptz, NULL::timestamptz, NULL::double precision WHERE false`);
  return `facts (measure, kind, cemetery_id, province_code, old_province_code, since, until, value) AS (\n${parts.join('\nUNION ALL\n')}\n)`;
}

/** Values per measure pivoted into one column each: built measures from `values`, the others NULL. */
function pivot(built: Measure[], source: string): string {
  return MEASURES.map((m) =>
    built.includes(m) ? `max(${source}.value) FILTER (WHERE ${source}.measure = '${m.key}') AS ${column(m.key)}` : `NULL::double precision AS ${column(m.key)}`,
  ).join(',\n    ');
}

export function currentViewSql(built: Measure[]): string {
  const measures = MEASURES.map((m) => (built.includes(m) && m.kind === 'sum' ? `COALESCE(v.${column(m.key)}, 0) AS ${column(m.key)}` : `v.${column(m.key)}`)).join(', ');
  return `
CREATE MATERIALIZED VIEW coverage_current AS
WITH ${CEMETERY_AREAS},
${factsCte(built)},
now_facts AS (SELECT * FROM facts WHERE since <= now() AND (until IS NULL OR until > now())),
valued AS (
  SELECT measure, ${LEVEL} AS level, ${AREA} AS area, sum(value) AS value
  FROM now_facts WHERE kind = 'sum' GROUP BY measure, ${SETS}
  UNION ALL
  SELECT measure, ${LEVEL}, ${AREA}, percentile_cont(0.5) WITHIN GROUP (ORDER BY value)
  FROM now_facts WHERE kind = 'median' GROUP BY measure, ${SETS}
),
pivoted AS (
  SELECT level, area,
    ${pivot(built, 'valued')}
  FROM valued WHERE area IS NOT NULL GROUP BY level, area
),
areas AS (
  SELECT 'province'::text AS level, p.code AS area, p.name, p.code AS scope_province, NULL::bigint AS cemetery_id, NULL::text AS province_name FROM provinces p
  UNION ALL
  SELECT 'old_province', o.code, o.name, pm.new_province_code, NULL, np.name
  FROM old_provinces o LEFT JOIN province_mapping pm ON pm.old_province_code = o.code LEFT JOIN provinces np ON np.code = pm.new_province_code
  UNION ALL
  SELECT 'cemetery', c.id::text, c.name, c.province_code, c.id, cp.name FROM cemeteries c JOIN provinces cp ON cp.code = c.province_code
)
SELECT a.level, a.area, a.name, a.scope_province, a.cemetery_id, a.province_name, ${measures}, now() AS computed_at
FROM areas a LEFT JOIN pivoted v ON v.level = a.level AND v.area = a.area`;
}

export function monthlyViewSql(built: Measure[]): string {
  return `
CREATE MATERIALIZED VIEW coverage_monthly AS
WITH ${CEMETERY_AREAS},
${factsCte(built)},
span AS (
  SELECT (date_trunc('month', now() AT TIME ZONE ${ZONE}) - interval '${TREND_MONTHS - 1} months')::date AS first,
         date_trunc('month', now() AT TIME ZONE ${ZONE})::date AS last
),
months AS (SELECT generate_series(first, last, interval '1 month')::date AS month FROM span),
-- A sum changes by +value in the month its fact starts counting and -value in the month it stops;
-- what happened before the first month is folded into it, so the series starts at the right level.
deltas AS (
  SELECT f.measure, f.cemetery_id, f.province_code, f.old_province_code, GREATEST(date_trunc('month', f.since AT TIME ZONE ${ZONE})::date, span.first) AS month, f.value AS delta
  FROM facts f, span WHERE f.kind = 'sum' AND f.since <= now()
  UNION ALL
  SELECT f.measure, f.cemetery_id, f.province_code, f.old_province_code, GREATEST(date_trunc('month', f.until AT TIME ZONE ${ZONE})::date, span.first), -f.value
  FROM facts f, span WHERE f.kind = 'sum' AND f.since <= now() AND f.until <= now()
),
grouped AS (
  SELECT measure, ${LEVEL} AS level, ${AREA} AS area, month, sum(delta) AS delta
  FROM deltas GROUP BY measure, month, ${SETS}
),
series AS (
  SELECT d.measure, d.level, d.area, months.month,
         sum(COALESCE(g.delta, 0)) OVER (PARTITION BY d.measure, d.level, d.area ORDER BY months.month) AS value
  FROM (SELECT DISTINCT measure, level, area FROM grouped WHERE area IS NOT NULL) d
  CROSS JOIN months
  LEFT JOIN grouped g ON g.measure = d.measure AND g.level = d.level AND g.area = d.area AND g.month = months.month
),
medians AS (
  SELECT measure, ${LEVEL} AS level, ${AREA} AS area, date_trunc('month', since AT TIME ZONE ${ZONE})::date AS month,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY value) AS value
  FROM facts, span WHERE kind = 'median' AND since <= now() AND (since AT TIME ZONE ${ZONE})::date >= span.first
  GROUP BY measure, date_trunc('month', since AT TIME ZONE ${ZONE})::date, ${SETS}
),
valued AS (
  SELECT measure, level, area, month, value FROM series
  UNION ALL
  SELECT measure, level, area, month, value FROM medians WHERE area IS NOT NULL
)
SELECT level, area, month,
    ${pivot(built, 'valued')}
FROM valued GROUP BY level, area, month`;
}

/** The measures that can be built in this database: with facts, and every table they read present. */
export async function buildableMeasures(db: Knex): Promise<Measure[]> {
  const tables = [...new Set(MEASURES.flatMap((m) => m.requires))];
  const { rows } = await db.raw<{ rows: { name: string }[] }>(
    `SELECT t.name FROM unnest(?::text[]) AS t(name) WHERE to_regclass(t.name) IS NOT NULL`,
    [tables],
  );
  const present = new Set(rows.map((r) => r.name));
  return MEASURES.filter((m) => m.facts !== null && m.requires.every((t) => present.has(t)));
}

/**
 * Drops and makes both views from the list of measures, with their data. Runs in the caller's
 * transaction (a migration's): the page never sees them missing. The built measures are named in
 * the view's comment, which the page reads to tell "not yet available" from zero.
 */
export async function rebuildCoverageViews(db: Knex): Promise<void> {
  const built = await buildableMeasures(db);
  await db.raw('DROP MATERIALIZED VIEW IF EXISTS coverage_current, coverage_monthly');
  await db.raw(currentViewSql(built));
  await db.raw(monthlyViewSql(built));
  // Unique indexes: REFRESH ... CONCURRENTLY needs one, and readers never wait for a refresh.
  await db.raw('CREATE UNIQUE INDEX coverage_current_area ON coverage_current (level, area)');
  await db.raw('CREATE INDEX coverage_current_scope ON coverage_current (level, scope_province)');
  await db.raw('CREATE UNIQUE INDEX coverage_monthly_area ON coverage_monthly (level, area, month)');
  await db.raw(`COMMENT ON MATERIALIZED VIEW coverage_current IS ${quoteLiteral(JSON.stringify({ measures: built.map((m) => m.key) }))}`);
}

const quoteLiteral = (text: string) => `'${text.replace(/'/g, "''")}'`;

/**
 * Recomputes both views without blocking readers (CONCURRENTLY), in one transaction so the map and
 * the charts always agree; no statement timeout (the server's pool sets one for requests).
 */
export async function refreshCoverageViews(db: Knex): Promise<void> {
  await db.transaction(async (trx) => {
    await trx.raw('SET LOCAL statement_timeout = 0');
    await trx.raw('REFRESH MATERIALIZED VIEW CONCURRENTLY coverage_current');
    await trx.raw('REFRESH MATERIALIZED VIEW CONCURRENTLY coverage_monthly');
  });
}

/** The measures the views were built with (from the view's comment). */
export async function builtMeasureKeys(db: Knex): Promise<string[]> {
  const { rows } = await db.raw<{ rows: { comment: string | null }[] }>(`SELECT obj_description('coverage_current'::regclass, 'pg_class') AS comment`);
  try {
    const parsed = JSON.parse(rows[0]?.comment ?? '{}') as { measures?: unknown };
    return Array.isArray(parsed.measures) ? parsed.measures.map(String) : [];
  } catch {
    return [];
  }
}
