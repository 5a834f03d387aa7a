/**
 * What the staff grave page and the cemetery dashboard read. Every lookup filters through
 * cemeteryInScope: a grave or cemetery outside the scope is not found, as if it did not exist.
 */
import type { Knex } from '../db/knex.js';
import { naturalOrder } from '../db/natural-order.js';
import { Conditions } from '../db/conditions.js';
import { cemeteryInScope, martyrInScope, type Scope } from '../accounts/scope.js';
import { naturalPlotOrder } from '../photos/uploads.queries.js';

export type StaffGrave = {
  id: number;
  cemetery_id: number;
  cemetery_name: string;
  cemetery_has_boundary: boolean;
  /** GeoJSON, for the position map's outline and its inside/outside check. */
  cemetery_boundary: string | null;
  cemetery_latitude: number;
  cemetery_longitude: number;
  section_id: number | null;
  section_kind: string | null;
  section_code: string | null;
  row_label: string | null;
  plot_number: string | null;
  state: 'identified' | 'partial' | 'unknown';
  is_collective: boolean;
  inscription: string | null;
  known_name: string | null;
  latitude: number | null;
  longitude: number | null;
  /** null when the grave has no position or the cemetery no boundary. */
  inside_boundary: boolean | null;
  updated_at: Date;
};

export async function staffGrave(db: Knex, scope: Scope, id: number, lock = false): Promise<StaffGrave | undefined> {
  const c = cemeteryInScope(scope);
  const { rows } = await db.raw<{ rows: StaffGrave[] }>(
    `SELECT g.id, g.cemetery_id, c.name AS cemetery_name, c.boundary IS NOT NULL AS cemetery_has_boundary,
            ST_AsGeoJSON(c.boundary, 7) AS cemetery_boundary, ST_Y(c.location) AS cemetery_latitude, ST_X(c.location) AS cemetery_longitude,
            g.section_id, s.kind AS section_kind, s.code AS section_code, g.row_label, g.plot_number, g.state, g.is_collective,
            g.inscription, g.known_name, ST_Y(g.position) AS latitude, ST_X(g.position) AS longitude,
            CASE WHEN g.position IS NULL OR c.boundary IS NULL THEN NULL ELSE ST_Covers(c.boundary, g.position) END AS inside_boundary,
            g.updated_at
     FROM graves g JOIN cemeteries c ON c.id = g.cemetery_id LEFT JOIN cemetery_sections s ON s.id = g.section_id
     WHERE g.id = ? AND ${c.sql}${lock ? ' FOR UPDATE OF g' : ''}`,
    [id, ...c.bindings],
  );
  const g = rows[0];
  return g && { ...g, id: Number(g.id), cemetery_id: Number(g.cemetery_id), section_id: g.section_id === null ? null : Number(g.section_id) };
}

/** A public martyr that is in scope or has no grave yet, locked for the link; confidential and unknown alike are undefined. */
export async function linkableMartyr(db: Knex, scope: Scope, martyrId: number): Promise<{ id: number; grave_id: number | null } | undefined> {
  const m = martyrInScope(scope);
  const { rows } = await db.raw<{ rows: { id: number; grave_id: number | null }[] }>(
    `SELECT m.id, m.grave_id FROM martyrs m LEFT JOIN graves g ON g.id = m.grave_id LEFT JOIN cemeteries c ON c.id = g.cemetery_id
     WHERE m.id = ? AND m.is_public AND (m.grave_id IS NULL OR ${m.sql}) FOR UPDATE OF m`,
    [martyrId, ...m.bindings],
  );
  return rows[0];
}

export type GravePhoto = {
  id: number; is_current: boolean; thumb_key: string; page_key: string; full_key: string; width: number; height: number;
  taken_at: Date | null; created_at: Date; uploaded_by_name: string | null;
};

/** The grave's photos, the current one first, then newest first: its photo history. */
export async function gravePhotos(db: Knex, graveId: number): Promise<GravePhoto[]> {
  const { rows } = await db.raw<{ rows: GravePhoto[] }>(
    `SELECT p.id, p.is_current, p.thumb_key, p.page_key, p.full_key, p.width, p.height, p.taken_at, p.created_at, u.display_name AS uploaded_by_name
     FROM photos p LEFT JOIN users u ON u.id = p.uploaded_by
     WHERE p.grave_id = ? ORDER BY p.is_current DESC, p.created_at DESC, p.id DESC`,
    [graveId],
  );
  return rows.map((r) => ({ ...r, id: Number(r.id) }));
}

