/** Engine documents → the public API's hits, the contract the map, the pages and outside users rely on. */
import { toneInsensitiveKey, words } from '../text/vietnamese.js';
import type { SearchDocument } from './documents.js';
import { HIGHLIGHT_END, HIGHLIGHT_START } from './meili-query.js';

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

const escapeHtml = (value: string) =>
  value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/** Escaped text with <mark> around what matched. */
export function markHighlight(value: string): string {
  return escapeHtml(value).replaceAll(HIGHLIGHT_START, '<mark>').replaceAll(HIGHLIGHT_END, '</mark>');
}

type Formatted = Partial<Record<keyof SearchDocument, unknown>>;

function highlights(formatted: Formatted | undefined): Record<string, string | string[]> {
  const result: Record<string, string | string[]> = {};
  if (!formatted) return result;
  for (const key of ['fullName', 'aliases', 'knownName', 'hometown', 'unit'] as const) {
    const value = formatted[key];
    if (typeof value === 'string' && value.includes(HIGHLIGHT_START)) result[key] = markHighlight(value);
    if (Array.isArray(value) && value.some((v) => typeof v === 'string' && v.includes(HIGHLIGHT_START))) result[key] = value.map((v) => markHighlight(String(v)));
  }
  return result;
}

export function toHit(doc: SearchDocument & { _formatted?: Formatted; distanceMeters?: number }): SearchHit {
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
    highlights: highlights(doc._formatted),
    ...(doc.distanceMeters !== undefined ? { distanceMeters: doc.distanceMeters } : {}),
  };
}

/** How many of the typed words (with their diacritics) a record has exactly, tone placement aside. */
export function exactDiacriticMatches(queryWords: string[], doc: Pick<SearchDocument, 'fullName' | 'aliases' | 'knownName' | 'placeNames'>): number {
  const own = new Set([doc.fullName ?? '', ...doc.aliases, doc.knownName ?? '', ...doc.placeNames].flatMap(words).map(toneInsensitiveKey));
  return queryWords.filter((w) => own.has(toneInsensitiveKey(w))).length;
}
