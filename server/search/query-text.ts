/**
 * What a person typed → the text sent to the engine. Meilisearch drops words from the end of a
 * query when too few documents match all of them, so the words that narrow (years, province names)
 * go last and the name first, whatever order they were typed in; words that only say "martyr"
 * ("liệt sĩ", "ls") are dropped since every record is one.
 */
import type { ProvinceCatalogue } from '../places/province-catalogue.js';
import { toDiacritics } from '../text/input-methods.js';
import { foldVietnamese, nfc } from '../text/vietnamese.js';
import { provinceKey } from './province-keys.js';

const FILLER = /(^|\s)(li[eệ]t\s+s[iĩyỹ]|ls|m[oộ]\s+li[eệ]t\s+s[iĩyỹ])(?=\s|$)/giu;
const YEAR = /^(18|19|20)\d{2}$/;
const PROVINCE_WORD_BEFORE = /(^|\s)(tinh|tỉnh|tp\.?|thanh pho|thành phố)\s*$/iu;

export type QueryText = {
  /** The text for Meilisearch: name words, then the keys of the provinces named (province-keys.ts), then years. */
  text: string;
  /** The words that are left once years and places are taken out: the name, as typed. */
  nameText: string;
  years: number[];
  /** Province names found in the query, folded ("ha tinh"). */
  places: string[];
};

export function analyseQuery(raw: string, catalogue: Pick<ProvinceCatalogue, 'placeNamesFolded'>): QueryText {
  // Telex and VNI typed with the input method off ("nguyeenx vawn thanhf") read as the words they
  // spell, so they are matched, and re-ranked, as if typed with diacritics (input-methods.ts).
  let rest = ` ${toDiacritics(nfc(raw)).replace(FILLER, ' ')} `;
  const places: string[] = [];
  const keys: string[] = [];
  let folded = foldVietnamese(rest);
  // A province at the end of the query first ("pham xuan thanh hoa binh" is someone of Hoà Bình,
  // not a "Phạm Xuân Bình" of Thanh Hoá), then longest names first, so "ha tinh" is taken before a
  // shorter name could match part of it.
  const atEnd = catalogue.placeNamesFolded.filter((name) => folded.trimEnd().endsWith(` ${name}`));
  for (const name of [...atEnd, ...catalogue.placeNamesFolded]) {
    const at = name === atEnd[0] ? folded.lastIndexOf(` ${name} `) : folded.indexOf(` ${name} `);
    if (at < 0) continue;
    // Folding keeps the length of NFC Vietnamese text, so positions carry over to the original.
    const original = rest.slice(at + 1, at + 1 + name.length);
    if (foldVietnamese(original) !== name) continue;
    // A name is two words or more: "nguyen quang binh" is Nguyễn Quang Bình, not a Nguyễn of Quảng
    // Bình, and "quang binh nguyen" likewise leaves one word. Only when at least two name words
    // stay is the province taken as a place.
    const left = `${rest.slice(0, at)} ${rest.slice(at + 1 + name.length)}`.split(/\s+/).filter((w) => w && !YEAR.test(w) && !PROVINCE_WORD_BEFORE.test(` ${w}`));
    if (left.length < 2) continue;
    places.push(original);
    keys.push(provinceKey(name));
    // "tinh thai binh", "tp Hồ Chí Minh": the unit word before a province's name says nothing more.
    const before = rest.slice(0, at).replace(PROVINCE_WORD_BEFORE, '');
    rest = `${before} ${rest.slice(at + 1 + name.length)}`;
    folded = foldVietnamese(rest);
  }
  const words = rest.split(/\s+/).filter(Boolean);
  const years = words.filter((w) => YEAR.test(w)).map(Number);
  const nameWords = words.filter((w) => !YEAR.test(w));
  return {
    text: [...nameWords, ...keys, ...years.map(String)].join(' '),
    nameText: nameWords.join(' '),
    years,
    places: places.map(foldVietnamese),
  };
}
