/**
 * Typos on common name syllables, which the index does not look up with a typo (its
 * `disableOnWords`, index-settings.ts: looking up "van" with a typo would bring in lists of
 * hundreds of thousands of records). When such a syllable is itself the slip ("hong" for Hoàng,
 * "trong" for Trương, "tai" for Thái), the name meant is one edit away: these are the name
 * syllables one edit from what was typed, likeliest first for the place the word has in the name
 * (a first word is read as the family name, a last as the given name), from the name-frequency
 * data (name-syllables.ts). The service asks for them only when nobody's name matches every typed
 * word (search.service.ts), so the common case keeps the speed that disableOnWords bought.
 */
import { withinOneEdit } from './highlight.js';
import { COMMON_NAME_SYLLABLES } from './index-settings.js';
import { NAME_SYLLABLE_SHARES } from './name-syllables.js';

const NO_TYPO: ReadonlySet<string> = new Set(COMMON_NAME_SYLLABLES);
/** Shorter words take no typo in the engine either (minWordSizeForTypos): "vn" for Văn, "ng" for Ngô. */
const ONE_TYPO_FROM = 3;
/** Rarer than this in its place, a syllable is not worth a query of its own. */
const MIN_SHARE = 0.002;
/** At most this many variant queries per search: each costs the engine a names-only query. */
export const MAX_VARIANT_QUERIES = 4;

export type Variant = { at: number; word: string; share: number };

/** How many likely middle names a family + given name is tried with (search.service.ts): the six commonest of the war generation (Văn, Đình, Đức, Hữu, Xuân, Quang) carry about three in four of its three-word names. */
export const MIDDLE_NAME_QUERIES = 6;

/** The likeliest middle names, with their share in that place: "nguyen thanh" is most often Nguyễn Văn Thành. */
export const LIKELY_MIDDLE_NAMES: ReadonlyArray<{ word: string; share: number }> = Object.entries(NAME_SYLLABLE_SHARES)
  .map(([word, shares]) => ({ word, share: shares[1] }))
  .sort((a, b) => b.share - a.share)
  .slice(0, 12);

/** The share of a syllable as a middle name (a floor for the unknown). */
export const middleShare = (word: string): number => Math.max(NAME_SYLLABLE_SHARES[word]?.[1] ?? 0, 0.0005);

type Place = 0 | 1 | 2;
const placeOf = (at: number, count: number): Place | undefined => (count < 2 ? undefined : at === 0 ? 0 : at === count - 1 ? 2 : 1);

/** The syllables one edit from `typed` (same first letter, as the engine counts typos), with their share in that place. */
function neighbours(typed: string, place: Place | undefined): Array<{ word: string; share: number }> {
  const found: Array<{ word: string; share: number }> = [];
  for (const [word, shares] of Object.entries(NAME_SYLLABLE_SHARES)) {
    if (word === typed || word[0] !== typed[0] || !withinOneEdit(word, typed)) continue;
    // A short word stands for a longer one: "vn" is Văn typed without its vowel, not Vũ.
    if (typed.length < ONE_TYPO_FROM && word.length <= typed.length) continue;
    const share = place === undefined ? Math.max(...shares) : shares[place];
    if (share >= MIN_SHARE) found.push({ word, share });
  }
  return found;
}

const cache = new Map<string, Array<{ word: string; share: number }>>();

/**
 * For folded name words as typed: the likeliest replacements of one common syllable each, at most
 * MAX_VARIANT_QUERIES; those of words `firstName` (the engine's first answer) lacks come first, then
 * likeliest first. Words the engine already forgives a typo in have none.
 */
export function typoVariants(words: readonly string[], firstName: readonly string[] = []): Variant[] {
  const all: Variant[] = [];
  words.forEach((typed, at) => {
    // Two letters take no typo in the engine, a name syllable ("lu" for Lưu, Lữ) included.
    const short = typed.length < ONE_TYPO_FROM;
    if (!NO_TYPO.has(typed) && !short) return;
    const place = placeOf(at, words.length);
    const key = `${typed}:${place}`;
    let list = cache.get(key);
    if (!list) {
      list = neighbours(typed, place).sort((a, b) => b.share - a.share);
      cache.set(key, list);
    }
    for (const n of list) all.push({ at, ...n });
  });
  const lacking = (v: Variant) => (firstName.includes(words[v.at]!) ? 0 : 1);
  return all.sort((a, b) => lacking(b) - lacking(a) || b.share - a.share).slice(0, MAX_VARIANT_QUERIES);
}
