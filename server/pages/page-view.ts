/**
 * Pieces every public page's view model uses: absolute URLs, Open Graph tags, plot wording in the
 * page's language, the place block (maps, directions), paging links. Pure: no Express, no database.
 */
import { translate, type Locale } from '../i18n/messages.js';
import { directionLinks, type DirectionLinks } from './directions.js';

export type ViewContext = {
  locale: Locale;
  /** Scheme and host every absolute URL starts with ("https://example.org"), no trailing slash. */
  base: string;
};

export type OpenGraph = { title: string; description: string; url: string; type: string; image?: string; imageAlt?: string; twitterCard: string; siteName: string; locale: string };

export function absolute(ctx: ViewContext, path: string): string {
  return `${ctx.base}${path}`;
}

export function openGraph(ctx: ViewContext, page: { title: string; description: string; path: string; type?: string; imagePath?: string | null; imageAlt?: string }): OpenGraph {
  return {
    title: page.title,
    description: page.description,
    url: absolute(ctx, page.path),
    type: page.type ?? 'website',
    ...(page.imagePath ? { image: absolute(ctx, page.imagePath), imageAlt: page.imageAlt } : {}),
    twitterCard: page.imagePath ? 'summary_large_image' : 'summary',
    siteName: translate(ctx.locale, 'site.name'),
    locale: ctx.locale === 'vi' ? 'vi_VN' : 'en_GB',
  };
}

/** What a page's head needs: title, canonical URL, language alternates, description, Open Graph. */
export function pageHead(ctx: ViewContext, page: { title: string; description: string; path: string; type?: string; imagePath?: string | null; imageAlt?: string }) {
  const canonicalUrl = absolute(ctx, page.path);
  return {
    title: page.title,
    description: page.description,
    canonicalUrl,
    alternates: { vi: canonicalUrl, en: `${canonicalUrl}${canonicalUrl.includes('?') ? '&' : '?'}lang=en` },
    og: openGraph(ctx, page),
  };
}

export type PlotParts = { section: { label: string; code: string } | null; row: string | null; number: string | null; text: string | null };

/** A plot in the page's language: parts for the large display, and one line ("Khu A, hàng 3, mộ số 12"). */
export function plotParts(locale: Locale, sectionKind: string | null, sectionCode: string | null, row: string | null, number: string | null): PlotParts {
  const section = sectionCode ? { label: translate(locale, sectionKind === 'lo' ? 'page.plot.lot' : 'page.plot.section'), code: sectionCode } : null;
  const pieces = [
    section ? `${section.label} ${section.code}` : null,
    row ? `${translate(locale, 'page.plot.row')} ${row}` : null,
    number ? `${translate(locale, 'page.plot.number')} ${number}` : null,
  ].filter((p): p is string => p !== null);
  const joined = pieces.map((p, i) => (i === 0 ? p : p.charAt(0).toLowerCase() + p.slice(1))).join(', ');
  return { section, row, number, text: joined || null };
}

export type PlaceView = {
  lat: number;
  lng: number;
  directions: DirectionLinks;
  /** A MapLibre script may later take over the #map element from these. */
  zoom: number;
  approximate: boolean;
};

export function placeView(lat: number | null, lng: number | null, label: string, options: { zoom: number; approximate?: boolean }): PlaceView | null {
  if (lat === null || lng === null || !Number.isFinite(Number(lat)) || !Number.isFinite(Number(lng))) return null;
  return { lat: Number(lat), lng: Number(lng), directions: directionLinks(Number(lat), Number(lng), label), zoom: options.zoom, approximate: options.approximate ?? false };
}

export type Pager = { page: number; pages: number; prev: string | null; next: string | null; first: string | null; last: string | null };

/** Links to neighbouring pages of a list, keeping its other parameters. */
export function pager(path: string, params: Record<string, string | undefined>, page: number, total: number, perPage: number): Pager | null {
  const pages = Math.max(1, Math.ceil(total / perPage));
  if (pages <= 1 && page <= 1) return null;
  const link = (n: number) => {
    const search = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v) search.set(k, v);
    if (n > 1) search.set('page', String(n));
    const qs = search.toString();
    return `${path}${qs ? `?${qs}` : ''}`;
  };
  return {
    page,
    pages,
    prev: page > 1 ? link(Math.min(page - 1, pages)) : null,
    next: page < pages ? link(page + 1) : null,
    first: page > 2 ? link(1) : null,
    last: page < pages - 1 ? link(pages) : null,
  };
}

/** "1948 – 1972", "? – 1972", or null when neither is known. */
export function lifeSpan(birth: string | null, death: string | null): string | null {
  if (!birth && !death) return null;
  return `${birth ?? '?'} – ${death ?? '?'}`;
}

/** Days of timestamps as they were in Vietnam (en-CA writes YYYY-MM-DD). */
const VIETNAM_DAY = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Ho_Chi_Minh', year: 'numeric', month: '2-digit', day: '2-digit' });

/** A stored ISO date or timestamp shown the Vietnamese way: 12/05/2024. */
export function displayDate(value: string | Date | null | undefined): string | null {
  if (!value) return null;
  const iso = value instanceof Date ? VIETNAM_DAY.format(value) : String(value).slice(0, 10);
  const [y, m, d] = iso.split('-');
  return y && m && d ? `${d}/${m}/${y}` : null;
}
