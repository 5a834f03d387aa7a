/**
 * A martyr's page: the public record (the same `publicMartyr` object the JSON API sends, with its
 * partial dates written the Vietnamese way), the grave and how to get there, the QR code, sharing.
 */
import type { Db } from '../db/knex.js';
import { NotFoundError } from '../http/errors.js';
import { translate } from '../i18n/messages.js';
import { publicMartyr } from '../martyrs/martyr.view.js';
import { findPublicMartyr, publicMartyrsOfGrave, type MartyrRow } from '../martyrs/martyrs.queries.js';
import { displayPartialDate } from '../records/partial-date.js';
import { martyrUrl } from '../records/urls.js';
import { gravePlaceView, loadGravePlace, type GravePlaceData, type OutlineOf, type ProvinceSlugOf } from './grave-place.js';
import { displayDate, lifeSpan, pageHead, type ViewContext } from './page-view.js';
import { martyrJsonLd } from './linked-data.js';
import { qrSvg } from './qr.js';

export type MartyrPageData = {
  row: MartyrRow;
  place: GravePlaceData | undefined;
  /** Other public martyrs in the same (collective) grave. */
  companions: { id: number; full_name: string; birth_year: number | null; death_year: number | null }[];
};

export async function loadMartyrPage(db: Db, outlineOf: OutlineOf, id: number): Promise<MartyrPageData> {
  const row = await findPublicMartyr(db, id);
  if (!row) throw new NotFoundError('Không tìm thấy liệt sĩ này. / No such martyr record.');
  const graveId = row.grave_id === null ? null : Number(row.grave_id);
  const [place, buried] = graveId === null ? [undefined, []] : await Promise.all([loadGravePlace(db, outlineOf, graveId), publicMartyrsOfGrave(db, graveId)]);
  return { row, place, companions: buried.filter((m) => Number(m.id) !== Number(row.id)) };
}

/** The view model of the page and of its printable sheet. */
export async function martyrView(data: MartyrPageData, ctx: ViewContext, provinceSlugOf: ProvinceSlugOf) {
  const { row } = data;
  const { locale } = ctx;
  const record = publicMartyr(row);
  const birth = displayPartialDate(row.birth_year, row.birth_month, row.birth_day);
  const death = displayPartialDate(row.death_year, row.death_month, row.death_day);
  const hometownNow = [row.hometown_commune_name, row.hometown_province_name].filter(Boolean).join(', ') || null;
  const place = data.place ? gravePlaceView(data.place, ctx, provinceSlugOf, translate(locale, 'page.photo.altMartyr', { name: row.full_name })) : null;

  const title = translate(locale, 'page.martyr.title', { name: row.full_name });
  const description = [
    lifeSpan(birth, death) ? `${title} (${lifeSpan(birth, death)})` : title,
    row.hometown_text ? translate(locale, 'page.martyr.descHometown', { hometown: row.hometown_text }) : null,
    place ? translate(locale, 'page.martyr.descGrave', { place: [place.cemetery.name, place.plot.text].filter(Boolean).join(', ') }) : translate(locale, 'page.martyr.descNoGrave'),
  ]
    .filter(Boolean)
    .join('. ');
  const head = pageHead(ctx, { title, description, path: record.url, type: 'profile', imagePath: place?.photo?.url ?? null, imageAlt: place?.photo?.alt });

  return {
    ...head,
    crumbs: [
      ...(place ? [{ label: place.cemetery.province, url: place.cemetery.provinceUrl }, { label: place.cemetery.name, url: place.cemetery.url }] : []),
      { label: row.full_name },
    ],
    martyr: {
      id: record.id,
      name: row.full_name,
      aliases: row.aliases.length ? row.aliases.join(', ') : null,
      gender: row.gender ? translate(locale, `page.gender.${row.gender}`) : null,
      birth,
      death,
      lifeSpan: lifeSpan(birth, death),
      hometown: row.hometown_text,
      hometownNow: hometownNow && hometownNow !== row.hometown_text ? hometownNow : null,
      placeOfDeath: row.place_of_death,
      unit: row.unit,
      rank: row.rank,
      position: row.position,
      certificate: record.certificate ? { date: displayDate(record.certificate.date) } : null,
      updated: displayDate(row.updated_at),
      // What kind of source the record last came from: the province's dossier, staff, or a citizen's accepted submission.
      source: translate(locale, `page.source.${row.source}`),
      url: record.url,
    },
    place,
    grave: record.grave ? { url: record.grave.url } : null,
    companions: data.companions.map((m) => ({ name: m.full_name, url: martyrUrl(m.id, m.full_name), lifeSpan: lifeSpan(m.birth_year ? String(m.birth_year) : null, m.death_year ? String(m.death_year) : null) })),
    qr: await qrSvg(head.canonicalUrl, translate(locale, 'page.qr.label')),
    printUrl: `${record.url}?print=1`,
    sendInfoUrl: `/gui-thong-tin?martyr=${record.id}`,
    printedOn: displayDate(new Date()),
    jsonLd: martyrJsonLd(ctx, record, data.place?.grave),
  };
}
