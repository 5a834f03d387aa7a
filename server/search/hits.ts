/** Engine documents → the public API's hits, the contract the map, the pages and outside users rely on. */
import { toneInsensitiveKey, words } from '../text/vietnamese.js';
import type { SearchDocument } from './documents.js';
import { escapeHtml, highlightWords, type TypedWords } from './highlight.js';

export type SearchHit = {
  kind: 'martyr' | 'grave';
  id: number;
  fullName: string | null;
  knownName: string | null;
  aliases: string[];
  birthDate: string | null;
  deathDate: string | null;
  hometown: string | null;
  hometownProvince: string | null;
  unit: string | null;
  placeOfDeath: string | null;
  graveId: number | null;
  graveState: string | null;
  cemetery: { id: number; name: string; url: string } | null;
  plot: string | null;
  location: { lat: number; lng: number } | null;
  photoUrl: string | null;
  thumbUrl: string | null;
  url: string;
  highlights: Record<string, string | string[]>;
  distanceMeters?: number;
};

/** The name fields with <mark> around the words that match what was typed. */
function highlights(doc: Pick<SearchDocument, 'fullName' | 'aliases' | 'knownName'>, typed: TypedWords | undefined): Record<string, string | string[]> {
  const result: Record<string, string | string[]> = {};
  if (!typed) return result;
  const fullName = highlightWords(doc.fullName, typed);
  if (fullName) result.fullName = fullName;
  const knownName = highlightWords(doc.knownName, typed);
  if (knownName) result.knownName = knownName;
  const aliases = doc.aliases.map((alias) => highlightWords(alias, typed));
  if (aliases.some(Boolean)) result.aliases = aliases.map((marked, i) => marked ?? escapeHtml(doc.aliases[i]!));
  return result;
}

export function toHit(doc: SearchDocument & { distanceMeters?: number }, typed?: TypedWords): SearchHit {
  return {
    kind: doc.kind,
    id: doc.recordId,
    fullName: doc.fullName,
    knownName: doc.knownName,
    aliases: doc.aliases,
    birthDate: doc.birthDate,
    deathDate: doc.deathDate,
    hometown: doc.hometown,
    hometownProvince: doc.hometownProvince,
    unit: doc.unit,
    placeOfDeath: doc.placeOfDeath,
    graveId: doc.graveId,
    graveState: doc.graveState,
    cemetery: doc.cemeteryId && doc.cemeteryName && doc.cemeteryUrl ? { id: doc.cemeteryId, name: doc.cemeteryName, url: doc.cemeteryUrl } : null,
    plot: doc.plot,
    location: doc.lat === null || doc.lng === null || doc.lat === undefined ? null : { lat: doc.lat, lng: doc.lng },
    photoUrl: doc.photoUrl,
    thumbUrl: doc.thumbUrl,
    url: doc.url,
    highlights: highlights(doc, typed),
    ...(doc.distanceMeters !== undefined ? { distanceMeters: doc.distanceMeters } : {}),
  };
}

/**
 * How many of the typed words (with their diacritics) a record has exactly, tone placement aside.
 * Only a record's words of the same length as a typed one can be it, so only those are keyed: the
 * re-rank window reads fifty records' names and places per search.
 */
export function exactDiacriticMatches(queryWords: string[], doc: Pick<SearchDocument, 'fullName' | 'aliases' | 'knownName' | 'placeNames'>): number {
  const wanted = new Map<string, number>();
  for (const w of queryWords) wanted.set(toneInsensitiveKey(w), (wanted.get(toneInsensitiveKey(w)) ?? 0) + 1);
  const lengths = new Set(queryWords.map((w) => w.normalize('NFC').length));
  const own = new Set<string>();
  for (const text of [doc.fullName, doc.knownName, ...doc.aliases, ...doc.placeNames]) {
    if (!text) continue;
    for (const word of words(text)) if (lengths.has(word.length)) own.add(toneInsensitiveKey(word));
  }
  let found = 0;
  for (const [key, count] of wanted) if (own.has(key)) found += count;
  return found;
}
