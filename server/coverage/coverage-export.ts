/**
 * The table as files: CSV (UTF-8 with a byte-order mark, so Excel reads the diacritics; RFC 4180
 * quoting, CRLF lines) and XLSX (exceljs), with the same columns: the area, then every available
 * measure (and its share of the graves where it has one). Numbers stay numbers: no thousands
 * separators, a dot for decimals in CSV, real number cells in XLSX.
 */
import ExcelJS from 'exceljs';
import { translate, type Locale } from '../i18n/messages.js';
import { localDateTime } from '../views/local-time.js';
import type { CoverageRow, Level } from './coverage.queries.js';
import { shareOf, type MeasureState } from './coverage.service.js';

type Column = { header: string; value: (row: CoverageRow) => string | number | null; kind: 'text' | 'integer' | 'decimal' | 'percent' };

function columnsFor(locale: Locale, level: Level, measures: MeasureState[]): Column[] {
  const t = (key: string, params?: Record<string, unknown>) => translate(locale, key, params);
  const columns: Column[] = [
    { header: t('coverage.export.code'), value: (r) => r.area, kind: 'text' },
    { header: t(`coverage.level.${level}`), value: (r) => r.name, kind: 'text' },
  ];
  if (level !== 'province') columns.push({ header: t('coverage.export.province'), value: (r) => r.province_name, kind: 'text' });
  for (const m of measures.filter((x) => x.available)) {
    const round = (v: unknown) => (v === null || v === undefined ? null : m.unit === 'days' ? Math.round(Number(v) * 10) / 10 : Number(v));
    columns.push({ header: m.unit === 'days' ? t('coverage.export.inDays', { label: m.label }) : m.label, value: (r) => round(r[m.key]), kind: m.unit === 'days' ? 'decimal' : 'integer' });
    if (m.shareOf) {
      columns.push({
        header: t('coverage.export.share', { label: m.label }),
        value: (r) => {
          const share = shareOf(m, r);
          return share === null ? null : Math.round(share * 1000) / 10;
        },
        kind: 'percent',
      });
    }
  }
  return columns;
}

/** A text cell a spreadsheet would run as a formula gets a leading apostrophe (CSV injection). */
const defuse = (text: string) => (/^[=+\-@\t\r]/.test(text) ? `'${text}` : text);

const csvCell = (value: string | number | null) => {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const text = defuse(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

export function coverageCsv(locale: Locale, level: Level, measures: MeasureState[], rows: CoverageRow[]): string {
  const columns = columnsFor(locale, level, measures);
  const lines = [columns.map((c) => csvCell(c.header)), ...rows.map((r) => columns.map((c) => csvCell(c.value(r))))];
  return `\uFEFF${lines.map((l) => l.join(',')).join('\r\n')}\r\n`;
}

export async function coverageXlsx(
  locale: Locale,
  level: Level,
  measures: MeasureState[],
  rows: CoverageRow[],
  about: { computedAt: Date | null; scopeLabel: string },
): Promise<Buffer> {
  const t = (key: string) => translate(locale, key);
  const columns = columnsFor(locale, level, measures);
  const workbook = new ExcelJS.Workbook();
  workbook.creator = t('site.name');
  workbook.created = about.computedAt ?? new Date();
  const sheet = workbook.addWorksheet(t(`coverage.level.${level}`).slice(0, 31), { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = columns.map((c) => ({ header: c.header, width: c.kind === 'text' ? 36 : 16 }));
  sheet.getRow(1).font = { bold: true };
  for (const r of rows) sheet.addRow(columns.map((c) => c.value(r)));
  columns.forEach((c, i) => {
    const col = sheet.getColumn(i + 1);
    if (c.kind === 'integer') col.numFmt = '#,##0';
    if (c.kind === 'decimal' || c.kind === 'percent') col.numFmt = '0.0';
  });
  sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: columns.length } };
  const info = workbook.addWorksheet(t('coverage.export.aboutSheet').slice(0, 31));
  info.addRows([
    [t('coverage.title')],
    [t('coverage.export.computedAt'), localDateTime(about.computedAt)],
    [t('coverage.export.scope'), about.scopeLabel],
    [t('coverage.export.levelLabel'), t(`coverage.level.${level}`)],
    ...measures.filter((m) => !m.available).map((m) => [m.label, t('coverage.notYet')]),
  ]);
  info.getColumn(1).width = 40;
  info.getColumn(2).width = 40;
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
