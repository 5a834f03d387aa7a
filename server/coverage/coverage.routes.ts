/**
 * /quan-ly/tong-quan: coverage at a glance. The map and the table of one level (the 34 provinces,
 * the 63 of 2008-2025, or cemeteries) in the user's scope, one measure coloured at a time; the same
 * table as CSV and XLSX; a page per area with a monthly chart per measure. Figures come from the
 * materialized views the queue refreshes (coverage.job.ts).
 */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Db } from '../db/knex.js';
import { requireStaff } from '../accounts/auth.middleware.js';
import type { Scope } from '../accounts/scope.js';
import { translate, type Locale } from '../i18n/messages.js';
import { BadRequestError, NotInScope } from '../http/errors.js';
import { localeOf } from '../http/locale.js';
import { sendPage } from '../http/render.js';
import type { ProvinceCatalogue } from '../places/province-catalogue.js';
import { jsonBlock } from '../map/json-block.js';
import { localDateTime } from '../views/local-time.js';
import { LEVELS, type Level } from './coverage.queries.js';
import { coverageCsv, coverageXlsx } from './coverage-export.js';
import {
  areaUrl, coverageAreaPage, coverageExportRows, coveragePage, DEFAULT_MEASURE, defaultDirection, defaultLevel, formatShare,
  LEVEL_PATHS, levelsFor, measureStates, provinceInScope, type CoverageQuery,
} from './coverage.service.js';
import { MEASURES, measureByKey } from './measures.js';
import { monthLabel, trendSvg } from './trend-chart.js';
import { COVERAGE_REFRESH_MINUTES } from './coverage.job.js';

const MEASURE_KEYS = MEASURES.map((m) => m.key) as [string, ...string[]];

const querySchema = z
  .object({
    level: z.enum(LEVELS).optional(),
    measure: z.enum(MEASURE_KEYS).optional(),
    sort: z.enum(['name', ...MEASURE_KEYS]).optional(),
    dir: z.enum(['asc', 'desc']).optional(),
    page: z.coerce.number().int().min(1).max(100_000).default(1),
    province: z.string().regex(/^\d{2}$/).optional(),
    lang: z.enum(['vi', 'en']).optional(),
  })
  .strict();

/** The query, or a 400 in the page's language naming each parameter that is wrong. */
function parseQuery(locale: Locale, query: unknown): z.output<typeof querySchema> {
  const parsed = querySchema.safeParse(query);
  if (parsed.success) return parsed.data;
  const names = [...new Set(parsed.error.issues.flatMap((i) => (i.code === 'unrecognized_keys' ? i.keys : [String(i.path[0] ?? '')])))];
  throw new BadRequestError(translate(locale, 'coverage.error.params', { names: names.join(', ') }), { problems: parsed.error.issues.map((i) => ({ parameter: i.code === 'unrecognized_keys' ? i.keys.join(', ') : String(i.path[0] ?? ''), message: i.message })) });
}

/** The clean query with its defaults, checked against the scope (a level or province it does not reach is a 404). */
function resolveQuery(scope: Scope, q: z.output<typeof querySchema>): CoverageQuery {
  const levels = levelsFor(scope);
  if (!levels.length) throw new NotInScope();
  const level = q.level ?? defaultLevel(scope);
  if (!levels.includes(level)) throw new NotInScope();
  if (q.province && (level !== 'cemetery' || !provinceInScope(scope, q.province))) throw new NotInScope();
  const measure = q.measure ?? DEFAULT_MEASURE;
  const sort = q.sort ?? measure;
  const dir = q.dir ?? (sort === 'name' ? 'asc' : defaultDirection(measureByKey(sort)!));
  return { level, measure, sort, dir, page: q.page, province: q.province };
}

const queryString = (q: Partial<Record<string, string | number | undefined>>) =>
  new URLSearchParams(Object.entries(q).filter((e): e is [string, string | number] => e[1] !== undefined && e[1] !== '').map(([k, v]) => [k, String(v)])).toString();

