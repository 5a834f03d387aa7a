/**
 * The one-minute check's reading of a page: what a printed death notice or certificate says about
 * the name, the dates, the hometown, the unit and the certificate number, found by the labels these
 * papers use ("Họ và tên:", "Quê quán:", "Đơn vị:", "hy sinh ngày … tháng … năm …"), and compared
 * with the record. Pure functions over the OCR text and words: tested on fixtures.
 */
import { foldVietnamese, stripAdministrativeWords } from '../text/vietnamese.js';
import type { OcrWord } from './ocr.js';

export const CHECKED_FIELDS = ['full_name', 'death_date', 'birth_year', 'hometown_text', 'unit', 'certificate_number'] as const;
export type CheckedField = (typeof CHECKED_FIELDS)[number];

export type RecordFields = {
  full_name: string;
  birth_year: number | null;
  death_year: number | null;
  death_month: number | null;
  death_day: number | null;
  hometown_text: string | null;
  unit: string | null;
  certificate_number: string | null;
};

export type Contradiction = {
  field: CheckedField;
  recordValue: string | null;
  documentValue: string;
  /** The line of the page that says it. */
  evidence: string;
  /** Indexes into the page's words of the value read. */
  wordIndexes: number[];
  /** Mean OCR confidence of those words (0-100). */
  confidence: number;
};

/** Folded one character at a time, so offsets in the folded text are offsets in the page text. */
export function foldKeepingOffsets(text: string): string {
  let out = '';
  for (const ch of text) {
    const folded = foldVietnamese(ch);
    out += folded.length === ch.length ? folded : ch.length === 1 ? (folded[0] ?? ch) : ch;
  }
  return out;
}

type Found = { value: string; start: number; end: number; line: string };

const LABELS: Record<'full_name' | 'hometown_text' | 'unit' | 'certificate_number', RegExp> = {
  full_name: /(?:^|\n)[^\S\n]*(?:ho va ten|ho ten|ho, ten|dong chi)\s*(?:khai sinh)?\s*[:.]\s*([^\n]+)/,
  hometown_text: /(?:^|\n)[^\S\n]*(?:que quan|nguyen quan)\s*[:.]\s*([^\n]+)/,
  unit: /(?:^|\n)[^\S\n]*(?:don vi|thuoc don vi|don vi khi hy sinh)\s*[:.]\s*([^\n]+)/,
  certificate_number: /(?:so bang|bang so|so)\s*[:.]\s*([0-9][0-9A-Za-z/.\-]{1,30})/,
};

function lineAround(text: string, start: number, end: number): string {
  const from = text.lastIndexOf('\n', start - 1) + 1;
  const to = text.indexOf('\n', end);
  return text.slice(from, to === -1 ? undefined : to).trim();
}

function findLabel(text: string, folded: string, field: keyof typeof LABELS): Found | undefined {
  const m = LABELS[field].exec(folded);
  if (!m || m.index === undefined) return undefined;
  const raw = m[1]!;
  const start = m.index + m[0].length - raw.length;
  // The value ends at the next label on the same line ("Sinh năm", "Cấp bậc"...) or the line's end.
  const cut = /\s(?:sinh nam|nam sinh|sinh ngay|cap bac|chuc vu|nhap ngu|ngay|que quan|don vi)\b/.exec(raw);
  const length = (cut ? raw.slice(0, cut.index) : raw).replace(/[\s,.;]+$/, '').length;
  const value = text.slice(start, start + length).trim();
  if (!value) return undefined;
  return { value, start, end: start + length, line: lineAround(text, start, start + length) };
}

type DateFound = { year: number; month: number | null; day: number | null; start: number; end: number; line: string };

function findDate(text: string, folded: string, lead: RegExp): DateFound | undefined {
  const patterns = [
    new RegExp(`${lead.source}[^\\n\\d]{0,12}(\\d{1,2})\\s*thang\\s*(\\d{1,2})\\s*nam\\s*(\\d{4})`),
    new RegExp(`${lead.source}[^\\n\\d]{0,12}(\\d{1,2})[/.-](\\d{1,2})[/.-](\\d{4})`),
    new RegExp(`${lead.source}[^\\n\\d]{0,12}thang\\s*(\\d{1,2})\\s*nam\\s*(\\d{4})`),
    new RegExp(`${lead.source}[^\\n\\d]{0,12}nam\\s*(\\d{4})`),
    new RegExp(`${lead.source}[^\\n\\d]{0,6}(\\d{4})(?!\\d)`),
  ];
  for (const [i, pattern] of patterns.entries()) {
    const m = pattern.exec(folded);
    if (!m || m.index === undefined) continue;
    const numbers = m.slice(1).map(Number);
    const [day, month, year] = i <= 1 ? numbers : i === 2 ? [null, numbers[0]!, numbers[1]!] : [null, null, numbers[0]!];
    if (year! < 1850 || year! > 2030 || (month !== null && (month < 1 || month > 12)) || (day !== null && (day < 1 || day > 31))) continue;
    const valueStart = m.index + m[0].search(/\d/);
    const end = m.index + m[0].length;
    return { year: year!, month, day, start: valueStart, end, line: lineAround(text, valueStart, end) };
  }
  return undefined;
}

