/**
 * The rules of the coverage page: which levels a scope may look at, what is sorted how, how a
 * value reads (a count, a share of the graves, days), and how the map's colours are chosen. The
 * figures come from coverage.queries.ts; HTTP stays in coverage.routes.ts.
 */
import type { Db } from '../db/knex.js';
import type { Scope } from '../accounts/scope.js';
import { NotInScope } from '../http/errors.js';
import { translate, type Locale } from '../i18n/messages.js';
import { coverageArea, coverageComputedAt, coverageMapValues, coverageMonths, coverageRows, scopeBounds, type CoverageRow, type Level } from './coverage.queries.js';
import { builtMeasureKeys, TREND_MONTHS } from './coverage-views.queries.js';
import { MEASURES, type Measure } from './measures.js';

/** Rows per page of the table (the downloads carry every row). */
export const PAGE_SIZE = 100;

/**
 * The levels a scope may look at. Province figures add up every cemetery of the province, so only
 * national users and officers of that province see them; cemetery staff see their cemeteries.
 */
export function levelsFor(scope: Scope): Level[] {
  if (scope.national || scope.provinceCodes.length) return ['province', 'old_province', 'cemetery'];
  return scope.cemeteryIds.length ? ['cemetery'] : [];
}

/** National users start on the provinces; a province officer on their cemeteries, beside their province. */
export function defaultLevel(scope: Scope): Level {
  return scope.national ? 'province' : 'cemetery';
}

export const DEFAULT_MEASURE = 'graves_with_position';

/** Worst first: where coverage is missing is what an officer looks for. */
export function defaultDirection(measure: Measure): 'asc' | 'desc' {
  return measure.higherIsBetter ? 'asc' : 'desc';
}

export type MeasureState = Measure & { available: boolean; label: string };

export async function measureStates(db: Db, locale: Locale): Promise<MeasureState[]> {
  const built = new Set(await builtMeasureKeys(db));
  return MEASURES.map((m) => ({ ...m, available: built.has(m.key), label: translate(locale, `coverage.measure.${m.key}`) }));
}

/** Formatters made once: building an Intl.NumberFormat costs more than formatting thousands of numbers. */
const formatters = new Map<string, Intl.NumberFormat>();
function numberFormat(locale: Locale, digits: number): Intl.NumberFormat {
  const key = `${locale}:${digits}`;
  let format = formatters.get(key);
  if (!format) {
    format = new Intl.NumberFormat(locale === 'vi' ? 'vi-VN' : 'en-GB', { minimumFractionDigits: digits, maximumFractionDigits: digits });
    formatters.set(key, format);
  }
  return format;
}

/** A measure's value as the page shows it: "1.234", "45,2 %" (of the graves), "3,5 ngày"; "—" when there is none. */
export function formatValue(locale: Locale, measure: Measure, row: Record<string, unknown>): string {
  const raw = row[measure.key];
  if (raw === null || raw === undefined) return '—';
  const value = Number(raw);
  if (measure.unit === 'days') return translate(locale, 'coverage.days', { n: numberFormat(locale, 1).format(value) });
  return numberFormat(locale, 0).format(value);
}

/** The share of the base measure, 0..1, or null when the base is zero or missing. */
export function shareOf(measure: Measure, row: Record<string, unknown>): number | null {
  if (!measure.shareOf) return null;
  const value = row[measure.key];
  const base = row[measure.shareOf];
  if (value === null || value === undefined || base === null || base === undefined || Number(base) === 0) return null;
  return Number(value) / Number(base);
}

export function formatShare(locale: Locale, share: number | null): string {
  return share === null ? '—' : `${numberFormat(locale, 1).format(share * 100)} %`;
}

/** Five classes, light to dark (ColorBrewer PuBu, readable by most colour-blind people). */
export const PALETTE = ['#f1eef6', '#bdc9e1', '#74a9cf', '#2b8cbe', '#045a8d'] as const;
/** Areas with no value (no graves to take a share of, no decision to take a median of). */
export const NO_DATA_COLOUR = '#d4d4d4';

export type Legend = { colour: string; label: string }[];

