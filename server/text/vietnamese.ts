/**
 * Vietnamese text rules: stored as written (NFC), matched without diacritics. Tone marks may sit
 * on different vowels in different spellings ("Hoà" / "Hòa", "Thuỵ" / "Thụy"); toneInsensitiveKey
 * compares two spellings as the same word whatever the placement, but keeps the marks themselves.
 */

/** The five tone marks (huyền, sắc, hỏi, ngã, nặng) as combining characters. */
const TONE_MARKS = /[\u0300\u0301\u0309\u0303\u0323]/g;
const ALL_MARKS = /\p{M}/gu;

export function nfc(value: string): string {
  return value.normalize('NFC');
}

/** Lower case, no diacritics, đ → d: "Đặng Văn Đức" → "dang van duc". */
export function foldVietnamese(value: string): string {
  return value.normalize('NFD').replace(ALL_MARKS, '').replace(/đ/g, 'd').replace(/Đ/g, 'D').toLowerCase();
}

export function hasDiacritics(value: string): boolean {
  return foldVietnamese(value) !== value.toLowerCase();
}

/**
 * A key equal for two spellings of one word that differ only in where the tone mark sits:
 * the word without its tone mark, followed by the tone.
 */
export function toneInsensitiveKey(word: string): string {
  const decomposed = word.normalize('NFD').toLowerCase();
  const tones = decomposed.match(TONE_MARKS) ?? [];
  return `${decomposed.replace(TONE_MARKS, '').normalize('NFC')}|${tones.join('')}`;
}

/** Words of a text, for comparing with diacritics: split on anything that is not a letter or digit. */
export function words(value: string): string[] {
  return nfc(value).split(/[^\p{L}\p{M}\p{N}]+/u).filter(Boolean);
}

/** URL slug: "Nguyễn Văn Thành" → "nguyen-van-thanh". */
export function slugify(value: string, maxLength = 80): string {
  return foldVietnamese(value).replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, maxLength).replace(/-+$/, '');
}

/**
 * Words that say what kind of unit a place is (xã, huyện, tỉnh, thành phố...). Records write them
 * everywhere ("xã Đông Hưng, huyện Tiên Lữ, tỉnh Hưng Yên"); left in the searchable text, "tỉnh"
 * would match every query that names Hà Tĩnh, folded to "tinh".
 */
const ADMINISTRATIVE_WORDS = /(^|[\s,;.\-–(])(thành phố|thị xã|thị trấn|tp\.?|xã|phường|huyện|quận|tỉnh|khu phố|thôn|xóm|ấp|bản)(?=\s)/giu;

export function stripAdministrativeWords(value: string): string {
  return nfc(value).replace(ADMINISTRATIVE_WORDS, '$1').replace(/\s+/g, ' ').replace(/\s+,/g, ',').trim();
}
