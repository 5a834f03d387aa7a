/**
 * Whether a record's name carries every word typed for the name: the test that decides when the
 * engine's answer is trusted as it is, and how answers merged from typo variants are ordered
 * (search.service.ts). Words are compared folded, the last typed word also as the start of a word,
 * one edit forgiven from three letters (same first letter, as the engine counts typos), and a
 * typo variant (typo-variants.ts) counts as the word it stands for.
 */
import { foldVietnamese } from '../text/vietnamese.js';
import { withinOneEdit } from './highlight.js';

/** Spelling variants the index treats as one (its synonyms), folded. */
const SPELLING: Record<string, string> = { sy: 'si', qui: 'quy', ki: 'ky', li: 'ly', mi: 'my', hi: 'hy' };
const canonical = (w: string) => SPELLING[w] ?? w;

export type TypedName = { words: string[]; lastIsPrefix: boolean; variants?: ReadonlyMap<number, ReadonlySet<string>> };

/**
 * How well one name matches: every typed word found, and how closely: two points for a word as
 * typed, one for the last word as the start of a longer one, none for a typo or a variant.
 */
export type NameScore = { all: boolean; exact: number; inFullName: boolean };

const wordsOf = (name: string) => foldVietnamese(name.normalize('NFC')).split(/[^\p{L}\p{N}]+/u).filter(Boolean).map(canonical);

export function typedName(nameText: string, lastIsPrefix: boolean): TypedName {
  return { words: wordsOf(nameText), lastIsPrefix: lastIsPrefix && !/\s$/.test(nameText) };
}

function scoreOne(typed: TypedName, own: string[]): { all: boolean; exact: number } {
  let exact = 0;
  for (let i = 0; i < typed.words.length; i++) {
    const t = typed.words[i]!;
    const last = i === typed.words.length - 1;
    if (own.includes(t)) {
      exact += 2;
      continue;
    }
    if (last && typed.lastIsPrefix && own.some((w) => w.startsWith(t))) {
      exact += 1;
      continue;
    }
    const near = own.some((w) => (t.length >= 3 && w[0] === t[0] && withinOneEdit(t, w)) || typed.variants?.get(i)?.has(w));
    if (!near) return { all: false, exact };
  }
  return { all: true, exact };
}

/** The best of a record's names (full name, name read on the headstone, aliases). */
export function nameScore(typed: TypedName, doc: { fullName: string | null; knownName: string | null; aliases: string[] }): NameScore {
  if (!typed.words.length) return { all: true, exact: 0, inFullName: true };
  let best: NameScore = { all: false, exact: 0, inFullName: false };
  const names = [doc.fullName, doc.knownName, ...doc.aliases];
  names.forEach((name, i) => {
    if (!name) return;
    const s = scoreOne(typed, wordsOf(name));
    const candidate = { ...s, inFullName: i < 2 };
    if (Number(candidate.all) * 100 + candidate.exact * 2 + Number(candidate.inFullName) > Number(best.all) * 100 + best.exact * 2 + Number(best.inFullName)) best = candidate;
  });
  return best;
}