/**
 * Class breaks: fixed fifths for shares (so two provinces' colours mean the same everywhere),
 * quantiles of the values shown otherwise. Returns the upper bounds of the first four classes.
 */
export function breaksFor(measure: Measure, values: number[]): number[] {
  if (measure.shareOf) return [0.2, 0.4, 0.6, 0.8];
  const sorted = [...new Set(values)].sort((a, b) => a - b);
  if (sorted.length <= 1) return [];
  const classes = Math.min(PALETTE.length, sorted.length);
  const breaks: number[] = [];
  for (let i = 1; i < classes; i++) breaks.push(sorted[Math.floor((i * sorted.length) / classes) - 1]!);
  return [...new Set(breaks)];
}

export function colourOf(value: number | null, breaks: number[]): string {
  if (value === null) return NO_DATA_COLOUR;
  const index = breaks.findIndex((b) => value <= b);
  const classIndex = index === -1 ? breaks.length : index;
  // Fewer classes than colours: spread them over the palette so the darkest still means "most".
  const spread = breaks.length === 0 ? PALETTE.length - 1 : Math.round((classIndex * (PALETTE.length - 1)) / breaks.length);
  return PALETTE[spread]!;
}

function legendOf(locale: Locale, measure: Measure, breaks: number[]): Legend {
  const show = (v: number) => (measure.shareOf ? formatShare(locale, v) : measure.unit === 'days' ? numberFormat(locale, 1).format(v) : numberFormat(locale, 0).format(v));
  const entries: Legend = [];
  if (!breaks.length) entries.push({ colour: colourOf(0, breaks), label: translate(locale, 'coverage.legend.all') });
  else {
    entries.push({ colour: colourOf(breaks[0]!, breaks), label: `≤ ${show(breaks[0]!)}` });
    for (let i = 1; i < breaks.length; i++) entries.push({ colour: colourOf(breaks[i]!, breaks), label: `${show(breaks[i - 1]!)} – ${show(breaks[i]!)}` });
    entries.push({ colour: colourOf(Number.POSITIVE_INFINITY, breaks), label: `> ${show(breaks[breaks.length - 1]!)}` });
  }
  entries.push({ colour: NO_DATA_COLOUR, label: translate(locale, 'coverage.legend.none') });
  return entries;
}

export type CoverageQuery = { level: Level; measure: string; sort: string; dir: 'asc' | 'desc'; page: number; province?: string };

export type TableCell = { key: string; text: string; share: string | null };
export type TableRow = { area: string; name: string; provinceName: string | null; url: string; cells: TableCell[]; colour: string };

/** The address of an area's page of charts. */
export function areaUrl(level: Level, area: string): string {
  return `/quan-ly/tong-quan/${LEVEL_PATHS[level]}/${encodeURIComponent(area)}`;
}

export const LEVEL_PATHS: Record<Level, string> = { province: 'tinh', old_province: 'tinh-2008', cemetery: 'nghia-trang' };

/** The value the map and the colour use: the share for share measures, else the value. */
function mapValue(measure: Measure, row: Record<string, unknown>): number | null {
  if (measure.shareOf) return shareOf(measure, row);
  const v = row[measure.key];
  return v === null || v === undefined ? null : Number(v);
}

function cellsOf(locale: Locale, measures: MeasureState[], row: Record<string, unknown>): TableCell[] {
  return measures.filter((m) => m.available).map((m) => ({ key: m.key, text: formatValue(locale, m, row), share: m.shareOf ? formatShare(locale, shareOf(m, row)) : null }));
}

