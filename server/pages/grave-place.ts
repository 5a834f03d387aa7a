/**
 * Where a grave is, as the martyr and grave pages show it: cemetery, plot, headstone photo, the
 * two small maps (the province with the cemetery, the cemetery's plan with the grave) and links
 * that open the position in a map app.
 */
import type { Db } from '../db/knex.js';
import { findGrave, type GraveRow } from '../graves/graves.queries.js';
import { translate } from '../i18n/messages.js';
import { cemeteryUrl, photoUrl } from '../records/urls.js';
import { locatorMapSvg, planMapSvg, type MultiPolygon } from './map-svg.js';
import { cemeteryPlan, type CemeteryPlan } from './map.queries.js';
import { placeView, plotParts, type PlaceView, type PlotParts, type ViewContext } from './page-view.js';

export type OutlineOf = (provinceCode: string) => Promise<MultiPolygon>;
export type ProvinceSlugOf = (provinceCode: string) => string | undefined;

export type GravePlaceData = { grave: GraveRow; confidential: boolean; outline: MultiPolygon; plan: CemeteryPlan };

export async function loadGravePlace(db: Db, outlineOf: OutlineOf, graveId: number): Promise<GravePlaceData | undefined> {
  const grave = await findGrave(db, graveId);
  if (!grave) return undefined;
  const [outline, plan] = await Promise.all([outlineOf(grave.province_code), cemeteryPlan(db, Number(grave.cemetery_id))]);
  return { grave, confidential: grave.headstone_withheld, outline, plan };
}

export type GravePlaceView = {
  cemetery: { name: string; url: string; province: string; provinceUrl: string | null };
  plot: PlotParts;
  /** url: the page size (1024 px); thumbUrl (320 px) is what a phone's first screen needs. */
  photo: { url: string; fullUrl: string | null; thumbUrl: string | null; alt: string } | null;
  place: PlaceView | null;
  locatorMap: string;
  planMap: string;
  /** The grave on the interactive map (/ban-do), when its position is known. */
  mapUrl: string | null;
};

/** `photoAlt` names what the photo shows; the photo is left out when a confidential martyr lies in the grave. */
export function gravePlaceView(data: GravePlaceData, ctx: ViewContext, provinceSlugOf: ProvinceSlugOf, photoAlt: string): GravePlaceView {
  const { grave, plan } = data;
  const { locale } = ctx;
  const plot = plotParts(locale, grave.section_kind, grave.section_code, grave.row_label, grave.plot_number);
  const slug = provinceSlugOf(grave.province_code);
  const point = grave.lat === null || grave.lng === null ? undefined : { lat: Number(grave.lat), lng: Number(grave.lng) };
  const label = [plot.text, grave.cemetery_name].filter(Boolean).join(', ');
  const hasPlan = plan.boundary.length > 0 || plan.sections.some((s) => s.polygon);
  return {
    cemetery: { name: grave.cemetery_name, url: cemeteryUrl(grave.cemetery_id, grave.cemetery_name), province: grave.province_name, provinceUrl: slug ? `/tinh/${slug}` : null },
    plot,
    photo:
      grave.photo_page_key && !data.confidential
        ? { url: photoUrl(grave.photo_page_key)!, fullUrl: photoUrl(grave.photo_full_key), thumbUrl: photoUrl(grave.photo_thumb_key), alt: photoAlt }
        : null,
    place: placeView(point?.lat ?? null, point?.lng ?? null, label, { zoom: 18 }),
    mapUrl: point ? `/ban-do?grave=${Number(grave.id)}&map=17/${point.lat.toFixed(6)}/${point.lng.toFixed(6)}` : null,
    locatorMap: locatorMapSvg({
      outline: data.outline,
      highlight: point,
      label: translate(locale, 'page.map.locator', { cemetery: grave.cemetery_name, province: grave.province_name }),
    }),
    planMap: hasPlan
      ? planMapSvg({
          boundary: plan.boundary,
          sections: plan.sections.filter((s) => s.polygon).map((s) => ({ code: s.code, label: s.code, polygon: s.polygon! })),
          highlight: point,
          label: translate(locale, 'page.map.planGrave', { cemetery: grave.cemetery_name, plot: plot.text ?? '' }),
          scaleLabel: (m) => `${m} m`,
        })
      : '',
  };
}