export type GraveMartyr = { id: number; full_name: string; birth_year: number | null; death_year: number | null; is_public: boolean };

export async function graveMartyrs(db: Knex, graveId: number): Promise<GraveMartyr[]> {
  const { rows } = await db.raw<{ rows: GraveMartyr[] }>('SELECT id, full_name, birth_year, death_year, is_public FROM martyrs WHERE grave_id = ? ORDER BY id', [graveId]);
  return rows.map((r) => ({ ...r, id: Number(r.id) }));
}

export type Section = { id: number; kind: 'khu' | 'lo'; code: string; name: string | null; boundary: string | null; graves: number };

export async function cemeterySections(db: Knex, cemeteryId: number): Promise<Section[]> {
  const { rows } = await db.raw<{ rows: Section[] }>(
    `SELECT s.id, s.kind, s.code, s.name, ST_AsGeoJSON(s.boundary, 7) AS boundary,
            (SELECT count(*) FROM graves g WHERE g.section_id = s.id) AS graves
     FROM cemetery_sections s WHERE s.cemetery_id = ? ORDER BY ${naturalCodeOrder('s.code')}`,
    [cemeteryId],
  );
  return rows.map((r) => ({ ...r, id: Number(r.id) }));
}

/** Section codes and row labels as people count them: 1, 2, 10, A, B. */
const naturalCodeOrder = (col: string) => naturalOrder(col);

export type StaffCemetery = {
  id: number; name: string; level: string; address: string | null; description: string | null; province_code: string;
  boundary: string | null; latitude: number; longitude: number;
  board_phone: string | null; opening_hours: string | null; gate_lat: number | null; gate_lng: number | null;
};

export async function staffCemetery(db: Knex, scope: Scope, id: number, lock = false): Promise<StaffCemetery | undefined> {
  const c = cemeteryInScope(scope);
  const { rows } = await db.raw<{ rows: StaffCemetery[] }>(
    `SELECT c.id, c.name, c.level, c.address, c.description, c.province_code, ST_AsGeoJSON(c.boundary, 7) AS boundary,
            ST_Y(c.location) AS latitude, ST_X(c.location) AS longitude,
            c.board_phone, c.opening_hours, ST_Y(c.gate) AS gate_lat, ST_X(c.gate) AS gate_lng
     FROM cemeteries c WHERE c.id = ? AND ${c.sql}${lock ? ' FOR UPDATE' : ''}`,
    [id, ...c.bindings],
  );
  return rows[0] && { ...rows[0], id: Number(rows[0].id) };
}

export type CemeteryListRow = { id: number; name: string; level: string; graves: number; without_photo: number };

/** The cemeteries a user keeps, with how many graves still lack a photo. */
export async function cemeteriesOfScope(db: Knex, scope: Scope, limit: number): Promise<{ total: number; rows: CemeteryListRow[] }> {
  const c = cemeteryInScope(scope);
  const [{ rows }, count] = await Promise.all([
    db.raw<{ rows: CemeteryListRow[] }>(
      `SELECT c.id, c.name, c.level, COALESCE(st.identified + st.partial + st.unknown, 0) AS graves,
              (SELECT count(*) FROM graves g WHERE g.cemetery_id = c.id AND NOT EXISTS (SELECT 1 FROM photos p WHERE p.grave_id = g.id AND p.is_current)) AS without_photo
       FROM cemeteries c LEFT JOIN cemetery_stats st ON st.cemetery_id = c.id
       WHERE ${c.sql} ORDER BY c.name, c.id LIMIT ?`,
      [...c.bindings, limit],
    ),
    db.raw<{ rows: { n: number }[] }>(`SELECT count(*) AS n FROM cemeteries c WHERE ${c.sql}`, c.bindings),
  ]);
  return { total: Number(count.rows[0]!.n), rows: rows.map((r) => ({ ...r, id: Number(r.id) })) };
}

export type CemeteryCounts = { graves: number; without_photo: number; without_position: number; partial: number; unknown: number; without_plot: number; outside: number };

