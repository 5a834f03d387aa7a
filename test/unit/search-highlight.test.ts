import { describe, expect, it } from 'vitest';
import { highlightWords, typedWords, withinOneEdit } from '../../server/search/highlight.js';

describe('withinOneEdit', () => {
  it('accepts one letter replaced, added, dropped or two neighbours swapped', () => {
    expect(withinOneEdit('hung', 'hung')).toBe(true);
    expect(withinOneEdit('hug', 'hung')).toBe(true);
    expect(withinOneEdit('thnah', 'thanh')).toBe(true);
    expect(withinOneEdit('thach', 'thanh')).toBe(true);
    expect(withinOneEdit('thanhh', 'thanh')).toBe(true);
  });
  it('refuses two edits', () => {
    expect(withinOneEdit('hg', 'hung')).toBe(false);
    expect(withinOneEdit('tnhah', 'thanh')).toBe(false);
    expect(withinOneEdit('abcd', 'badc')).toBe(false);
  });
});

describe('highlightWords', () => {
  const mark = (value: string, text: string, prefix = false) => highlightWords(value, typedWords(text, prefix));

  it('marks the words typed without diacritics, keeping the text as written', () => {
    expect(mark('Đặng Văn Đức', 'dang van duc')).toBe('<mark>Đặng</mark> <mark>Văn</mark> <mark>Đức</mark>');
    expect(mark('Nguyễn Văn Thành', 'van thanh')).toBe('Nguyễn <mark>Văn</mark> <mark>Thành</mark>');
  });
  it('forgives one typo from three letters, as the index does, but not in the commonest syllables', () => {
    expect(mark('Trần Văn Hùng', 'tran van hug')).toBe('<mark>Trần</mark> <mark>Văn</mark> <mark>Hùng</mark>');
    expect(mark('Nguyễn Văn Thạch', 'nguyen van thanh')).toBe('<mark>Nguyễn</mark> <mark>Văn</mark> Thạch');
    expect(mark('Lê Văn Tý', 'le van ty')).toBe('<mark>Lê</mark> <mark>Văn</mark> <mark>Tý</mark>');
  });
  it('forgives no typo in the first letter, as the engine counts it as two', () => {
    expect(mark('Nguyễn Văn Minh', 'vinh')).toBeUndefined();
    expect(mark('Đoàn Văn Hải', 'loan')).toBeUndefined();
    expect(mark('Nguyễn Văn Thanh', 'nguyen hanh')).toBe('<mark>Nguyễn</mark> Văn Thanh');
  });
  it('reads a last word that is also a spelling variant as the start of a word', () => {
    expect(mark('Nguyễn Văn Minh', 'nguyen van mi', true)).toBe('<mark>Nguyễn</mark> <mark>Văn</mark> <mark>Minh</mark>');
    expect(mark('Lê Thị Kim', 'le thi ki', true)).toBe('<mark>Lê</mark> <mark>Thị</mark> <mark>Kim</mark>');
  });
  it('reads the last word as the start of one only while typing', () => {
    expect(mark('Nguyễn Văn Thành', 'nguyen van th', true)).toBe('<mark>Nguyễn</mark> <mark>Văn</mark> <mark>Thành</mark>');
    expect(mark('Nguyễn Văn Thành', 'nguyen van th', false)).toBe('<mark>Nguyễn</mark> <mark>Văn</mark> Thành');
  });
  it('treats i and y spellings alike', () => {
    expect(mark('Bùi Văn Sỹ', 'bui van si')).toBe('<mark>Bùi</mark> <mark>Văn</mark> <mark>Sỹ</mark>');
  });
  it('escapes HTML and says nothing when nothing matches', () => {
    expect(mark('<b>Tư</b> & Ba', 'tu')).toBe('&lt;b&gt;<mark>Tư</mark>&lt;/b&gt; &amp; Ba');
    expect(mark('Nguyễn Văn Thành', 'tran')).toBeUndefined();
    expect(mark('', 'tran')).toBeUndefined();
  });
});
