/**
 * The JSON the map page reads: /api/search, /api/suggest, /api/graves/:id, /api/cemeteries/:id.
 * The types come from the server modules that write these responses, so a change to the contract
 * breaks the type check here rather than the page in a browser.
 */
import type { SearchHit } from '../../../server/search/hits.js';
import type { SearchResponse, Suggestion } from '../../../server/search/search.service.js';
import type { publicGrave } from '../../../server/graves/grave.view.js';

export type { SearchHit, SearchResponse, Suggestion };
export type GraveRecord = ReturnType<typeof publicGrave>;
export type CemeteryRecord = { id: number; name: string; url: string; location: { lat: number; lng: number } };

export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

async function getJson<T>(url: string, signal?: AbortSignal): Promise<T> {
  const response = await fetch(url, { signal, headers: { Accept: 'application/json' } });
  if (!response.ok) {
    const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
    throw new ApiError(response.status, body?.error?.message ?? response.statusText);
  }
  return (await response.json()) as T;
}

export const searchApi = (query: string, signal?: AbortSignal) => getJson<SearchResponse>(`/api/search?${query}`, signal);

export const suggestApi = (q: string, lang: string, signal?: AbortSignal) =>
  getJson<{ suggestions: Suggestion[] }>(`/api/suggest?${new URLSearchParams({ q, lang })}`, signal).then((r) => r.suggestions);

export const graveApi = (id: number, signal?: AbortSignal) => getJson<GraveRecord>(`/api/graves/${id}`, signal);

export const martyrApi = (id: number, signal?: AbortSignal) =>
  getJson<{ id: number; grave: { id: number } | null }>(`/api/martyrs/${id}`, signal);

export const cemeteryApi = (id: number, signal?: AbortSignal) => getJson<CemeteryRecord>(`/api/cemeteries/${id}`, signal);

/** True for the error fetch raises when a newer request aborted this one. */
export const isAbort = (error: unknown) => error instanceof DOMException && error.name === 'AbortError';
