/**
 * Column mapping: headers as provinces write them, recognised; the officer confirms or changes the
 * mapping, which is saved per source. A column mapped to nothing is not read at all (relatives'
 * names, addresses, phone numbers never reach the records).
 */
import { createHash } from 'node:crypto';
import { foldVietnamese } from '../text/vietnamese.js';
import type { TextEncoding } from './legacy-encodings.js';

export const FIELDS = [
  'source_id', 'full_name', 'aliases', 'gender', 'birth', 'hometown', 'death', 'place_of_death', 'unit', 'rank', 'position',
  'certificate_number', 'certificate_date', 'cemetery', 'section', 'row', 'plot_number', 'plot', 'coordinates', 'confidential',
] as const;
export type Field = (typeof FIELDS)[number];

/** Fields several columns may feed: the first non-empty one wins ("Năm sinh" and "Ngày sinh"). */
export const MULTI_COLUMN_FIELDS: ReadonlySet<Field> = new Set(['birth', 'death', 'hometown']);

export type ColumnMapping = { index: number; header: string; field: Field | null; encoding: TextEncoding };
export type Mapping = { headerRow: number; columns: ColumnMapping[] };

/** Folded header → field. Headers are matched without diacritics, case or punctuation. */
const KNOWN: [RegExp, Field][] = [
  [/^(ma|ma so|ma ho so|so ho so|ma ls|ma liet si|id|ma ban ghi|ma dinh danh|so hs)$/, 'source_id'],
  [/^(ho va ten|ho ten|ho ten ls|ho va ten ls|ho ten liet si|ho va ten liet si|ten liet si|ten|ho ten khai sinh)$/, 'full_name'],
  [/^(bi danh|ten khac|ten goi khac)$/, 'aliases'],
  [/^(gioi tinh|gt)$/, 'gender'],
  [/^(nam sinh|ngay sinh|ngay thang nam sinh|sinh nam|sinh ngay|ns)$/, 'birth'],
  [/^(nguyen quan|que quan|que)$/, 'hometown'],
  [/^(ngay hy sinh|nam hy sinh|ngay hi sinh|nam hi sinh|hy sinh ngay|ngay thang nam hy sinh|ngay hs|nam hs|hy sinh)$/, 'death'],
  [/^(noi hy sinh|noi hi sinh|dia diem hy sinh|noi hs)$/, 'place_of_death'],
  [/^(don vi|don vi khi hy sinh|don vi hy sinh|don vi khi hi sinh)$/, 'unit'],
  [/^(cap bac|quan ham)$/, 'rank'],
  [/^(chuc vu)$/, 'position'],
  [/^(so bang tqgc|so bang|so bang to quoc ghi cong|bang tqgc|so bang ghi cong)$/, 'certificate_number'],
  [/^(ngay cap bang|ngay cap|ngay cap bang tqgc|ngay cap bang to quoc ghi cong)$/, 'certificate_date'],
  [/^(noi an tang|nghia trang|ten nghia trang|ma nghia trang|nghia trang an tang|ntls)$/, 'cemetery'],
  [/^(khu|lo|khu mo|lo mo)$/, 'section'],
  [/^(hang|hang mo)$/, 'row'],
  [/^(so mo|mo so)$/, 'plot_number'],
  [/^(vi tri mo|vi tri|vi tri an tang)$/, 'plot'],
  [/^(toa do|toa do mo|vi tri toa do|gps)$/, 'coordinates'],
  [/^(mat|bao mat|do mat|muc do mat|mat hs|cong khai)$/, 'confidential'],
];

export const headerKey = (header: string) => foldVietnamese(header).replace(/[^a-z0-9]+/g, ' ').trim();

export function recogniseHeader(header: string): Field | null {
  const key = headerKey(header);
  if (!key) return null;
  for (const [re, field] of KNOWN) if (re.test(key)) return field;
  return null;
}

/**
 * A mapping for a header row: the source's saved mapping first (by header text), recognition
 * second; a field a single column feeds goes to its first column only.
 */
export function proposeMapping(headers: string[], saved: Record<string, Field | null>, encodings: TextEncoding[], headerRow: number): Mapping {
  const taken = new Set<Field>();
  const columns = headers.map((header, index): ColumnMapping => {
    const key = headerKey(header);
    let field: Field | null = key in saved ? saved[key] ?? null : recogniseHeader(header);
    if (field && taken.has(field) && !MULTI_COLUMN_FIELDS.has(field)) field = null;
    if (field) taken.add(field);
    return { index, header, field, encoding: encodings[index] ?? 'unicode' };
  });
  return { headerRow, columns };
}

/** What is saved for the source: header text → field, for the next file. */
export function savedFormOf(mapping: Mapping): Record<string, Field | null> {
  return Object.fromEntries(mapping.columns.filter((c) => headerKey(c.header)).map((c) => [headerKey(c.header), c.field]));
}

/** Problems with a mapping as a whole, before any row is read. */
export function mappingProblems(mapping: Mapping): string[] {
  const problems: string[] = [];
  const mapped = mapping.columns.filter((c) => c.field);
  if (!mapped.length) problems.push('mapping_empty');
  else if (!mapped.some((c) => c.field === 'full_name')) problems.push('mapping_no_name');
  const counts = new Map<Field, number>();
  for (const c of mapped) counts.set(c.field!, (counts.get(c.field!) ?? 0) + 1);
  for (const [field, n] of counts) if (n > 1 && !MULTI_COLUMN_FIELDS.has(field)) problems.push(`mapping_twice:${field}`);
  return problems;
}

/**
 * The hash of exactly what a dry run read: the file's bytes (their sha256), how it is decoded, the
 * mapping and the batch options. The commit refuses to run unless it is the same.
 */
export function runHash(input: { fileSha256: string; encoding: string; delimiter: string | null; mapping: Mapping; visibility: string; createCemeteries: boolean }): string {
  const canonical = JSON.stringify({
    file: input.fileSha256,
    encoding: input.encoding,
    delimiter: input.delimiter,
    headerRow: input.mapping.headerRow,
    columns: input.mapping.columns.map((c) => [c.index, c.field, c.encoding]),
    visibility: input.visibility,
    createCemeteries: input.createCemeteries,
  });
  return createHash('sha256').update(canonical).digest('hex');
}
