/**
 * Everything the map page shows is in its URL:
 *   ?q=&province=&hometown=&birthYear=&deathYear=&unit=&cemetery=&hasPhoto=&bbox=&near=&page=
 *    &grave=<id>&map=<zoom>/<lat>/<lng>&provinces=2024
 * The search part uses the names of /api/search, so it becomes an API request as it is. A URL
 * shared or reloaded gives the same state; values that do not parse are dropped, never fatal.
 */

export type MapView = { zoom: number; lat: number; lng: number };

export type PageState = {
  q: string;
  province: string | null;
  /** The hometown's province (a namesake choice). */
  hometown: string | null;
  birthYear: string | null;
  deathYear: string | null;
  unit: string | null;
  cemetery: number | null;
  hasPhoto: boolean;
  /** "minLng,minLat,maxLng,maxLat": "search this area". */
  bbox: string | null;
  /** "lat,lng": "near me", results by distance. */
  near: string | null;
  page: number;
  /** The selected grave's id. */
  grave: number | null;
  map: MapView | null;
  /** Show the 63 provinces from before July 2025 instead of the 34 of today. */
  oldProvinces: boolean;
};

export const EMPTY_STATE: PageState = {
  q: '', province: null, hometown: null, birthYear: null, deathYear: null, unit: null, cemetery: null, hasPhoto: false,
  bbox: null, near: null, page: 1, grave: null, map: null, oldProvinces: false,
};

export const YEAR_PATTERN = /^\d{4}(-\d{4})?$/;
const NUMBER = '-?\\d+(?:\\.\\d+)?';
const BBOX_PATTERN = new RegExp(`^${NUMBER},${NUMBER},${NUMBER},${NUMBER}$`);
const NEAR_PATTERN = new RegExp(`^${NUMBER},${NUMBER}$`);

/** The results per page the map asks for. */
export const PER_PAGE = 20;

const positiveInt = (value: string | null): number | null => (value && /^\d{1,12}$/.test(value) && Number(value) > 0 ? Number(value) : null);
const text = (value: string | null, max: number): string | null => {
  const v = value?.trim();
  return v ? v.slice(0, max) : null;
};

function parseView(value: string | null): MapView | null {
  const parts = value?.split('/').map(Number);
  if (!parts || parts.length !== 3 || parts.some((n) => !Number.isFinite(n))) return null;
  const [zoom, lat, lng] = parts as [number, number, number];
  if (zoom < 0 || zoom > 22 || Math.abs(lat) > 85 || Math.abs(lng) > 180) return null;
  return { zoom, lat, lng };
}

export function parseState(search: string): PageState {
  const p = new URLSearchParams(search);
  const year = (name: string) => {
    const v = p.get(name)?.trim();
    return v && YEAR_PATTERN.test(v) ? v : null;
  };
  return {
    q: text(p.get('q'), 200) ?? '',
    province: text(p.get('province'), 60),
    hometown: text(p.get('hometown'), 60),
    birthYear: year('birthYear'),
    deathYear: year('deathYear'),
    unit: text(p.get('unit'), 100),
    cemetery: positiveInt(p.get('cemetery')),
    hasPhoto: p.get('hasPhoto') === 'true' || p.get('hasPhoto') === '1',
    bbox: BBOX_PATTERN.test(p.get('bbox') ?? '') ? p.get('bbox') : null,
    near: NEAR_PATTERN.test(p.get('near') ?? '') ? p.get('near') : null,
    page: Math.min(positiveInt(p.get('page')) ?? 1, 50),
    grave: positiveInt(p.get('grave')),
    map: parseView(p.get('map')),
    oldProvinces: p.get('provinces') === '2024',
  };
}

/** The filters of a search, in the names and order of /api/search. */
function searchParams(state: PageState): URLSearchParams {
  const p = new URLSearchParams();
  if (state.q) p.set('q', state.q);
  if (state.province) p.set('province', state.province);
  if (state.hometown) p.set('hometown', state.hometown);
  if (state.birthYear) p.set('birthYear', state.birthYear);
  if (state.deathYear) p.set('deathYear', state.deathYear);
  if (state.unit) p.set('unit', state.unit);
  if (state.cemetery) p.set('cemetery', String(state.cemetery));
  if (state.hasPhoto) p.set('hasPhoto', 'true');
  if (state.bbox) p.set('bbox', state.bbox);
  if (state.near) p.set('near', state.near);
  return p;
}

/** Whether any filter beyond the words typed is set. */
export function hasFilters(state: PageState): boolean {
  return Boolean(state.province || state.hometown || state.birthYear || state.deathYear || state.unit || state.cemetery || state.hasPhoto || state.bbox || state.near);
}

/** The /api/search query for this state, or null when there is nothing to search for. */
export function searchQuery(state: PageState, lang: string): string | null {
  const p = searchParams(state);
  if ([...p.keys()].length === 0) return null;
  if (state.page > 1) p.set('page', String(state.page));
  p.set('perPage', String(PER_PAGE));
  // The filters show a count beside each option.
  p.set('facets', 'true');
  p.set('lang', lang);
  return p.toString();
}

export function formatView(view: MapView): string {
  return `${view.zoom.toFixed(2)}/${view.lat.toFixed(5)}/${view.lng.toFixed(5)}`;
}

/** The page's query string for this state ("" when empty); `lang` is kept when the URL had it. */
export function stateToSearch(state: PageState, lang?: string | null): string {
  const p = searchParams(state);
  if (state.page > 1) p.set('page', String(state.page));
  if (state.grave) p.set('grave', String(state.grave));
  if (state.map) p.set('map', formatView(state.map));
  if (state.oldProvinces) p.set('provinces', '2024');
  if (lang) p.set('lang', lang);
  const text = p.toString().replace(/%2C/g, ',').replace(/%2F/g, '/');
  return text ? `?${text}` : '';
}

/** The same URL for /tim-kiem (the list page), with only what it understands. */
export function listPageSearch(state: PageState): string {
  const p = searchParams(state);
  p.delete('bbox');
  p.delete('near');
  if (state.page > 1) p.set('page', String(state.page));
  const text = p.toString();
  return text ? `?${text}` : '';
}