/** What is left to do in a cemetery, in one pass over its graves. */
export async function cemeteryCounts(db: Knex, cemeteryId: number): Promise<CemeteryCounts> {
  const { rows } = await db.raw<{ rows: CemeteryCounts[] }>(
    `SELECT count(*) AS graves,
            count(*) FILTER (WHERE ph.id IS NULL) AS without_photo,
            count(*) FILTER (WHERE g.position IS NULL) AS without_position,
            count(*) FILTER (WHERE g.state = 'partial') AS partial,
            count(*) FILTER (WHERE g.state = 'unknown') AS unknown,
            count(*) FILTER (WHERE g.plot_number IS NULL OR g.row_label IS NULL) AS without_plot,
            count(*) FILTER (WHERE g.position IS NOT NULL AND c.boundary IS NOT NULL AND NOT ST_Covers(c.boundary, g.position)) AS outside
     FROM graves g JOIN cemeteries c ON c.id = g.cemetery_id
     LEFT JOIN photos ph ON ph.grave_id = g.id AND ph.is_current
     WHERE g.cemetery_id = ?`,
    [cemeteryId],
  );
  return rows[0]!;
}

/** What the walk list can be narrowed to: graves lacking a photo, a position, a plot, or with partial information. */
export const MISSING = ['anh', 'vi-tri', 'so-mo', 'mot-phan', 'ngoai-ranh-gioi'] as const;
export type Missing = (typeof MISSING)[number];

const MISSING_SQL: Record<Missing, string> = {
  anh: 'ph.id IS NULL',
  'vi-tri': 'g.position IS NULL',
  'so-mo': '(g.plot_number IS NULL OR g.row_label IS NULL)',
  'mot-phan': `g.state = 'partial'`,
  'ngoai-ranh-gioi': 'g.position IS NOT NULL AND c.boundary IS NOT NULL AND NOT ST_Covers(c.boundary, g.position)',
};

export type WalkFilter = { section: string | null; row: string | null; missing: Missing | null; page: number; perPage: number };

export type WalkRow = {
  id: number; section_kind: string | null; section_code: string | null; row_label: string | null; plot_number: string | null;
  state: 'identified' | 'partial' | 'unknown'; names: string | null; known_name: string | null; thumb_key: string | null; has_position: boolean;
};

/**
 * The cemetery's graves in the order staff walk them: by section, row, then plot number, with
 * what each still lacks. A section code "-" means graves with no section; likewise for rows.
 */
export async function walkList(db: Knex, cemeteryId: number, f: WalkFilter): Promise<{ total: number; rows: WalkRow[] }> {
  const where = new Conditions().add('g.cemetery_id = ?', cemeteryId);
  if (f.section === '-') where.add('g.section_id IS NULL');
  else if (f.section) where.add('lower(s.code) = lower(?)', f.section);
  if (f.row === '-') where.add('g.row_label IS NULL');
  else if (f.row) where.add('lower(g.row_label) = lower(?)', f.row);
  if (f.missing) where.add(MISSING_SQL[f.missing]);
  const bindings = where.bindings;
  const from = `FROM graves g JOIN cemeteries c ON c.id = g.cemetery_id LEFT JOIN cemetery_sections s ON s.id = g.section_id
                LEFT JOIN photos ph ON ph.grave_id = g.id AND ph.is_current WHERE ${where.sql}`;
  const [{ rows }, count] = await Promise.all([
    db.raw<{ rows: WalkRow[] }>(
      `SELECT g.id, s.kind AS section_kind, s.code AS section_code, g.row_label, g.plot_number, g.state, g.known_name,
              (SELECT string_agg(m.full_name, ', ' ORDER BY m.id) FROM martyrs m WHERE m.grave_id = g.id) AS names,
              ph.thumb_key, g.position IS NOT NULL AS has_position
       ${from}
       ORDER BY s.code IS NULL, ${naturalCodeOrder('s.code')},
                g.row_label IS NULL, ${naturalCodeOrder('g.row_label')},
                ${naturalPlotOrder()}, g.id
       LIMIT ? OFFSET ?`,
      [...bindings, f.perPage, (f.page - 1) * f.perPage],
    ),
    db.raw<{ rows: { n: number }[] }>(`SELECT count(*) AS n ${from}`, bindings),
  ]);
  return { total: Number(count.rows[0]!.n), rows: rows.map((r) => ({ ...r, id: Number(r.id) })) };
}

