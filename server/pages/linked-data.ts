/**
 * schema.org JSON-LD for the martyr and grave pages, so search engines and data portals read
 * them: the martyr as a Person (birth and death dates as partial ISO dates, place of death,
 * hometown), the grave as a Place inside its Cemetery (a Place with geo). Built only from what
 * the page itself shows: the public record and the public grave (never a withheld headstone).
 */
import type { GraveRow } from '../graves/graves.queries.js';
import { jsonBlock } from '../map/json-block.js';
import type { PublicMartyr } from '../martyrs/martyr.view.js';
import { formatPartialDate } from '../records/partial-date.js';
import { cemeteryUrl, graveUrl, martyrUrl, plotLabel } from '../records/urls.js';
import type { ViewContext } from './page-view.js';

const geo = (lat: number | null, lng: number | null) => (lat === null || lng === null ? undefined : { '@type': 'GeoCoordinates', latitude: Number(Number(lat).toFixed(7)), longitude: Number(Number(lng).toFixed(7)) });

function cemeteryPlace(ctx: ViewContext, grave: GraveRow) {
  return {
    '@type': 'Cemetery',
    '@id': `${ctx.base}${cemeteryUrl(grave.cemetery_id, grave.cemetery_name)}`,
    name: grave.cemetery_name,
    url: `${ctx.base}${cemeteryUrl(grave.cemetery_id, grave.cemetery_name)}`,
    ...(grave.cemetery_address ? { address: { '@type': 'PostalAddress', streetAddress: grave.cemetery_address, addressRegion: grave.province_name, addressCountry: 'VN' } } : { address: { '@type': 'PostalAddress', addressRegion: grave.province_name, addressCountry: 'VN' } }),
    geo: geo(grave.cemetery_lat, grave.cemetery_lng),
  };
}

function gravePlace(ctx: ViewContext, grave: GraveRow, buried: string[]) {
  const plot = plotLabel(grave.section_kind, grave.section_code, grave.row_label, grave.plot_number);
  return {
    '@type': 'Place',
    '@id': `${ctx.base}${graveUrl(grave.id)}`,
    name: [buried.length ? `Mộ liệt sĩ ${buried.join(', ')}` : 'Mộ liệt sĩ', plot].filter(Boolean).join(', '),
    url: `${ctx.base}${graveUrl(grave.id)}`,
    ...(buried.length ? { description: `Nơi an táng liệt sĩ ${buried.join(', ')} (burial place)` } : {}),
    ...(grave.lat !== null ? { geo: geo(grave.lat, grave.lng) } : {}),
    containedInPlace: cemeteryPlace(ctx, grave),
  };
}

type PersonRef = { id: number; fullName: string; birthDate?: string | null; deathDate?: string | null };

function person(ctx: ViewContext, m: PersonRef, extra: Record<string, unknown> = {}) {
  return {
    '@type': 'Person',
    '@id': `${ctx.base}${martyrUrl(m.id, m.fullName)}`,
    name: m.fullName,
    url: `${ctx.base}${martyrUrl(m.id, m.fullName)}`,
    ...(m.birthDate ? { birthDate: m.birthDate } : {}),
    ...(m.deathDate ? { deathDate: m.deathDate } : {}),
    ...extra,
  };
}

/** A martyr page: the Person, and where they are buried (the grave in its cemetery). */
export function martyrJsonLd(ctx: ViewContext, record: PublicMartyr, grave: GraveRow | undefined): string {
  const personNode = person(ctx, { id: record.id, fullName: record.fullName, birthDate: record.birthDate, deathDate: record.deathDate }, {
    ...(record.aliases.length ? { alternateName: record.aliases } : {}),
    ...(record.gender ? { gender: record.gender === 'male' ? 'https://schema.org/Male' : 'https://schema.org/Female' } : {}),
    ...(record.placeOfDeath ? { deathPlace: { '@type': 'Place', name: record.placeOfDeath } } : {}),
    ...(record.hometown ? { homeLocation: { '@type': 'Place', name: record.hometown } } : {}),
    ...(record.unit ? { memberOf: { '@type': 'Organization', name: record.unit } } : {}),
    ...(grave ? { subjectOf: { '@type': 'WebPage', url: `${ctx.base}${graveUrl(grave.id)}`, about: { '@id': `${ctx.base}${graveUrl(grave.id)}` } } } : {}),
  });
  return jsonBlock({ '@context': 'https://schema.org', '@graph': [personNode, ...(grave ? [gravePlace(ctx, grave, [record.fullName])] : [])] });
}

/** A grave page: the grave as a Place in its Cemetery, and the public martyrs buried there. */
export function graveJsonLd(ctx: ViewContext, grave: GraveRow, martyrs: { id: number; full_name: string; birth_year: number | null; death_year: number | null }[]): string {
  const people = martyrs.map((m) => person(ctx, { id: Number(m.id), fullName: m.full_name, birthDate: formatPartialDate(m.birth_year, null, null), deathDate: formatPartialDate(m.death_year, null, null) }));
  return jsonBlock({ '@context': 'https://schema.org', '@graph': [gravePlace(ctx, grave, martyrs.map((m) => m.full_name)), ...people] });
}
