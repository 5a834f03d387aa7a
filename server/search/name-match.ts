/**
 * Whether a record's name carries every word typed for the name: the test that decides when the
 * engine's answer is trusted as it is, and how answers merged from typo variants are ordered
 * (search.service.ts). Words are compared folded, the last typed word also as the start of a word,
 * one edit forgiven from three letters (same first letter, as the engine counts typos), and a
 * typo variant (typo-variants.ts) counts as the word it stands for.
 */
import { foldVietnamese } from '../text/vietnamese.js';
import { withinOneEdit } from './highlight.js';
import { COMMON_NAME_SYLLABLES } from './index-settings.js';
import { NAME_SYLLABLE_SHARES } from './name-syllables.js';

const NO_TYPO: ReadonlySet<string> = new Set(COMMON_NAME_SYLLABLES);

/** Spelling variants the index treats as one (its synonyms), folded. */
const SPELLING: Record<string, string> = { sy: 'si', qui: 'quy', ki: 'ky', li: 'ly', mi: 'my', hi: 'hy' };
const canonical = (w: string) => SPELLING[w] ?? w;

export type TypedName = { words: string[]; lastIsPrefix: boolean; variants?: ReadonlyMap<number, ReadonlySet<string>> };

/** How well one name matches: every typed word found, and how closely (points, scoreOne). */
export type NameScore = {
  all: boolean;
  exact: number;
  inFullName: boolean;
  /** The first typed word is the name's first (the family name) and the last its last (the given name). */
  ends: boolean;
  /** Words of the name beyond those typed: "nguyen thanh" is Nguyễn Thanh before Nguyễn Văn Thanh. */
  extra: number;
  /** The name's words, folded (its middle words decide the order among namesakes, search.service.ts). */
  words: string[];
};

/**
 * A name's folded words. Names repeat (a page of namesakes, the same records in several answers of
 * one search, the commonest names across searches), and folding is most of what ranking a window
 * costs: the words of names seen lately are kept.
 */
const foldedNames = new Map<string, readonly string[]>();
const FOLDED_NAMES_KEPT = 20_000;
function wordsOf(name: string): string[] {
  let words = foldedNames.get(name);
  if (!words) {
    words = foldVietnamese(name.normalize('NFC')).split(/[^\p{L}\p{N}]+/u).filter(Boolean).map(canonical);
    if (foldedNames.size >= FOLDED_NAMES_KEPT) foldedNames.clear();
    foldedNames.set(name, words);
  }
  return [...words];
}

export function typedName(nameText: string, lastIsPrefix: boolean): TypedName {
  return { words: wordsOf(nameText), lastIsPrefix: lastIsPrefix && !/\s$/.test(nameText) };
}

/**
 * A slip people make often: a letter doubled or dropped, or two neighbours swapped (what the issue's
 * reports show). A replaced letter is forgiven too, but ranks after these.
 */
function likelySlip(typed: string, word: string): boolean {
  if (typed.length === word.length + 1) {
    for (let i = 1; i < typed.length; i++) if (typed[i] === typed[i - 1] && typed.slice(0, i) + typed.slice(i + 1) === word) return true;
    return false;
  }
  if (typed.length + 1 === word.length) return true;
  if (typed.length !== word.length) return false;
  const diff = [...typed].flatMap((c, i) => (c === word[i] ? [] : [i]));
  return diff.length === 2 && diff[1] === diff[0]! + 1 && typed[diff[0]!] === word[diff[1]!] && typed[diff[1]!] === word[diff[0]!];
}

/**
 * Points: three for a word as typed, two for the last word as the start of a longer one, one for a
 * likely slip, none for another typo or a variant. Each word of the name answers one typed word:
 * "nguyen van nguyen" is not matched by Nguyễn Văn Quyết.
 */
function scoreOne(typed: TypedName, ownWords: string[]): { all: boolean; exact: number } {
  const own = [...ownWords];
  let exact = 0;
  const take = (i: number) => own.splice(i, 1);
  for (let i = 0; i < typed.words.length; i++) {
    const t = typed.words[i]!;
    const last = i === typed.words.length - 1;
    const same = own.indexOf(t);
    if (same >= 0) {
      exact += 3;
      take(same);
      continue;
    }
    const prefix = last && typed.lastIsPrefix ? own.findIndex((w) => w.startsWith(t)) : -1;
    if (prefix >= 0) {
      exact += 2;
      take(prefix);
      continue;
    }
    // As the engine counts typos: none in a common syllable as typed (its disableOnWords), so "hai"
    // is not Hà: a record whose name has Hà came for a Hải somewhere else (highlight.ts likewise).
    const near = own.findIndex((w) => (t.length >= 3 && !NO_TYPO.has(t) && w[0] === t[0] && withinOneEdit(t, w)) || typed.variants?.get(i)?.has(w));
    if (near < 0) return { all: false, exact };
    if (withinOneEdit(t, own[near]!) && likelySlip(t, own[near]!)) exact += 1;
    take(near);
  }
  return { all: true, exact };
}

/** The best of a record's names (full name, name read on the headstone, aliases). */
export function nameScore(typed: TypedName, doc: { fullName: string | null; knownName: string | null; aliases: string[] }): NameScore {
  if (!typed.words.length) return { all: true, exact: 0, inFullName: true, ends: true, extra: 0, words: [] };
  let best: NameScore = { all: false, exact: 0, inFullName: false, ends: false, extra: 0, words: [] };
  const names = [doc.fullName, doc.knownName, ...doc.aliases];
  names.forEach((name, i) => {
    if (!name) return;
    const own = wordsOf(name);
    const s = scoreOne(typed, own);
    const near = (t: string, w: string | undefined) => w !== undefined && (t === w || (t.length >= 3 && w[0] === t[0] && withinOneEdit(t, w)));
    const ends = near(typed.words[0]!, own[0]) && (typed.words.length < 2 || near(typed.words.at(-1)!, own.at(-1)) || (typed.lastIsPrefix && own.at(-1)!.startsWith(typed.words.at(-1)!)));
    const candidate = { ...s, inFullName: i < 2, ends, extra: Math.max(0, own.length - typed.words.length), words: own };
    if (Number(candidate.all) * 100 + candidate.exact * 2 + Number(candidate.inFullName) > Number(best.all) * 100 + best.exact * 2 + Number(best.inFullName)) best = candidate;
  });
  return best;
}

/**
 * The typed words as a record's name spells them, where it carries one with a slip ("nguyne" →
 * "nguyen" when the record is a Nguyễn): the words are then asked for as spelled, for which the
 * engine's exactness rule can put the name that is exactly those words first, as it does for a
 * name typed without a slip. A word that is itself a name syllable is left as typed.
 */
export function correctedWords(typed: TypedName, doc: { fullName: string | null; knownName: string | null; aliases: string[] }): string[] {
  const score = nameScore(typed, doc);
  if (!score.all) return typed.words;
  const own = [...score.words];
  return typed.words.map((t) => {
    const same = own.indexOf(t);
    // A name syllable typed is taken as meant ("tra" is Trà, not a slip for Trần).
    const at = same >= 0 ? same : t in NAME_SYLLABLE_SHARES ? -1 : own.findIndex((w) => t.length >= 3 && w[0] === t[0] && withinOneEdit(t, w));
    if (at < 0) return t;
    return own.splice(at, 1)[0]!;
  });
}
