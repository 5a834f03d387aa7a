/**
 * A grave's page. For a grave without a name it is the grave's only page: what the headstone or
 * the records say (unit, date and place of death) and a call for information. A grave where a
 * confidential martyr lies shows only its place: its inscription and photo would name them.
 */
import type { Db } from '../db/knex.js';
import { publicGrave } from '../graves/grave.view.js';
import { NotFoundError } from '../http/errors.js';
import { translate } from '../i18n/messages.js';
import { publicMartyrsOfGrave } from '../martyrs/martyrs.queries.js';
import { displayPartialDate } from '../records/partial-date.js';
import { gravePlaceView, loadGravePlace, type GravePlaceData, type OutlineOf, type ProvinceSlugOf } from './grave-place.js';
import { displayDate, lifeSpan, pageHead, type ViewContext } from './page-view.js';
import { graveJsonLd } from './linked-data.js';
import { qrSvg } from './qr.js';

export type GravePageData = { place: GravePlaceData; martyrs: Awaited<ReturnType<typeof publicMartyrsOfGrave>> };

export async function loadGravePage(db: Db, outlineOf: OutlineOf, id: number): Promise<GravePageData> {
  const [place, martyrs] = await Promise.all([loadGravePlace(db, outlineOf, id), publicMartyrsOfGrave(db, id)]);
  if (!place) throw new NotFoundError('Không tìm thấy phần mộ này. / No such grave.');
  return { place, martyrs };
}

export async function graveView(data: GravePageData, ctx: ViewContext, provinceSlugOf: ProvinceSlugOf) {
  const { locale } = ctx;
  const row = data.place.grave;
  const record = publicGrave(row, data.martyrs);
  const withheld = data.place.confidential;
  const names = record.martyrs.map((m) => m.fullName);
  const state = row.state as 'identified' | 'partial' | 'unknown';

  const place = gravePlaceView(
    data.place,
    ctx,
    provinceSlugOf,
    names.length ? translate(locale, 'page.photo.altMartyr', { name: names.join(', ') }) : translate(locale, 'page.photo.altGrave'),
  );
  const where = [place.plot.text, place.cemetery.name].filter(Boolean).join(', ');
  const title =
    names.length && state === 'identified'
      ? translate(locale, 'page.grave.titleOf', { names: names.join(', ') })
      : state === 'partial' && row.known_name && !withheld
        ? translate(locale, 'page.grave.titlePartialNamed', { name: row.known_name })
        : translate(locale, `page.grave.title.${state}`);

  const knownDeath = displayPartialDate(row.known_death_year, row.known_death_month, row.known_death_day);
  const known =
    state !== 'identified' && !withheld
      ? {
          name: row.known_name,
          unit: row.known_unit,
          hometown: row.known_hometown,
          placeOfDeath: row.known_place_of_death,
          deathDate: knownDeath,
          any: Boolean(row.known_name || row.known_unit || row.known_hometown || row.known_place_of_death || knownDeath),
        }
      : null;

  const description =
    state === 'identified'
      ? `${title}. ${translate(locale, 'page.grave.descPlace', { place: where })}`
      : [title, known?.unit, known?.deathDate ? translate(locale, 'page.grave.descDeath', { date: known.deathDate }) : null, where, translate(locale, 'page.grave.descCall')]
          .filter(Boolean)
          .join('. ');
  const head = pageHead(ctx, { title, description, path: record.url, type: 'article', imagePath: place.photo?.url ?? null, imageAlt: place.photo?.alt });

  return {
    ...head,
    crumbs: [
      { label: place.cemetery.province, url: place.cemetery.provinceUrl },
      { label: place.cemetery.name, url: place.cemetery.url },
      { label: place.plot.text ?? translate(locale, 'page.grave.kind') },
    ],
    grave: {
      id: record.id,
      state,
      stateLabel: translate(locale, `page.state.${state}`),
      isIdentified: state === 'identified',
      isCollective: record.isCollective,
      inscription: withheld ? null : record.inscription,
      known,
      withheld: withheld && !names.length,
      // A family may ask for the headstone photo the public page lacks (never for a withheld one).
      photoRequestable: !withheld && !place.photo,
      updated: displayDate(row.updated_at),
      url: record.url,
    },
    martyrs: record.martyrs.map((m) => ({ name: m.fullName, url: m.url, lifeSpan: lifeSpan(m.birthYear ? String(m.birthYear) : null, m.deathYear ? String(m.deathYear) : null) })),
    place,
    qr: await qrSvg(head.canonicalUrl, translate(locale, 'page.qr.label')),
    printUrl: `${record.url}?print=1`,
    sendInfoUrl: `/gui-thong-tin?grave=${record.id}`,
    printedOn: displayDate(new Date()),
    jsonLd: graveJsonLd(ctx, row, data.martyrs),
  };
}
