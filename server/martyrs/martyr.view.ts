/** A martyr row → the public JSON record (the same object the pages render). */
import { formatPartialDate } from '../records/partial-date.js';
import { cemeteryUrl, graveUrl, martyrUrl, photoUrl, plotLabel } from '../records/urls.js';
import type { MartyrRow } from './martyrs.queries.js';

export function publicMartyr(row: MartyrRow) {
  return {
    id: Number(row.id),
    fullName: row.full_name,
    aliases: row.aliases,
    gender: row.gender,
    birthDate: formatPartialDate(row.birth_year, row.birth_month, row.birth_day),
    deathDate: formatPartialDate(row.death_year, row.death_month, row.death_day),
    hometown: row.hometown_text,
    hometownPlace: {
      commune: row.hometown_commune_code ? { code: row.hometown_commune_code, name: row.hometown_commune_name } : null,
      province: row.hometown_province_code ? { code: row.hometown_province_code, name: row.hometown_province_name } : null,
      before2025: { commune: row.hometown_old_commune_name, district: row.hometown_old_district_name, province: row.hometown_old_province_name },
    },
    placeOfDeath: row.place_of_death,
    unit: row.unit,
    rank: row.rank,
    position: row.position,
    // The certificate number stays with the department (it is what claims are made with); its existence and date are public.
    certificate: row.has_certificate ? { date: row.certificate_date } : null,
    grave: row.grave_id
      ? {
          id: Number(row.grave_id),
          url: graveUrl(row.grave_id),
          plot: plotLabel(row.section_kind, row.section_code, row.row_label, row.plot_number),
          section: row.section_code,
          row: row.row_label,
          number: row.plot_number,
          cemetery: row.cemetery_id ? { id: Number(row.cemetery_id), name: row.cemetery_name, url: cemeteryUrl(row.cemetery_id, row.cemetery_name ?? '') } : null,
          location: row.lat === null || row.lng === null ? null : { lat: Number(row.lat), lng: Number(row.lng) },
          photo: row.photo_page_key ? { url: photoUrl(row.photo_page_key), thumbUrl: photoUrl(row.photo_thumb_key), fullUrl: photoUrl(row.photo_full_key) } : null,
        }
      : null,
    source: row.source,
    updatedAt: row.updated_at,
    url: martyrUrl(row.id, row.full_name),
  };
}

export type PublicMartyr = ReturnType<typeof publicMartyr>;
