/**
 * A cemetery's page: what and where it is (the `publicCemetery` record), how many graves it holds
 * by state, its plan with sections (and its graves as dots when there are few enough), and a
 * paged, searchable list of its graves.
 */
import { publicCemetery } from '../cemeteries/cemetery.view.js';
import { findCemetery, type CemeteryRow } from '../cemeteries/cemeteries.queries.js';
import type { Db } from '../db/knex.js';
import { NotFoundError } from '../http/errors.js';
import { translate } from '../i18n/messages.js';
import { displayPartialDate } from '../records/partial-date.js';
import { graveUrl, martyrUrl } from '../records/urls.js';
import { GRAVES_PER_PAGE, listCemeteryGraves, parseGraveQuery, type CemeteryGraveRow } from './cemetery-graves.queries.js';
import type { OutlineOf, ProvinceSlugOf } from './grave-place.js';
import { locatorMapSvg, planMapSvg, type Marker, type MultiPolygon } from './map-svg.js';
import { cemeteryPlan, gravePoints, MAX_GRAVE_DOTS, type CemeteryPlan } from './map.queries.js';
import { lifeSpan, pageHead, pager, placeView, plotParts, type ViewContext } from './page-view.js';

export type CemeteryPageData = {
  row: CemeteryRow;
  plan: CemeteryPlan;
  graveDots: (Marker & { state: string })[] | null;
  outline: MultiPolygon;
  list: { total: number; rows: CemeteryGraveRow[] };
};

export async function loadCemeteryPage(db: Db, outlineOf: OutlineOf, id: number, list: { q?: string; page: number }): Promise<CemeteryPageData> {
  const row = await findCemetery(db, id);
  if (!row) throw new NotFoundError('Không tìm thấy nghĩa trang này. / No such cemetery.');
  const total = Number(row.graves_identified) + Number(row.graves_partial) + Number(row.graves_unknown);
  const [plan, graveDots, outline, graves] = await Promise.all([
    cemeteryPlan(db, id),
    total > 0 && total <= MAX_GRAVE_DOTS ? gravePoints(db, id) : Promise.resolve(null),
    outlineOf(row.province_code),
    listCemeteryGraves(db, { cemeteryId: id, query: parseGraveQuery(list.q ?? ''), page: list.page }),
  ]);
  return { row, plan, graveDots, outline, list: graves };
}

function graveItem(row: CemeteryGraveRow, locale: ViewContext['locale']) {
  const plot = plotParts(locale, row.section_kind, row.section_code, row.row_label, row.plot_number);
  const martyrs = row.martyrs.map((m) => ({
    name: m.full_name,
    url: martyrUrl(m.id, m.full_name),
    lifeSpan: lifeSpan(m.birth_year ? String(m.birth_year) : null, m.death_year ? String(m.death_year) : null),
  }));
  // A headstone's partial name is shown unless a confidential martyr lies in the grave.
  const knownName = row.state !== 'identified' && !row.has_confidential ? row.known_name : null;
  return {
    url: graveUrl(row.id),
    plot: plot.text ?? translate(locale, 'page.plot.none'),
    state: row.state,
    stateLabel: translate(locale, `page.state.${row.state}`),
    martyrs,
    knownName,
    knownDeath: row.state !== 'identified' && !row.has_confidential ? displayPartialDate(row.known_death_year, row.known_death_month, row.known_death_day) : null,
  };
}

export function cemeteryView(data: CemeteryPageData, ctx: ViewContext, provinceSlugOf: ProvinceSlugOf, list: { q?: string; page: number }) {
  const { locale } = ctx;
  const record = publicCemetery(data.row);
  const slug = provinceSlugOf(record.province.code);
  const counts = record.graves;
  const level = translate(locale, `page.level.${record.level}`);
  const title = record.name;
  const description = translate(locale, 'page.cemetery.description', {
    name: record.name,
    province: record.province.name,
    total: counts.total.toLocaleString(locale === 'vi' ? 'vi-VN' : 'en-GB'),
    identified: counts.identified.toLocaleString(locale === 'vi' ? 'vi-VN' : 'en-GB'),
  });
  const head = pageHead(ctx, { title, description, path: list.page > 1 ? `${record.url}?page=${list.page}` : record.url });
  const sections = data.plan.sections.filter((s) => s.polygon);
  const hasPlan = data.plan.boundary.length > 0 || sections.length > 0;
  const point = { lat: record.location.lat, lng: record.location.lng };

  const sectionNames = data.plan.sections.map((s) => `${translate(locale, s.kind === 'lo' ? 'page.plot.lot' : 'page.plot.section')} ${s.code}`);
  return {
    ...head,
    crumbs: [{ label: record.province.name, url: slug ? `/tinh/${slug}` : null }, { label: record.name }],
    cemetery: {
      id: record.id,
      name: record.name,
      level,
      address: record.address,
      description: record.description,
      province: { name: record.province.name, url: slug ? `/tinh/${slug}` : null },
      provinceBefore2025: record.provinceBefore2025 !== record.province.name ? record.provinceBefore2025 : null,
      counts,
      sections: sectionNames,
      sectionList: sectionNames.join(', '),
      url: record.url,
    },
    place: placeView(point.lat, point.lng, record.name, { zoom: 16, approximate: record.locationPrecision !== 'surveyed' }),
    visit: {
      ...record.visit,
      // The gate when the board marked it, else the cemetery's own point: the link still gets there.
      gate: record.visit.gate ? placeView(record.visit.gate.lat, record.visit.gate.lng, record.name, { zoom: 18 }) : null,
      phoneHref: record.visit.boardPhone ? `tel:${record.visit.boardPhone.replace(/[^+\d]/g, '')}` : null,
    },
    mapUrl: `/ban-do?cemetery=${record.id}&map=16/${point.lat.toFixed(6)}/${point.lng.toFixed(6)}`,
    planMap: hasPlan
      ? planMapSvg({
          boundary: data.plan.boundary,
          sections: sections.map((s) => ({ code: s.code, label: s.code, polygon: s.polygon! })),
          graves: data.graveDots ?? undefined,
          label: translate(locale, 'page.map.planCemetery', { cemetery: record.name }),
          scaleLabel: (m) => `${m} m`,
        })
      : '',
    showsGraveDots: Boolean(hasPlan && data.graveDots?.length),
    tooManyDots: counts.total > MAX_GRAVE_DOTS,
    locatorMap: locatorMapSvg({ outline: data.outline, highlight: point, label: translate(locale, 'page.map.locator', { cemetery: record.name, province: record.province.name }) }),
    list: {
      q: list.q ?? '',
      total: data.list.total,
      items: data.list.rows.map((r) => graveItem(r, locale)),
      pager: pager(record.url, { q: list.q }, list.page, data.list.total, GRAVES_PER_PAGE),
      searched: Boolean(list.q),
      from: data.list.total ? (list.page - 1) * GRAVES_PER_PAGE + 1 : 0,
      to: Math.min(data.list.total, list.page * GRAVES_PER_PAGE),
    },
    sendInfoUrl: `/gui-thong-tin?cemetery=${record.id}`,
  };
}