/** The row labels of a section (or of the whole cemetery), for the walk list's row picker. */
export async function rowLabels(db: Knex, cemeteryId: number, section: string | null): Promise<string[]> {
  const { rows } = await db.raw<{ rows: { row_label: string }[] }>(
    `SELECT DISTINCT g.row_label COLLATE natural_order AS row_label FROM graves g LEFT JOIN cemetery_sections s ON s.id = g.section_id
     WHERE g.cemetery_id = ? AND g.row_label IS NOT NULL ${section === '-' ? 'AND g.section_id IS NULL' : section ? 'AND lower(s.code) = lower(?)' : ''}
     ORDER BY 1`,
    section && section !== '-' ? [cemeteryId, section] : [cemeteryId],
  );
  return rows.map((r) => r.row_label);
}

export type ChangeRow = { id: number; at: Date; action: string; entity_type: string; entity_id: number | null; reason: string | null; actor_name: string | null };

/** The latest audited changes to the cemetery, its graves and their photos. */
export async function recentChanges(db: Knex, cemeteryId: number, limit: number): Promise<ChangeRow[]> {
  const { rows } = await db.raw<{ rows: ChangeRow[] }>(
    `SELECT a.id, a.at, a.action, a.entity_type, a.entity_id, a.reason, u.display_name AS actor_name
     FROM audit_log a LEFT JOIN users u ON u.id = a.actor_user_id
     WHERE (a.entity_type = 'cemetery' AND a.entity_id = ?)
        OR (a.entity_type = 'grave' AND a.entity_id IN (SELECT id FROM graves WHERE cemetery_id = ?))
        OR (a.entity_type = 'photo' AND a.entity_id IN (SELECT p.id FROM photos p JOIN graves g ON g.id = p.grave_id WHERE g.cemetery_id = ?))
     ORDER BY a.at DESC, a.id DESC LIMIT ?`,
    [cemeteryId, cemeteryId, cemeteryId, limit],
  );
  return rows.map((r) => ({ ...r, id: Number(r.id), entity_id: r.entity_id === null ? null : Number(r.entity_id) }));
}

// ----- cemetery and section edits (cemetery-edit.service.ts) -----

/** A boundary given as GeoJSON text or null; PostGIS reads it, so the SQL never holds the text itself. */
const BOUNDARY_FROM_GEOJSON = 'CASE WHEN ?::text IS NULL THEN NULL ELSE ST_SetSRID(ST_GeomFromGeoJSON(?), 4326) END';

/**
 * What PostGIS makes of a GeoJSON geometry: valid, within longitude/latitude bounds, and its
 * normalised GeoJSON (as a multipolygon when `multi`). Throws when PostGIS cannot parse it: run it
 * outside any transaction, which the error would abort.
 */
export async function polygonCheck(db: Knex, geometryJson: string, multi: boolean): Promise<{ valid: boolean; inside: boolean; geojson: string } | undefined> {
  const { rows } = await db.raw<{ rows: { valid: boolean; inside: boolean; geojson: string }[] }>(
    `SELECT ST_IsValid(g) AS valid, ST_XMin(g) >= -180 AND ST_XMax(g) <= 180 AND ST_YMin(g) >= -90 AND ST_YMax(g) <= 90 AS inside,
            ST_AsGeoJSON(${multi ? 'ST_Multi(g)' : 'g'}, 7) AS geojson
     FROM (SELECT ST_SetSRID(ST_GeomFromGeoJSON(?), 4326) AS g) x`,
    [geometryJson],
  );
  return rows[0];
}

export type CemeteryDetails = {
  name: string; level: string; address: string | null; description: string | null; boundary: string | null;
  boardPhone: string | null; openingHours: string | null; gate: { lat: number; lng: number } | null;
};

export async function updateCemeteryDetails(trx: Knex, cemeteryId: number, d: CemeteryDetails): Promise<void> {
  await trx.raw(
    `UPDATE cemeteries SET name = ?, level = ?, address = ?, description = ?, boundary = ${BOUNDARY_FROM_GEOJSON},
            board_phone = ?, opening_hours = ?, gate = CASE WHEN ?::float8 IS NULL THEN NULL ELSE ST_SetSRID(ST_MakePoint(?::float8, ?::float8), 4326) END,
            updated_at = now() WHERE id = ?`,
    [d.name, d.level, d.address, d.description, d.boundary, d.boundary, d.boardPhone, d.openingHours, d.gate?.lng ?? null, d.gate?.lng ?? null, d.gate?.lat ?? null, cemeteryId],
  );
}

