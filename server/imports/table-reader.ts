/**
 * Reads a provincial export row by row, streaming, whatever it is: an .xlsx (exceljs's
 * WorkbookReader: the first visible sheet, hidden ones skipped and said; formulas read as their
 * computed value; merged cells filled from their first cell) or a CSV in any delimiter and byte
 * encoding (UTF-8 with or without BOM, UTF-16, Windows-1258, or the legacy TCVN3/VNI fonts, which
 * are Latin-1 bytes converted per cell). Nothing holds the whole file in memory.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { parse as parseCsv } from 'csv-parse';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { checkWorkbookEntries, mergedRanges, readZipDirectory, type MergedRange } from './zip-guard.js';
import { vietnameseScore, decodeTcvn3, decodeVni } from './legacy-encodings.js';

export type Cell = string | number | boolean | Date | null;
export type RawRow = { rowNumber: number; cells: Cell[]; formulaWithoutValue?: number[] };

/** Byte encodings of a CSV; the legacy fonts are read as Latin-1 bytes, then converted per column. */
export const CSV_ENCODINGS = ['utf-8', 'utf-16le', 'utf-16be', 'windows-1258', 'tcvn3', 'vni'] as const;
export type CsvEncoding = (typeof CSV_ENCODINGS)[number];

export type FileFormat = 'xlsx' | 'csv';

export type SourceFile = { path: string; format: FileFormat; encoding: string; delimiter: string | null };

export type SheetNotes = { sheetName: string | null; hiddenSheets: string[]; formulas: number; mergedRanges: number };

export class UnreadableFile extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** Above this a data row is refused (the ceiling is 500,000 rows per file). */
export const MAX_ROWS = 500_000;
export const MAX_COLUMNS = 200;

/** What the first bytes say: a zip (xlsx), the old binary .xls, or text (CSV). */
export async function sniffFormat(path: string): Promise<FileFormat | 'xls' | 'empty' | 'binary'> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(4096);
    const { bytesRead } = await fh.read(buf, 0, 4096, 0);
    if (bytesRead === 0) return 'empty';
    const head = buf.subarray(0, bytesRead);
    if (head.length >= 4 && head.readUInt32LE(0) === 0x04034b50) return 'xlsx';
    if (head.length >= 4 && head.readUInt32BE(0) === 0xd0cf11e0) return 'xls';
    const utf16 = (head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff);
    // NUL bytes outside UTF-16, or other control bytes: not a text file.
    if (!utf16 && head.includes(0) && !looksUtf16(head)) return 'binary';
    return 'csv';
  } finally {
    await fh.close();
  }
}

function looksUtf16(head: Buffer): boolean {
  let evenZeros = 0;
  let oddZeros = 0;
  for (let i = 0; i < head.length; i++) if (head[i] === 0) (i % 2 ? oddZeros++ : evenZeros++);
  return Math.max(evenZeros, oddZeros) > head.length / 4 && Math.min(evenZeros, oddZeros) < head.length / 50;
}

function isValidUtf8(buf: Buffer): boolean {
  // A multi-byte character cut at the end of the sample is not an error.
  const text = new TextDecoder('utf-8', { fatal: false }).decode(buf);
  const bad = (text.match(/\uFFFD/g) ?? []).length;
  return bad <= 1;
}

/** The byte encoding of a CSV, from its first 256 KB. */
export async function detectCsvEncoding(path: string): Promise<CsvEncoding> {
  const fh = await open(path, 'r');
  let head: Buffer;
  try {
    const buf = Buffer.alloc(256 * 1024);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    head = buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return 'utf-8';
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  if (looksUtf16(head.subarray(0, 4096))) {
    let even = 0;
    for (let i = 0; i < Math.min(head.length, 4096); i += 2) if (head[i] === 0) even++;
    return even > 100 || even > head.length / 8 ? 'utf-16be' : 'utf-16le';
  }
  if (!head.some((b) => b >= 0x80) || isValidUtf8(head)) return 'utf-8';
  const latin1 = head.toString('latin1');
  const scores: [CsvEncoding, number][] = [
    ['windows-1258', vietnameseScore(iconv.decode(head, 'windows-1258').normalize('NFC'))],
    ['tcvn3', vietnameseScore(decodeTcvn3(latin1))],
    ['vni', vietnameseScore(decodeVni(latin1))],
  ];
  scores.sort((a, b) => b[1] - a[1]);
  return scores[0]![0];
}

const BYTE_DECODING: Record<CsvEncoding, string> = {
  'utf-8': 'utf-8', 'utf-16le': 'utf-16le', 'utf-16be': 'utf-16be', 'windows-1258': 'windows-1258', tcvn3: 'latin1', vni: 'latin1',
};

/** The delimiter of a CSV: the one of , ; tab | that splits the first lines most evenly. */
export function detectDelimiter(sample: string): string {
  const lines = sample.split(/\r?\n/).filter((l) => l.trim()).slice(0, 20);
  let best = ',';
  let bestScore = -1;
  for (const d of [',', ';', '\t', '|']) {
    const counts = lines.map((l) => l.replace(/"[^"]*"/g, '').split(d).length - 1);
    if (!counts.length || counts[0] === 0) continue;
    const consistent = counts.filter((c) => c === counts[0]).length;
    const score = consistent * 100 + counts[0]!;
    if (score > bestScore) [best, bestScore] = [d, score];
  }
  return best;
}

async function csvSample(path: string, encoding: CsvEncoding): Promise<string> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return iconv.decode(buf.subarray(0, bytesRead), BYTE_DECODING[encoding]);
  } finally {
    await fh.close();
  }
}

