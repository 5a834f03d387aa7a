import { formatPartialDate } from '../records/partial-date.js';
import { cemeteryUrl, graveUrl, martyrUrl, photoUrl, plotLabel } from '../records/urls.js';
import type { GraveRow } from './graves.queries.js';

type MartyrRef = { id: number; full_name: string; birth_year: number | null; death_year: number | null };

/** A grave row → the public JSON record; `martyrs` are the public martyrs buried there. */
export function publicGrave(row: GraveRow, martyrs: MartyrRef[] = []) {
  // What the headstone says could name a confidential martyr buried here: public_graves gives none of it.
  const hidden = row.headstone_withheld;
  return {
    id: Number(row.id),
    state: row.state,
    isCollective: row.is_collective,
    inscription: hidden ? null : row.inscription,
    known:
      row.state === 'identified' || hidden
        ? null
        : {
            name: row.known_name,
            unit: row.known_unit,
            hometown: row.known_hometown,
            placeOfDeath: row.known_place_of_death,
            deathDate: formatPartialDate(row.known_death_year, row.known_death_month, row.known_death_day),
          },
    plot: plotLabel(row.section_kind, row.section_code, row.row_label, row.plot_number),
    section: row.section_code,
    row: row.row_label,
    number: row.plot_number,
    cemetery: { id: Number(row.cemetery_id), name: row.cemetery_name, url: cemeteryUrl(row.cemetery_id, row.cemetery_name), province: { code: row.province_code, name: row.province_name } },
    location: row.lat === null || row.lng === null ? null : { lat: Number(row.lat), lng: Number(row.lng) },
    photo: row.photo_page_key && !hidden ? { url: photoUrl(row.photo_page_key), thumbUrl: photoUrl(row.photo_thumb_key), fullUrl: photoUrl(row.photo_full_key), takenAt: row.photo_taken_at } : null,
    martyrs: martyrs.map((m) => ({ id: Number(m.id), fullName: m.full_name, birthYear: m.birth_year, deathYear: m.death_year, url: martyrUrl(m.id, m.full_name) })),
    updatedAt: row.updated_at,
    url: graveUrl(row.id),
  };
}
