/**
 * /tim-kiem: search results as a plain page that works with JavaScript off. The same clean
 * request and the same search() as /api/search; only the writer differs (HTML here).
 */
import type { z } from 'zod';
import { translate, type Locale } from '../i18n/messages.js';
import type { ProvinceCatalogue } from '../places/province-catalogue.js';
import type { SearchHit } from '../search/hits.js';
import { MAX_TOTAL_HITS, resultCountKey } from '../search/result-count.js';
import { searchSchema } from '../search/search.schema.js';
import type { SearchResponse } from '../search/search.service.js';

/** Results per page on the list page. */
export const SEARCH_PAGE_SIZE = 20;

/** What /tim-kiem accepts: the filters a person sets in its form; anything else is a 400. */
export const searchPageSchema = searchSchema
  .pick({ q: true, province: true, hometown: true, cemetery: true, birthYear: true, deathYear: true, unit: true, kind: true, hasPhoto: true, hasGrave: true, page: true, lang: true })
  .strict();

export type SearchPageRequest = z.output<typeof searchPageSchema>;

/** The filter names in the order they appear in URLs; the map page uses the same names. */
const FILTERS = ['q', 'province', 'hometown', 'birthYear', 'deathYear', 'unit', 'cemetery', 'kind', 'hasPhoto', 'hasGrave'] as const;

/** A GET form sends every field, empty or not: an empty field means "no filter". */
export function withoutEmptyValues(query: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(query).filter(([, value]) => !(typeof value === 'string' && value.trim() === '')));
}

/** Whether there is anything to search for; a bare /tim-kiem shows only the form. */
export function hasCriteria(raw: Record<string, unknown>): boolean {
  return Object.keys(raw).some((name) => name !== 'lang');
}

/** The filters as they were typed, for refilling the form and building links. */
export type FormValues = Partial<Record<(typeof FILTERS)[number], string>>;

export function formValues(raw: Record<string, unknown>): FormValues {
  const values: FormValues = {};
  for (const name of FILTERS) {
    const value = raw[name];
    if (typeof value === 'string') values[name] = value;
  }
  return values;
}

function queryString(values: FormValues, extra: Record<string, string | number | undefined> = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries({ ...values, ...extra })) {
    if (value !== undefined && value !== '') params.set(name, String(value));
  }
  // "/" and "," are fine in a query and keep map=17/16.95/106.95 readable.
  const text = params.toString().replace(/%2F/g, '/').replace(/%2C/g, ',');
  return text ? `?${text}` : '';
}

/** "1948-05-12" → "12/05/1948", "1948-05" → "05/1948": the way records write dates. */
export function displayDate(iso: string | null): string | null {
  if (!iso) return null;
  const [year, month, day] = iso.split('-');
  return [day, month, year].filter(Boolean).join('/');
}

function hitView(hit: SearchHit, locale: Locale, values: FormValues) {
  const name = hit.fullName ?? hit.knownName ?? translate(locale, 'search.unnamed');
  const highlighted = hit.fullName ? hit.highlights.fullName : hit.highlights.knownName;
  const graveId = hit.kind === 'grave' ? hit.id : hit.graveId;
  const kind =
    hit.kind === 'martyr' ? translate(locale, 'search.kind.martyr')
    : hit.graveState === 'partial' ? translate(locale, 'search.kind.partial')
    : translate(locale, 'search.kind.unknown');
  const born = displayDate(hit.birthDate);
  const died = displayDate(hit.deathDate);
  const mapUrl =
    graveId && hit.location
      ? `/ban-do${queryString({ q: values.q }, { grave: graveId, map: `17/${hit.location.lat.toFixed(6)}/${hit.location.lng.toFixed(6)}` })}`
      : null;
  return {
    id: `${hit.kind}-${hit.id}`,
    name,
    // Escaped by the search module (highlight.ts), with <mark> around what matched.
    nameHtml: typeof highlighted === 'string' ? highlighted : null,
    kind,
    url: hit.url,
    born: born ? translate(locale, 'search.born', { date: born }) : null,
    died: died ? translate(locale, 'search.died', { date: died }) : null,
    hometown: hit.hometown,
    unit: hit.unit,
    cemetery: hit.cemetery,
    plot: hit.plot,
    noGrave: hit.kind === 'martyr' && !hit.graveId,
    thumbUrl: hit.thumbUrl,
    photoAlt: translate(locale, 'search.photoAlt', { name }),
    mapUrl,
  };
}