/** Comparable words of a name or place: folded, without unit words and punctuation. */
const keyWords = (value: string) => foldVietnamese(stripAdministrativeWords(value)).split(/[^a-z0-9]+/).filter(Boolean);
const numbersOf = (value: string) => new Set(foldVietnamese(value).match(/\d+/g) ?? []);

function wordsIn(words: OcrWord[], start: number, end: number): number[] {
  return words.flatMap((w, i) => (w.s < end && w.s + w.t.length > start ? [i] : []));
}

const meanConfidence = (words: OcrWord[], indexes: number[]) =>
  indexes.length ? Math.round((indexes.reduce((sum, i) => sum + words[i]!.c, 0) / indexes.length) * 10) / 10 : 0;

const twoDigits = (n: number) => String(n).padStart(2, '0');
const dateText = (d: { year: number | null; month: number | null; day: number | null }) =>
  d.year === null ? null : d.month === null ? String(d.year) : d.day === null ? `${twoDigits(d.month)}/${d.year}` : `${twoDigits(d.day)}/${twoDigits(d.month)}/${d.year}`;

/** What the page says that the record does not: one entry per field at most. */
export function findContradictions(record: RecordFields, text: string, words: OcrWord[], kind: string): Contradiction[] {
  const folded = foldKeepingOffsets(text);
  const found: Contradiction[] = [];
  const add = (field: CheckedField, recordValue: string | null, documentValue: string, at: { start: number; end: number; line: string }) => {
    const wordIndexes = wordsIn(words, at.start, at.end);
    found.push({ field, recordValue, documentValue, evidence: at.line, wordIndexes, confidence: meanConfidence(words, wordIndexes) });
  };

  const name = findLabel(text, folded, 'full_name');
  if (name && keyWords(name.value).join(' ') !== keyWords(record.full_name).join(' ')) add('full_name', record.full_name, name.value, name);

  const death = findDate(text, folded, /hy sinh(?: ngay| vao ngay| luc)?/);
  if (death) {
    const differs =
      record.death_year === null ? false :
      death.year !== record.death_year ||
      (death.month !== null && record.death_month !== null && death.month !== record.death_month) ||
      (death.day !== null && record.death_day !== null && death.day !== record.death_day);
    if (differs) add('death_date', dateText({ year: record.death_year, month: record.death_month, day: record.death_day }), dateText(death)!, death);
  }

  const birth = findDate(text, folded, /(?<!hy )(?:sinh nam|nam sinh|sinh ngay)/);
  if (birth && record.birth_year !== null && birth.year !== record.birth_year) add('birth_year', String(record.birth_year), String(birth.year), birth);

  const hometown = findLabel(text, folded, 'hometown_text');
  if (hometown && record.hometown_text) {
    const doc = new Set(keyWords(hometown.value));
    const rec = new Set(keyWords(record.hometown_text));
    const shared = [...doc].filter((w) => rec.has(w)).length;
    // Records and notices abbreviate places differently; only a real disagreement counts.
    if (doc.size && shared / Math.min(doc.size, rec.size || 1) < 0.6) add('hometown_text', record.hometown_text, hometown.value, hometown);
  }

  const unit = findLabel(text, folded, 'unit');
  if (unit && record.unit) {
    const docNumbers = numbersOf(unit.value);
    const recNumbers = numbersOf(record.unit);
    if (docNumbers.size && [...docNumbers].some((n) => !recNumbers.has(n))) add('unit', record.unit, unit.value, unit);
  }

  const certificate = kind === 'certificate' ? findLabel(text, folded, 'certificate_number') : undefined;
  if (kind === 'certificate' && certificate && record.certificate_number && foldVietnamese(certificate.value).replace(/\W/g, '') !== foldVietnamese(record.certificate_number).replace(/\W/g, '')) {
    add('certificate_number', record.certificate_number, certificate.value, certificate);
  }
  return found;
}
