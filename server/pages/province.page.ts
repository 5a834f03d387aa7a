/**
 * The list of the 34 current provinces, and each province's page: its cemeteries (the same
 * `listCemeteries` call as the JSON API, paged), the pre-2025 provinces it was formed from and the
 * older names its land carried, on a map with its cemeteries as dots.
 */
import { publicCemetery } from '../cemeteries/cemetery.view.js';
import { listCemeteries } from '../cemeteries/cemeteries.queries.js';
import type { Db } from '../db/knex.js';
import { translate } from '../i18n/messages.js';
import type { Province } from '../places/places.queries.js';
import { foldVietnamese } from '../text/vietnamese.js';
import type { OutlineOf } from './grave-place.js';
import { locatorMapSvg, type Marker, type MultiPolygon } from './map-svg.js';
import { cemeteryPoints } from './map.queries.js';
import { pageHead, pager, type ViewContext } from './page-view.js';
import { provinceOrigins, type ProvinceOrigins, type ProvinceSummary } from './provinces.queries.js';

export const CEMETERIES_PER_PAGE = 100;

const collator = new Intl.Collator('vi');
/** "Thanh Hoá" and "Thanh Hóa" are one name written with the tone mark on different vowels. */
const sameName = (a: string, b: string) => foldVietnamese(a) === foldVietnamese(b);

export function provincesView(summaries: ProvinceSummary[], ctx: ViewContext) {
  const { locale } = ctx;
  const title = translate(locale, 'page.provinces.title');
  const head = pageHead(ctx, { title, description: translate(locale, 'page.provinces.description'), path: '/tinh' });
  const items = [...summaries]
    .sort((a, b) => collator.compare(a.name, b.name))
    .map((p) => ({
      name: locale === 'vi' ? p.full_name : p.name_en,
      url: `/tinh/${p.slug}`,
      cemeteries: Number(p.cemeteries),
      graves: Number(p.graves),
      formedFrom: p.old_names.length > 1 || (p.old_names[0] && !sameName(p.old_names[0], p.name)) ? p.old_names.join(', ') : null,
    }));
  return { ...head, crumbs: [{ label: title }], provinces: items };
}

export type ProvincePageData = {
  province: Province;
  origins: ProvinceOrigins;
  outline: MultiPolygon;
  points: Marker[];
  cemeteries: Awaited<ReturnType<typeof listCemeteries>>;
};

export async function loadProvincePage(db: Db, outlineOf: OutlineOf, province: Province, page: number): Promise<ProvincePageData> {
  const [origins, outline, points, cemeteries] = await Promise.all([
    provinceOrigins(db, province.code),
    outlineOf(province.code),
    cemeteryPoints(db, province.code),
    listCemeteries(db, { page, perPage: CEMETERIES_PER_PAGE, provinceCode: province.code }),
  ]);
  return { province, origins, outline, points, cemeteries };
}

function years(locale: ViewContext['locale'], from: number | null, to: number | null): string | null {
  if (from && to) return `${from}–${to}`;
  if (to) return translate(locale, 'page.province.until', { year: to });
  if (from) return translate(locale, 'page.province.since', { year: from });
  return null;
}

export function provinceView(data: ProvincePageData, ctx: ViewContext, page: number) {
  const { locale } = ctx;
  const { province, origins } = data;
  const path = `/tinh/${province.slug}`;
  const name = locale === 'vi' ? province.fullName : province.nameEn;
  const cemeteries = data.cemeteries.rows.map(publicCemetery);
  const title = name;
  const description = translate(locale, 'page.province.description', { name, count: data.cemeteries.total });
  const head = pageHead(ctx, { title, description, path: page > 1 ? `${path}?page=${page}` : path });
  const unchanged = origins.oldProvinces.length === 1 && sameName(origins.oldProvinces[0]!.name, province.name);
  return {
    ...head,
    crumbs: [{ label: translate(locale, 'page.provinces.title'), url: '/tinh' }, { label: name }],
    province: { name, shortName: province.name },
    formedFrom: unchanged ? null : origins.oldProvinces.map((o) => o.full_name),
    unchanged,
    historical: origins.historical.map((h) => ({ name: h.name, years: years(locale, h.from_year, h.to_year) })),
    map: locatorMapSvg({ outline: data.outline, points: data.points, label: translate(locale, 'page.map.province', { province: name }) }),
    cemeteries: {
      total: data.cemeteries.total,
      items: cemeteries.map((c) => ({
        name: c.name,
        url: c.url,
        level: translate(locale, `page.level.${c.level}`),
        total: c.graves.total,
        identified: c.graves.identified,
        partial: c.graves.partial,
        unknown: c.graves.unknown,
      })),
      pager: pager(path, {}, page, data.cemeteries.total, CEMETERIES_PER_PAGE),
    },
  };
}

/** A historical name ("Bình Trị Thiên") whose land now lies in several provinces: a page pointing to each. */
export function historicalView(name: string, slug: string, targets: Province[], ctx: ViewContext) {
  const { locale } = ctx;
  const title = translate(locale, 'page.historical.title', { name });
  const head = pageHead(ctx, { title, description: translate(locale, 'page.historical.lead', { name }), path: `/tinh/${slug}` });
  return {
    ...head,
    crumbs: [{ label: translate(locale, 'page.provinces.title'), url: '/tinh' }, { label: name }],
    historicalName: name,
    provinces: targets.map((p) => ({ name: locale === 'vi' ? p.fullName : p.nameEn, url: `/tinh/${p.slug}` })),
  };
}
