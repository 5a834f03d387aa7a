/** The pure parts of dossiers: Tesseract's TSV, the contradiction finder, the index's scope filter, marks, file names. */
import { describe, expect, it } from 'vitest';
import { scopeOf } from '../../server/accounts/scope.js';
import { findContradictions, type RecordFields } from '../../server/dossiers/contradictions.js';
import { markedRanges, scopeFilter } from '../../server/dossiers/dossier-index.js';
import { fileNameKey } from '../../server/dossiers/dossiers.service.js';
import { parseTesseractTsv, writingOf } from '../../server/dossiers/ocr.js';

const HEADER = 'level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext';
const tsvOf = (lines: string[][]) =>
  [HEADER, ...lines.flatMap((words, li) => words.map((w, wi) => ['5', '1', '1', '1', String(li + 1), String(wi + 1), String(100 + wi * 120), String(200 + li * 80), '100', '40', '91.5', w].join('\t')))].join('\n');

/** A page as the OCR gives it: text with each word's offset and box. */
const page = (lines: string[]) => parseTesseractTsv(tsvOf(lines.map((l) => l.split(' '))));

const RECORD: RecordFields = {
  full_name: 'Nguyễn Văn Thắng', birth_year: 1950, death_year: 1972, death_month: 3, death_day: 12,
  hometown_text: 'xã Thạch Kim, huyện Thạch Hà, tỉnh Hà Tĩnh', unit: 'Trung đoàn 141, Sư đoàn 312', certificate_number: '12345',
};

const NOTICE = ['GIẤY BÁO TỬ', 'Họ và tên: Nguyễn Văn Thắng', 'Sinh năm: 1950', 'Quê quán: xã Thạch Kim, huyện Thạch Hà, tỉnh Hà Tĩnh', 'Đơn vị: Trung đoàn 141, Sư đoàn 312', 'Đã hy sinh ngày 12 tháng 3 năm 1972', 'Đồng chí đã hy sinh anh dũng.'];

describe('Tesseract TSV', () => {
  it('builds the page text line by line, NFC, with each word at its offset and its box', () => {
    const decomposed = 'Thắng'.normalize('NFD');
    const result = parseTesseractTsv(tsvOf([['Họ', 'và', 'tên:'], ['Nguyễn', 'Văn', decomposed]]));
    expect(result.text).toBe('Họ và tên:\nNguyễn Văn Thắng');
    expect(result.text).toBe(result.text.normalize('NFC'));
    const thang = result.words[5]!;
    expect(result.text.slice(thang.s, thang.s + thang.t.length)).toBe('Thắng');
    expect(thang).toMatchObject({ x: 340, y: 280, w: 100, h: 40, c: 91.5 });
    expect(result.confidence).toBe(91.5);
  });

  it('takes a page read with low confidence for handwriting', () => {
    expect(writingOf({ text: 'x', words: Array.from({ length: 10 }, () => ({ t: 'x', s: 0, x: 0, y: 0, w: 1, h: 1, c: 30 })), confidence: 30 })).toBe('handwritten');
    expect(writingOf(page(NOTICE))).toBe('printed');
  });
});

describe('contradictions between a page and the record', () => {
  it('finds none when the notice says what the record says', () => {
    const p = page(NOTICE);
    expect(findContradictions(RECORD, p.text, p.words, 'death_notice')).toEqual([]);
  });

  it('flags a different death date with the line and words as evidence', () => {
    const p = page(NOTICE.map((l) => l.replace('12 tháng 3 năm 1972', '21 tháng 3 năm 1972')));
    const [flag, ...rest] = findContradictions(RECORD, p.text, p.words, 'death_notice');
    expect(rest).toEqual([]);
    expect(flag).toMatchObject({ field: 'death_date', recordValue: '12/03/1972', documentValue: '21/03/1972', evidence: 'Đã hy sinh ngày 21 tháng 3 năm 1972', confidence: 91.5 });
    expect(flag!.wordIndexes.map((i) => p.words[i]!.t)).toEqual(['21', 'tháng', '3', 'năm', '1972']);
  });

  it('does not flag a more precise date of the same year, but flags another year', () => {
    const p = page(NOTICE);
    expect(findContradictions({ ...RECORD, death_month: null, death_day: null }, p.text, p.words, 'death_notice')).toEqual([]);
    expect(findContradictions({ ...RECORD, death_year: 1973, death_month: null, death_day: null }, p.text, p.words, 'death_notice').map((f) => f.field)).toEqual(['death_date']);
  });

  it('flags a name spelled otherwise, another unit, another hometown and birth year, matched without diacritics', () => {
    const p = page(NOTICE);
    const other: RecordFields = { ...RECORD, full_name: 'Nguyễn Văn Thẳng', unit: 'Trung đoàn 48', hometown_text: 'xã Đông Hưng, huyện Tiên Lữ, tỉnh Hưng Yên', birth_year: 1951 };
    expect(findContradictions(other, p.text, p.words, 'death_notice').map((f) => f.field).sort()).toEqual(['birth_year', 'hometown_text', 'unit']);
    // "Thẳng" and "Thắng" fold alike: diacritics are OCR's weakest point, not a contradiction.
    expect(findContradictions({ ...RECORD, full_name: 'Nguyễn Văn Thành' }, p.text, p.words, 'death_notice').map((f) => f.field)).toEqual(['full_name']);
  });

  it('reads the certificate number only on a certificate', () => {
    const p = page(['BẰNG TỔ QUỐC GHI CÔNG', 'Số: 54321']);
    expect(findContradictions(RECORD, p.text, p.words, 'certificate').map((f) => [f.field, f.documentValue])).toEqual([['certificate_number', '54321']]);
    expect(findContradictions(RECORD, p.text, p.words, 'death_notice')).toEqual([]);
  });
});

describe('the staff index filter', () => {
  it('is built from the grants: provinces see all, cemeteries and communes internal documents only', () => {
    expect(scopeFilter(scopeOf([{ role: 'admin', provinceCode: null, cemeteryId: null }]))).toBeUndefined();
    expect(scopeFilter(scopeOf([]))).toBeNull();
    expect(scopeFilter(scopeOf([{ role: 'province_officer', provinceCode: '42', cemeteryId: null }, { role: 'cemetery_staff', provinceCode: null, cemeteryId: 7 }]))).toBe(
      'provinceCodes IN ["42"] OR (cemeteryIds IN ["7"] AND classification = "internal")',
    );
    expect(scopeFilter(scopeOf([{ role: 'commune_officer', provinceCode: null, cemeteryId: null, communeCode: '18568' }]))).toBe('(communeCodes IN ["18568"] AND classification = "internal")');
  });

  it('turns Meilisearch marks into ranges of the original text', () => {
    expect(markedRanges('Giấy \u0001báo\u0002 \u0001tử\u0002 năm')).toEqual([{ start: 5, end: 8 }, { start: 9, end: 11 }]);
  });
});

describe('folder upload file names', () => {
  it('name the record by id or certificate number, and the kind of paper', () => {
    expect(fileNameKey('scans/12345.pdf')).toMatchObject({ id: 12345, kind: 'other' });
    expect(fileNameKey('12345_2.tif')).toMatchObject({ id: 12345 });
    expect(fileNameKey('12345_bao-tu.jpg')).toMatchObject({ id: 12345, kind: 'death_notice' });
    expect(fileNameKey('BTQ-778899.pdf')).toMatchObject({ certificate: 'BTQ-778899', kind: 'certificate' });
    expect(fileNameKey('ho so/AB 2231_2.png')).toMatchObject({ certificate: 'AB 2231' });
  });
});
