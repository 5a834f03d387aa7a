/** Public grave records with their cemetery, plot and current photo, as the public_graves view gives them. */
import type { Db } from '../db/knex.js';
import { cachedCount } from '../db/count-cache.js';
import type { ListWindow } from '../http/paging.schema.js';

export type GraveRow = {
  id: number; state: string; is_collective: boolean; inscription: string | null;
  known_name: string | null; known_unit: string | null; known_hometown: string | null; known_place_of_death: string | null;
  known_death_year: number | null; known_death_month: number | null; known_death_day: number | null;
  row_label: string | null; plot_number: string | null; section_code: string | null; section_kind: string | null;
  cemetery_id: number; cemetery_name: string; province_code: string; province_name: string;
  lat: number | null; lng: number | null; updated_at: Date;
  /** The cemetery's own point (its linked data as a Place). */
  cemetery_lat: number; cemetery_lng: number; cemetery_address: string | null;
  photo_page_key: string | null; photo_thumb_key: string | null; photo_full_key: string | null; photo_taken_at: Date | null;
  /** A confidential martyr lies here: the view has already emptied what the headstone says, and no photo is public. */
  headstone_withheld: boolean;
};

const SELECT_GRAVE = `
  SELECT g.id, g.state, g.is_collective, g.inscription,
    g.known_name, g.known_unit, g.known_hometown, g.known_place_of_death,
    g.known_death_year, g.known_death_month, g.known_death_day,
    g.row_label, g.plot_number, s.code AS section_code, s.kind AS section_kind,
    c.id AS cemetery_id, c.name AS cemetery_name, c.province_code, p.name AS province_name,
    ST_Y(COALESCE(g.position, c.location)) AS lat, ST_X(COALESCE(g.position, c.location)) AS lng, g.updated_at,
    ST_Y(c.location) AS cemetery_lat, ST_X(c.location) AS cemetery_lng, c.address AS cemetery_address,
    ph.page_key AS photo_page_key, ph.thumb_key AS photo_thumb_key, ph.full_key AS photo_full_key, ph.taken_at AS photo_taken_at,
    g.headstone_withheld
  FROM public_graves g
  JOIN cemeteries c ON c.id = g.cemetery_id
  JOIN provinces p ON p.code = c.province_code
  LEFT JOIN cemetery_sections s ON s.id = g.section_id
  LEFT JOIN public_photos ph ON ph.grave_id = g.id AND ph.is_current`;

export async function findGrave(db: Db, id: number): Promise<GraveRow | undefined> {
  const { rows } = await db.raw<{ rows: GraveRow[] }>(`${SELECT_GRAVE} WHERE g.id = ?`, [id]);
  return rows[0];
}

/** By id, as the martyrs' list: one row more than the page tells whether a next page exists. */
export async function listGraves(db: Db, window: ListWindow & { cemeteryId?: number }): Promise<{ total: number; rows: GraveRow[]; next: number | undefined }> {
  const scope = window.cemeteryId ? 'WHERE cemetery_id = ?' : '';
  const scopeBindings = window.cemeteryId ? [window.cemeteryId] : [];
  const [{ rows }, total] = await Promise.all([
    db.raw<{ rows: GraveRow[] }>(
      `${SELECT_GRAVE} WHERE g.id = ANY(ARRAY(SELECT id FROM public_graves ${scope ? `${scope} AND` : 'WHERE'} id > ? ORDER BY id LIMIT ? OFFSET ?)) ORDER BY g.id`,
      [...scopeBindings, window.afterId ?? 0, window.perPage + 1, window.offset],
    ),
    cachedCount(db, `graves:${window.cemeteryId ?? '*'}`, async () => Number((await db.raw<{ rows: { n: number }[] }>(`SELECT count(*) AS n FROM public_graves ${scope}`, scopeBindings)).rows[0]!.n)),
  ]);
  const more = rows.length > window.perPage;
  const page = more ? rows.slice(0, window.perPage) : rows;
  return { total, rows: page, next: more ? Number(page.at(-1)!.id) : undefined };
}