function scopeLabel(locale: Locale, scope: Scope, provinces: ProvinceCatalogue): string {
  if (scope.national) return translate(locale, 'coverage.scope.national');
  const parts = scope.provinceCodes.map((c) => provinces.currentName(c) ?? c);
  if (scope.cemeteryIds.length) parts.push(translate(locale, 'coverage.scope.cemeteries', { n: scope.cemeteryIds.length }));
  return parts.join(', ');
}

export function coverageRoutes(db: Db, provinces: ProvinceCatalogue): Router {
  const router = Router();

  router.get('/quan-ly/tong-quan', requireStaff(), async (req, res) => {
    const locale = localeOf(res);
    const scope = req.staff!.scope;
    const query = resolveQuery(scope, parseQuery(locale, req.query));
    const view = await coveragePage(db, scope, locale, query);
    const base = { level: query.level, measure: query.measure, province: query.province, lang: req.query.lang as string | undefined };
    const sortLink = (key: string) => {
      const dir = query.sort === key ? (query.dir === 'asc' ? 'desc' : 'asc') : key === 'name' ? 'asc' : defaultDirection(measureByKey(key)!);
      return `/quan-ly/tong-quan?${queryString({ ...base, sort: key, dir })}`;
    };
    const ariaSort = (key: string) => (query.sort === key ? (query.dir === 'asc' ? 'ascending' : 'descending') : undefined);
    const available = view.measures.filter((m) => m.available);
    sendPage(req, res, 'staff/coverage', {
      title: translate(locale, 'coverage.title'),
      bodyClass: 'cov-wide',
      scopeLabel: scopeLabel(locale, scope, provinces),
      computedAt: localDateTime(view.computedAt),
      refreshMinutes: COVERAGE_REFRESH_MINUTES,
      levelLabel: translate(locale, `coverage.level.${query.level}`),
      levels: levelsFor(scope).map((l) => ({ value: l, label: translate(locale, `coverage.level.${l}`), selected: l === query.level })),
      measures: view.measures.map((m) => ({ key: m.key, label: m.label, available: m.available, selected: m.key === query.measure })),
      unavailable: view.measures.filter((m) => !m.available).map((m) => m.label),
      measure: { key: view.measure.key, label: view.measure.label, available: view.measure.available, isShare: Boolean(view.measure.shareOf) },
      query,
      showProvince: query.level !== 'province',
      provinceFilter: query.province ? provinces.currentName(query.province) ?? query.province : null,
      clearProvinceUrl: `/quan-ly/tong-quan?${queryString({ level: query.level, measure: query.measure, lang: base.lang })}`,
      nameSort: { url: sortLink('name'), aria: ariaSort('name') },
      columns: available.map((m) => ({ key: m.key, label: m.label, isShare: Boolean(m.shareOf), url: sortLink(m.key), aria: ariaSort(m.key), selected: m.key === query.measure })),
      rows: view.rows,
      total: view.total,
      previous: query.page > 1 ? `/quan-ly/tong-quan?${queryString({ ...base, sort: query.sort, dir: query.dir, page: query.page - 1 })}` : null,
      next: query.page < view.pages ? `/quan-ly/tong-quan?${queryString({ ...base, sort: query.sort, dir: query.dir, page: query.page + 1 })}` : null,
      page: query.page,
      pages: view.pages,
      csvUrl: `/quan-ly/tong-quan.csv?${queryString({ level: query.level, province: query.province, sort: query.sort, dir: query.dir, lang: base.lang })}`,
      xlsxUrl: `/quan-ly/tong-quan.xlsx?${queryString({ level: query.level, province: query.province, sort: query.sort, dir: query.dir, lang: base.lang })}`,
      legend: view.legend,
      mapJson: jsonBlock(view.map),
      mapLabel: translate(locale, 'coverage.map.label', { measure: view.measure.label, level: translate(locale, `coverage.level.${query.level}`) }),
    });
  });

  const download = (format: 'csv' | 'xlsx') => async (req: Request, res: Response) => {
    const locale = localeOf(res);
    const scope = req.staff!.scope;
    const query = resolveQuery(scope, parseQuery(locale, req.query));
    const [measures, { rows, computedAt }] = await Promise.all([measureStates(db, locale), coverageExportRows(db, scope, query)]);
    // The day the figures were computed, in Vietnam (UTC+7 all year).
    const stamp = new Date((computedAt ?? new Date()).getTime() + 7 * 3_600_000).toISOString().slice(0, 10);
    const name = `tong-quan-${LEVEL_PATHS[query.level]}${query.province ? `-${query.province}` : ''}-${stamp}.${format}`;
    res.set('Content-Disposition', `attachment; filename="${name}"`);
    if (format === 'csv') {
      res.type('text/csv; charset=utf-8').send(coverageCsv(locale, query.level, measures, rows));
    } else {
      const body = await coverageXlsx(locale, query.level, measures, rows, { computedAt, scopeLabel: scopeLabel(locale, scope, provinces) });
      res.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').send(body);
    }
  };
  router.get('/quan-ly/tong-quan.csv', requireStaff(), download('csv'));
  router.get('/quan-ly/tong-quan.xlsx', requireStaff(), download('xlsx'));

  const levelOfPath = Object.fromEntries(Object.entries(LEVEL_PATHS).map(([level, p]) => [p, level as Level]));
  router.get('/quan-ly/tong-quan/:levelPath/:area', requireStaff(), async (req, res) => {
    const locale = localeOf(res);
    const level = levelOfPath[req.params.levelPath as string];
    const area = String(req.params.area);
    if (!level || !/^\d{1,18}$/.test(area)) throw new NotInScope();
    const extra = z.object({ lang: z.enum(['vi', 'en']).optional() }).strict().safeParse(req.query);
    if (!extra.success) throw new BadRequestError(translate(locale, 'coverage.error.params', { names: Object.keys(req.query).join(', ') }));
    const scope = req.staff!.scope;
    const view = await coverageAreaPage(db, scope, locale, level, area);
    const numberFormat = new Intl.NumberFormat(locale === 'vi' ? 'vi-VN' : 'en-GB', { maximumFractionDigits: 1 });
    sendPage(req, res, 'staff/coverage-area', {
      title: `${view.row.name} · ${translate(locale, 'coverage.title')}`,
      name: view.row.name,
      levelLabel: translate(locale, `coverage.level.${level}`),
      provinceName: level === 'province' ? null : view.row.province_name,
      computedAt: localDateTime(view.computedAt),
      refreshMinutes: COVERAGE_REFRESH_MINUTES,
      backUrl: `/quan-ly/tong-quan?${queryString({ level, lang: extra.data.lang })}`,
      cemeteriesUrl: level === 'province' ? `/quan-ly/tong-quan?${queryString({ level: 'cemetery', province: area, lang: extra.data.lang })}` : null,
      upkeepUrl: level === 'cemetery' ? `/quan-ly/nghia-trang/${area}` : null,
      unavailable: view.measures.filter((m) => !m.available).map((m) => m.label),
      trends: view.trends.map((tr) => {
        const isShare = Boolean(tr.measure.shareOf);
        const format = (v: number) => (isShare ? formatShare(locale, v) : numberFormat.format(v));
        return {
          key: tr.measure.key,
          label: tr.measure.label,
          current: tr.current,
          share: tr.share,
          chart: trendSvg(tr.points, { label: translate(locale, 'coverage.chart.label', { measure: tr.measure.label, name: view.row.name }), format, ...(isShare ? { max: 1 } : {}) }),
          points: tr.points.map((p) => ({ month: monthLabel(p.month), value: p.value === null ? '—' : format(p.value) })),
        };
      }),
      selfUrl: areaUrl(level, area),
    });
  });

  return router;
}
