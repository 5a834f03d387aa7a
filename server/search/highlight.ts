/**
 * Which words of a name match what was typed, marked with <mark> for the results list.
 *
 * Done here rather than by Meilisearch: its highlighter sends back a second, formatted copy of
 * every retrieved attribute and re-tokenizes each hit, which cost about 15% of its search time on
 * the benchmark's queries. Here it is a handful of short names against a handful of typed words.
 * The rules follow the engine's: words compared without diacritics, the last typed word also as
 * the start of a word (typing is not finished), and one typo forgiven from three letters.
 */
import Handlebars from 'handlebars';
import { foldVietnamese } from '../text/vietnamese.js';
import { COMMON_NAME_SYLLABLES } from './index-settings.js';

/** The same sizes as the index's typo tolerance (index-settings.ts). */
const ONE_TYPO_FROM = 3;
const NO_TYPO: ReadonlySet<string> = new Set(COMMON_NAME_SYLLABLES);
/** Spelling variants the index treats as one (its synonyms), folded: sỹ/sĩ, quí/quý... */
const VARIANTS: Record<string, string> = { sy: 'si', qui: 'quy', ki: 'ky', li: 'ly', mi: 'my', hi: 'hy' };

const canonical = (folded: string) => VARIANTS[folded] ?? folded;

/** True when a and b differ by at most one insertion, deletion, substitution or swap of neighbours. */
export function withinOneEdit(a: string, b: string): boolean {
  if (a === b) return true;
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  if (a.length === b.length) {
    if (a.slice(i + 1) === b.slice(i + 1)) return true; // one letter replaced
    return a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2); // two swapped
  }
  const [long, short] = a.length > b.length ? [a, b] : [b, a];
  return long.slice(i + 1) === short.slice(i); // one letter more
}

export type TypedWords = { whole: string[]; prefix: string | undefined };

/** The typed text as folded words; the last one counts as a prefix unless the text ends in a space. */
export function typedWords(text: string, lastIsPrefix: boolean): TypedWords {
  const folded = foldVietnamese(text.normalize('NFC')).split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  // The prefix as typed: "mi" is the start of "minh", whatever spelling variant "mi" is of "my".
  const prefix = lastIsPrefix && !/\s$/.test(text) ? folded.at(-1) : undefined;
  return { whole: folded.map(canonical), prefix };
}

/**
 * Whether a typed word matches a name's word with one typo, as the engine counts typos: a wrong
 * first letter counts as two, which no name word is long enough to be forgiven.
 */
const oneTypoApart = (typed: string, word: string) =>
  typed.length >= ONE_TYPO_FROM && !NO_TYPO.has(typed) && typed[0] === word[0] && withinOneEdit(typed, word);

function matches(word: string, typed: TypedWords): boolean {
  const folded = foldVietnamese(word);
  if (typed.prefix && folded.startsWith(typed.prefix)) return true;
  const key = canonical(folded);
  return typed.whole.some((t) => t === key || oneTypoApart(t, key));
}

/** The escaping the page templates use (Handlebars), for the marked names they insert as HTML. */
export const escapeHtml = (value: string): string => Handlebars.Utils.escapeExpression(value);

/** The value, HTML-escaped, with <mark> around each word that matches; undefined when none does. */
export function highlightWords(value: string | null, typed: TypedWords): string | undefined {
  if (!value || typed.whole.length === 0) return undefined;
  let marked = false;
  // Split keeping the separators, so the text comes back exactly as written.
  const html = value
    .split(/([\p{L}\p{M}\p{N}]+)/u)
    .map((part, i) => {
      if (i % 2 === 0 || !matches(part, typed)) return escapeHtml(part);
      marked = true;
      return `<mark>${escapeHtml(part)}</mark>`;
    })
    .join('');
  return marked ? html : undefined;
}