export async function csvDelimiter(path: string, encoding: CsvEncoding): Promise<string> {
  return detectDelimiter(await csvSample(path, encoding));
}

async function* csvRows(file: SourceFile): AsyncGenerator<RawRow> {
  const encoding = (CSV_ENCODINGS as readonly string[]).includes(file.encoding) ? (file.encoding as CsvEncoding) : 'utf-8';
  const parser = createReadStream(file.path)
    .pipe(iconv.decodeStream(BYTE_DECODING[encoding], { stripBOM: true }))
    .pipe(parseCsv({ delimiter: file.delimiter ?? ',', relax_column_count: true, relax_quotes: true, skip_empty_lines: false, bom: true, max_record_size: 1_000_000 }));
  let rowNumber = 0;
  for await (const record of parser as AsyncIterable<string[]>) {
    rowNumber++;
    yield { rowNumber, cells: record.slice(0, MAX_COLUMNS).map((v) => (v === '' ? null : v.normalize('NFC'))) };
  }
}

type ExcelValue = ExcelJS.CellValue;

function cellOf(value: ExcelValue): { cell: Cell; formula?: boolean; missing?: boolean } {
  if (value === null || value === undefined) return { cell: null };
  if (typeof value === 'string') return { cell: value.normalize('NFC') };
  if (typeof value === 'number' || typeof value === 'boolean' || value instanceof Date) return { cell: value };
  if (typeof value === 'object') {
    if ('formula' in value || 'sharedFormula' in value) {
      const result = (value as { result?: unknown }).result;
      if (result === undefined || result === null || (typeof result === 'object' && 'error' in (result as object))) return { cell: null, formula: true, missing: true };
      return { cell: cellOf(result as ExcelValue).cell, formula: true };
    }
    if ('richText' in value) return { cell: value.richText.map((r) => r.text).join('').normalize('NFC') };
    if ('text' in value && typeof (value as { text: unknown }).text === 'string') return { cell: String((value as { text: string }).text).normalize('NFC') };
    if ('error' in value) return { cell: null };
  }
  return { cell: String(value) };
}

async function* xlsxRows(file: SourceFile, notes: SheetNotes): AsyncGenerator<RawRow> {
  const entries = await readZipDirectory(file.path);
  checkWorkbookEntries(entries);
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(file.path, { sharedStrings: 'cache', styles: 'cache', hyperlinks: 'ignore', worksheets: 'emit', entries: 'ignore' });
  let read = false;
  for await (const worksheet of reader as unknown as AsyncIterable<ExcelJS.stream.xlsx.WorksheetReader & { name?: string; state?: string; id?: number }>) {
    if (read || (worksheet.state && worksheet.state !== 'visible')) {
      if (!read && worksheet.name) notes.hiddenSheets.push(worksheet.name);
      // Drain the sheet: the reader moves on only when it is consumed.
      for await (const _ of worksheet as unknown as AsyncIterable<unknown>) void _;
      continue;
    }
    read = true;
    notes.sheetName = worksheet.name ?? null;
    const entry = entries.find((e) => e.name === `xl/worksheets/sheet${worksheet.id}.xml`);
    const merges = entry ? await mergedRanges(file.path, entry) : [];
    notes.mergedRanges = merges.length;
    const byTop = new Map<number, MergedRange[]>();
    for (const m of merges) (byTop.get(m.top) ?? byTop.set(m.top, []).get(m.top)!).push(m);
    // Active merged areas: the value of their first cell, copied into every cell they cover.
    let active: { range: MergedRange; value: Cell }[] = [];
    for await (const row of worksheet as unknown as AsyncIterable<ExcelJS.Row>) {
      const cells: Cell[] = [];
      const missing: number[] = [];
      row.eachCell({ includeEmpty: false }, (c, col) => {
        if (col > MAX_COLUMNS) return;
        const { cell, formula, missing: noValue } = cellOf(c.value);
        if (formula) notes.formulas++;
        if (noValue) missing.push(col - 1);
        cells[col - 1] = cell;
      });
      for (let i = 0; i < cells.length; i++) if (cells[i] === undefined) cells[i] = null;
      active = active.filter((a) => a.range.bottom >= row.number);
      for (const range of byTop.get(row.number) ?? []) active.push({ range, value: cells[range.left - 1] ?? null });
      for (const { range, value } of active) {
        for (let col = range.left; col <= range.right; col++) if (cells[col - 1] === null || cells[col - 1] === undefined) cells[col - 1] = value;
      }
      yield { rowNumber: row.number, cells, formulaWithoutValue: missing.length ? missing : undefined };
    }
  }
  if (!read) throw new UnreadableFile('no_visible_sheet');
}

/** Every row of the file, numbered as the province sees it (row 1 is the first line or row). */
export function readRows(file: SourceFile, notes: SheetNotes = { sheetName: null, hiddenSheets: [], formulas: 0, mergedRanges: 0 }): AsyncGenerator<RawRow> {
  return file.format === 'xlsx' ? xlsxRows(file, notes) : csvRows(file);
}

export function cellText(cell: Cell): string {
  if (cell === null || cell === undefined) return '';
  if (cell instanceof Date) return cell.toISOString().slice(0, 10);
  return String(cell);
}