/** Marks the cemetery changed, so the search outbox re-indexes its graves (a section's code is in every plot label). */
export async function touchCemetery(trx: Knex, cemeteryId: number): Promise<void> {
  await trx('cemeteries').where({ id: cemeteryId }).update({ updated_at: trx.fn.now() });
}

export type SectionValues = { kind: string; code: string; name: string | null; boundary: string | null };

export async function insertSection(trx: Knex, cemeteryId: number, v: SectionValues): Promise<number> {
  const { rows } = await trx.raw<{ rows: { id: number }[] }>(
    `INSERT INTO cemetery_sections (cemetery_id, kind, code, name, boundary) VALUES (?, ?, ?, ?, ${BOUNDARY_FROM_GEOJSON}) RETURNING id`,
    [cemeteryId, v.kind, v.code, v.name, v.boundary, v.boundary],
  );
  return Number(rows[0]!.id);
}

/** The section of this cemetery, locked until the transaction ends. */
export async function sectionForUpdate(trx: Knex, cemeteryId: number, sectionId: number): Promise<SectionValues | undefined> {
  const { rows } = await trx.raw<{ rows: SectionValues[] }>(
    'SELECT kind, code, name, ST_AsGeoJSON(boundary, 7) AS boundary FROM cemetery_sections WHERE id = ? AND cemetery_id = ? FOR UPDATE',
    [sectionId, cemeteryId],
  );
  return rows[0];
}

export async function updateSectionRow(trx: Knex, sectionId: number, v: SectionValues): Promise<void> {
  await trx.raw(
    `UPDATE cemetery_sections SET kind = ?, code = ?, name = ?, boundary = ${BOUNDARY_FROM_GEOJSON} WHERE id = ?`,
    [v.kind, v.code, v.name, v.boundary, v.boundary, sectionId],
  );
}

/** Deletes the section of this cemetery; what it was, or undefined when there was none. */
export async function deleteSectionRow(trx: Knex, cemeteryId: number, sectionId: number): Promise<Omit<SectionValues, 'boundary'> | undefined> {
  const { rows } = await trx.raw<{ rows: Omit<SectionValues, 'boundary'>[] }>(
    'DELETE FROM cemetery_sections WHERE id = ? AND cemetery_id = ? RETURNING kind, code, name',
    [sectionId, cemeteryId],
  );
  return rows[0];
}

/** The code of a section when it belongs to this cemetery. */
export function sectionCodeOf(trx: Knex, cemeteryId: number, sectionId: number): Promise<{ code: string } | undefined> {
  return trx('cemetery_sections').where({ id: sectionId, cemetery_id: cemeteryId }).first('code');
}

export type GravePlotValues = {
  sectionId: number | null; row: string | null; number: string | null; state: string; inscription: string | null;
  position: { latitude: number; longitude: number } | null;
};

/** Writes a grave's plot, state, inscription and position (graves_plot_unique refuses a taken plot). */
export async function updateGraveRow(trx: Knex, graveId: number, v: GravePlotValues): Promise<void> {
  await trx.raw(
    `UPDATE graves SET section_id = ?, row_label = ?, plot_number = ?, state = ?, inscription = ?,
            position = CASE WHEN ?::float8 IS NULL THEN NULL ELSE ST_SetSRID(ST_MakePoint(?, ?), 4326) END,
            updated_at = now()
     WHERE id = ?`,
    [v.sectionId, v.row, v.number, v.state, v.inscription, v.position?.longitude ?? null, v.position?.longitude ?? null, v.position?.latitude ?? null, graveId],
  );
}

/** Marks a grave changed so that search rebuilds it (its documents fold in the martyrs lying there). */
export async function touchGrave(trx: Knex, graveId: number): Promise<void> {
  await trx('graves').where({ id: graveId }).update({ updated_at: trx.fn.now() });
}

export async function setMartyrGrave(trx: Knex, martyrId: number, graveId: number): Promise<void> {
  await trx('martyrs').where({ id: martyrId }).update({ grave_id: graveId, updated_at: trx.fn.now() });
}

/** Unlinks the martyr from this grave; false when the martyr does not lie there. */
export async function unlinkMartyrFromGrave(trx: Knex, martyrId: number, graveId: number): Promise<boolean> {
  return (await trx('martyrs').where({ id: martyrId, grave_id: graveId }).update({ grave_id: null, updated_at: trx.fn.now() })) > 0;
}