/** Everything the page shows for one query: measures, table page, map colours, legend, bounds. */
export async function coveragePage(db: Db, scope: Scope, locale: Locale, query: CoverageQuery) {
  const measures = await measureStates(db, locale);
  const measure = measures.find((m) => m.key === query.measure)!;
  const filter = { level: query.level, scope, province: query.province };
  const [{ total, rows }, mapRows, computedAt, bounds] = await Promise.all([
    coverageRows(db, filter, query.sort, query.dir, { limit: PAGE_SIZE, offset: (query.page - 1) * PAGE_SIZE }),
    measure.available ? coverageMapValues(db, filter, measure.key, measure.shareOf) : Promise.resolve([]),
    coverageComputedAt(db),
    scopeBounds(db, scope),
  ]);
  const values = mapRows.map((r) => mapValue(measure, { [measure.key]: r.value, ...(measure.shareOf ? { [measure.shareOf]: r.base } : {}) }));
  const breaks = breaksFor(measure, values.filter((v): v is number => v !== null));
  // Areas grouped by colour, values as shown: a few tens of kilobytes for every cemetery of the
  // country. Names are not sent: the tiles' features carry them.
  const colours: Record<string, string[]> = {};
  mapRows.forEach((r, i) => (colours[colourOf(values[i]!, breaks)] ??= []).push(r.area));
  const labels = Object.fromEntries(mapRows.map((r, i) => [r.area, measure.shareOf ? formatShare(locale, values[i]!) : formatValue(locale, measure, { [measure.key]: r.value })]));
  return {
    measures,
    measure,
    total,
    rows: rows.map((row): TableRow => ({
      area: row.area,
      name: row.name,
      provinceName: row.province_name,
      url: areaUrl(query.level, row.area),
      cells: cellsOf(locale, measures, row),
      colour: measure.available ? colourOf(mapValue(measure, row), breaks) : NO_DATA_COLOUR,
    })),
    map: { level: query.level, colours, labels, noData: NO_DATA_COLOUR, bounds },
    legend: measure.available ? legendOf(locale, measure, breaks) : [],
    computedAt,
    pages: Math.max(1, Math.ceil(total / PAGE_SIZE)),
  };
}

/** Every row of a level in scope, for the downloads. */
export async function coverageExportRows(db: Db, scope: Scope, query: Omit<CoverageQuery, 'page' | 'measure'>): Promise<{ rows: CoverageRow[]; computedAt: Date | null }> {
  const [{ rows }, computedAt] = await Promise.all([coverageRows(db, { level: query.level, scope, province: query.province }, query.sort, query.dir), coverageComputedAt(db)]);
  return { rows, computedAt };
}

export type Trend = { measure: MeasureState; points: { month: string; value: number | null }[]; current: string; share: string | null };

/**
 * An area's page: its figures now and a monthly series per available measure (a share for share
 * measures). Out of scope and unknown look alike (NotInScope, answered as a 404).
 */
export async function coverageAreaPage(db: Db, scope: Scope, locale: Locale, level: Level, area: string) {
  if (!levelsFor(scope).includes(level)) throw new NotInScope();
  const row = await coverageArea(db, level, area, scope);
  if (!row) throw new NotInScope();
  const [measures, months, computedAt] = await Promise.all([measureStates(db, locale), coverageMonths(db, level, area), coverageComputedAt(db)]);
  const trends: Trend[] = measures
    .filter((m) => m.available)
    .map((m) => ({
      measure: m,
      points: windowMonths(computedAt).map((month) => {
        const r = months.find((x) => x.month === month);
        return { month, value: r ? mapValue(m, r) : m.kind === 'sum' && !m.shareOf ? 0 : null };
      }),
      current: formatValue(locale, m, row),
      share: m.shareOf ? formatShare(locale, shareOf(m, row)) : null,
    }));
  return { row, measures, trends, computedAt };
}

/**
 * Every month of the window, those without figures included (a series with gaps reads wrong): the
 * same months the view computed, ending with the month (Vietnam's calendar) it was computed in.
 */
export function windowMonths(computedAt: Date | null): string[] {
  const vn = new Date((computedAt ?? new Date()).getTime() + VIETNAM_OFFSET_MS);
  return Array.from({ length: TREND_MONTHS }, (_, i) => new Date(Date.UTC(vn.getUTCFullYear(), vn.getUTCMonth() - (TREND_MONTHS - 1 - i), 1)).toISOString().slice(0, 10));
}

/** Vietnam keeps UTC+7 all year. */
const VIETNAM_OFFSET_MS = 7 * 3_600_000;

/** Scope check for a province filter on the cemetery level: the province must be the user's. */
export function provinceInScope(scope: Scope, province: string): boolean {
  return scope.national || scope.provinceCodes.includes(province);
}