function pagination(result: SearchResponse, values: FormValues) {
  const pages = Math.max(1, Math.ceil(Math.min(result.total, MAX_TOTAL_HITS) / result.perPage));
  const page = result.page;
  const link = (n: number) => `/tim-kiem${queryString(values, { page: n > 1 ? n : undefined })}`;
  const around = [...new Set([1, page - 2, page - 1, page, page + 1, page + 2, pages])].filter((n) => n >= 1 && n <= pages).sort((a, b) => a - b);
  return pages <= 1
    ? null
    : {
        page,
        pages,
        prev: page > 1 ? link(page - 1) : null,
        next: page < pages ? link(page + 1) : null,
        links: around.map((n, i) => ({ n, url: link(n), current: n === page, gapBefore: i > 0 && n - around[i - 1]! > 1 })),
      };
}

/** Chips shown per kind of facet: enough to narrow among namesakes, few enough for one phone screen. */
const CHIPS = { province: 5, unit: 3, hometown: 3, decade: 3, cemetery: 2 } as const;

/**
 * One-tap narrowing from the facets the search returned: each chip is the same search with one
 * more filter. Only facets that would narrow (fewer than all results, not already set) are offered.
 */
export function facetChips(result: SearchResponse, values: FormValues, locale: Locale) {
  const fmt = (n: number) => n.toLocaleString(locale === 'vi' ? 'vi-VN' : 'en-GB');
  const narrows = (count: number) => count > 0 && count < result.total;
  const link = (extra: Record<string, string>) => `/tim-kiem${queryString({ ...values, ...extra }, { page: undefined })}`;
  const chips: { label: string; count: string; url: string }[] = [];
  // A name shared by namesakes: first what tells them apart (where they came from, when they were
  // born, where they lie), then the usual chips.
  const namesakes = result.ambiguous ? result.facets : undefined;
  if (namesakes && !values.province && !values.hometown) {
    for (const p of namesakes.hometownProvince.filter((p) => narrows(p.count)).slice(0, CHIPS.hometown)) {
      chips.push({ label: translate(locale, 'search.namesakes.hometown', { name: p.name }), count: fmt(p.count), url: link({ hometown: p.code }) });
    }
  }
  if (namesakes && !values.birthYear) {
    const decades = [...namesakes.birthDecade].sort((a, b) => b.count - a.count).filter((d) => narrows(d.count)).slice(0, CHIPS.decade);
    for (const d of decades) chips.push({ label: translate(locale, 'search.namesakes.decade', { from: d.decade, to: d.decade + 9 }), count: fmt(d.count), url: link({ birthYear: `${d.decade}-${d.decade + 9}` }) });
  }
  if (namesakes && !values.cemetery) {
    for (const c of namesakes.cemetery.filter((c) => narrows(c.count)).slice(0, CHIPS.cemetery)) chips.push({ label: c.name, count: fmt(c.count), url: link({ cemetery: String(c.id) }) });
  }
  // For namesakes the chips above are the ones that help; the general ones would push the
  // results off a phone's first screen.
  if (!values.province && !namesakes) {
    for (const p of result.facets.province.filter((p) => narrows(p.count)).slice(0, CHIPS.province)) chips.push({ label: p.name, count: fmt(p.count), url: link({ province: p.code }) });
  }
  if (!values.hasPhoto && narrows(result.facets.hasPhoto.true)) chips.push({ label: translate(locale, 'journey.chips.hasPhoto'), count: fmt(result.facets.hasPhoto.true), url: link({ hasPhoto: 'true' }) });
  if (!values.unit && !namesakes) {
    for (const u of result.facets.unit.filter((u) => narrows(u.count)).slice(0, CHIPS.unit)) chips.push({ label: u.value, count: fmt(u.count), url: link({ unit: u.value }) });
  }
  return chips;
}

/**
 * The filters a chip set that the form keeps hidden (hometown, cemetery), each as a chip that
 * takes it away: the same search without it. The others are the form's own fields.
 */
export function setFilterChips(result: SearchResponse | null, values: FormValues, locale: Locale, provinces: ProvinceCatalogue) {
  const without = (name: keyof FormValues) => `/tim-kiem${queryString({ ...values, [name]: undefined }, { page: undefined })}`;
  const chips: { label: string; url: string }[] = [];
  if (values.hometown) {
    const name = provinces.currentName(values.hometown) ?? values.hometown;
    chips.push({ label: translate(locale, 'search.setFilter.hometown', { name }), url: without('hometown') });
  }
  if (values.cemetery) {
    const name = result?.hits.map((h) => h.cemetery).find((c) => c && String(c.id) === values.cemetery)?.name;
    chips.push({ label: name ? translate(locale, 'search.setFilter.cemetery', { name }) : translate(locale, 'search.setFilter.someCemetery'), url: without('cemetery') });
  }
  return chips;
}

/** Everything the page template needs, from the search response (or none, for a bare form). */
export function searchPageView(options: {
  locale: Locale;
  values: FormValues;
  provinces: ProvinceCatalogue;
  result: SearchResponse | null;
  error?: string;
}) {
  const { locale, values, provinces, result } = options;
  const provinceCounts = new Map(result?.facets.province.map((p) => [p.code, p.count]) ?? []);
  const provinceOptions = provinces.current
    .map((p) => ({ value: p.code, name: p.name, count: provinceCounts.get(p.code), selected: values.province === p.code || values.province === p.slug }))
    .sort((a, b) => a.name.localeCompare(b.name, 'vi'));
  const units = result?.facets.unit ?? [];
  const unitOptions = units.map((u) => ({ value: u.value, count: u.count, selected: values.unit === u.value }));
  if (values.unit && !units.some((u) => u.value === values.unit)) unitOptions.unshift({ value: values.unit, count: 0, selected: true });

  const total = result?.total ?? 0;
  const status = !result
    ? null
    : total === 0
      ? translate(locale, 'search.none')
      : translate(locale, resultCountKey(total, values.q), { count: total.toLocaleString(locale === 'vi' ? 'vi-VN' : 'en-GB'), q: values.q });

  return {
    values,
    hasPhotoChecked: values.hasPhoto === 'true' || values.hasPhoto === '1',
    provinceOptions,
    unitOptions,
    status,
    degraded: result?.degraded ?? false,
    hits: result?.hits.map((hit) => hitView(hit, locale, values)) ?? [],
    chips: result && result.total > 1 ? facetChips(result, values, locale) : [],
    setChips: setFilterChips(result, values, locale, provinces),
    namesakes: Boolean(result?.ambiguous),
    // Open for the form's own fields; a hometown or cemetery shows as a chip instead (setChips).
    filtersOpen: Boolean(values.province || values.birthYear || values.deathYear || values.unit || values.hasPhoto),
    pagination: result ? pagination(result, values) : null,
    mapUrl: `/ban-do${queryString(values)}`,
    clearUrl: `/tim-kiem${queryString({ q: values.q })}`,
    // What a saved search keeps: the words and the filters a new record can be asked against.
    saveSearch: result && !options.error && (values.q || values.province || values.unit)
      ? Object.fromEntries((['q', 'province', 'unit', 'birthYear', 'deathYear'] as const).filter((k) => values[k]).map((k) => [k, values[k]!]))
      : null,
    error: options.error,
  };
}
