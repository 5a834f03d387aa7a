/**
 * Staff changes to a cemetery's own details (name, level, address, description, boundary) and to
 * its sections (khu / lô with their polygons), each audited with a reason. Polygons come as GeoJSON
 * text and are checked by PostGIS before anything is written.
 */
import type { Db, Knex } from '../db/knex.js';
import { changedFields, writeAudit } from '../audit/audit.js';
import { AppError, NotFoundError } from '../http/errors.js';
import type { Actor } from '../photos/photos.service.js';
import { staffCemetery } from './upkeep.queries.js';

export const CEMETERY_LEVELS = ['national', 'province', 'district', 'commune'] as const;
export type CemeteryLevel = (typeof CEMETERY_LEVELS)[number];

export type CemeteryEdit = { name: string; level: CemeteryLevel; address: string | null; description: string | null; boundary: string | null; reason: string };
export type SectionEdit = { kind: 'khu' | 'lo'; code: string; name: string | null; boundary: string | null; reason: string };

/** Why a polygon was refused; the key of its message. */
export type GeometryProblem = 'json' | 'type' | 'invalid';

export class GeometryRejected extends AppError {
  constructor(readonly problem: GeometryProblem, readonly field: string) {
    super(400, 'geometry_rejected', `The ${field} is not a valid polygon (${problem}).`);
  }
}

export class SectionConflict extends AppError {
  constructor(readonly problem: 'code_taken' | 'has_graves') {
    super(409, `section_${problem}`, problem === 'code_taken' ? 'The cemetery already has a section with this code.' : 'Graves lie in this section: move them first.');
  }
}

const UNIQUE_VIOLATION = '23505';
const FOREIGN_KEY_VIOLATION = '23503';

/** The geometry object of GeoJSON text: a bare geometry, a Feature, or a FeatureCollection of one. */
function geometryOf(text: string): { type?: unknown } | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  const v = value as { type?: unknown; geometry?: unknown; features?: Array<{ geometry?: unknown }> };
  if (v?.type === 'Feature') return (v.geometry ?? null) as { type?: unknown } | null;
  if (v?.type === 'FeatureCollection' && Array.isArray(v.features) && v.features.length === 1) return (v.features[0]?.geometry ?? null) as { type?: unknown } | null;
  return typeof v === 'object' && v !== null ? v : null;
}

/**
 * GeoJSON text → normalised GeoJSON of a valid polygon (WGS 84 longitude, latitude), or a
 * GeometryRejected. Runs outside any transaction: a PostGIS parse error would abort it.
 */
export async function checkPolygon(db: Knex, text: string, field: string, multi: boolean): Promise<string> {
  const geometry = geometryOf(text);
  if (!geometry) throw new GeometryRejected('json', field);
  if (geometry.type !== 'Polygon' && !(multi && geometry.type === 'MultiPolygon')) throw new GeometryRejected('type', field);
  try {
    const { rows } = await db.raw<{ rows: { valid: boolean; inside: boolean; geojson: string }[] }>(
      `SELECT ST_IsValid(g) AS valid, ST_XMin(g) >= -180 AND ST_XMax(g) <= 180 AND ST_YMin(g) >= -90 AND ST_YMax(g) <= 90 AS inside,
              ST_AsGeoJSON(${multi ? 'ST_Multi(g)' : 'g'}, 7) AS geojson
       FROM (SELECT ST_SetSRID(ST_GeomFromGeoJSON(?), 4326) AS g) x`,
      [JSON.stringify(geometry)],
    );
    if (!rows[0]?.valid || !rows[0].inside) throw new GeometryRejected('invalid', field);
    return rows[0].geojson;
  } catch (error) {
    if (error instanceof GeometryRejected) throw error;
    throw new GeometryRejected('invalid', field);
  }
}

/** A section's code or kind is part of every plot label search shows: the cemetery's graves are re-indexed. */
const touchCemetery = (trx: Knex, cemeteryId: number) => trx('cemeteries').where({ id: cemeteryId }).update({ updated_at: trx.fn.now() });

export async function updateCemetery(db: Db, actor: Actor, cemeteryId: number, edit: CemeteryEdit): Promise<boolean> {
  const boundary = edit.boundary ? await checkPolygon(db, edit.boundary, 'boundary', true) : null;
  return db.transaction(async (trx) => {
    const before = await staffCemetery(trx, actor.scope, cemeteryId, true);
    if (!before) throw new NotFoundError();
    const diff = changedFields(
      { name: before.name, level: before.level, address: before.address, description: before.description, boundary: before.boundary },
      { name: edit.name, level: edit.level, address: edit.address, description: edit.description, boundary },
    );
    if (!Object.keys(diff.after).length) return false;
    await trx.raw(
      `UPDATE cemeteries SET name = ?, level = ?, address = ?, description = ?,
              boundary = CASE WHEN ?::text IS NULL THEN NULL ELSE ST_SetSRID(ST_GeomFromGeoJSON(?), 4326) END, updated_at = now()
       WHERE id = ?`,
      [edit.name, edit.level, edit.address, edit.description, boundary, boundary, cemeteryId],
    );
    await writeAudit(trx, { actorUserId: actor.userId, ip: actor.ip, action: 'cemetery.update', entityType: 'cemetery', entityId: cemeteryId, before: diff.before, after: diff.after, reason: edit.reason });
    return true;
  });
}

async function sectionWrite<T>(db: Db, actor: Actor, cemeteryId: number, write: (trx: Knex) => Promise<T>): Promise<T> {
  try {
    return await db.transaction(async (trx) => {
      if (!(await staffCemetery(trx, actor.scope, cemeteryId, true))) throw new NotFoundError();
      return write(trx);
    });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === UNIQUE_VIOLATION) throw new SectionConflict('code_taken');
    if (code === FOREIGN_KEY_VIOLATION) throw new SectionConflict('has_graves');
    throw error;
  }
}

export async function addSection(db: Db, actor: Actor, cemeteryId: number, edit: SectionEdit): Promise<number> {
  const boundary = edit.boundary ? await checkPolygon(db, edit.boundary, 'section polygon', false) : null;
  return sectionWrite(db, actor, cemeteryId, async (trx) => {
    const { rows } = await trx.raw<{ rows: { id: number }[] }>(
      `INSERT INTO cemetery_sections (cemetery_id, kind, code, name, boundary)
       VALUES (?, ?, ?, ?, CASE WHEN ?::text IS NULL THEN NULL ELSE ST_SetSRID(ST_GeomFromGeoJSON(?), 4326) END) RETURNING id`,
      [cemeteryId, edit.kind, edit.code, edit.name, boundary, boundary],
    );
    const id = Number(rows[0]!.id);
    await writeAudit(trx, {
      actorUserId: actor.userId, ip: actor.ip, action: 'cemetery.section.add', entityType: 'cemetery', entityId: cemeteryId,
      after: { section_id: id, kind: edit.kind, code: edit.code, name: edit.name, boundary }, reason: edit.reason,
    });
    return id;
  });
}

export async function updateSection(db: Db, actor: Actor, cemeteryId: number, sectionId: number, edit: SectionEdit): Promise<boolean> {
  const boundary = edit.boundary ? await checkPolygon(db, edit.boundary, 'section polygon', false) : null;
  return sectionWrite(db, actor, cemeteryId, async (trx) => {
    const { rows } = await trx.raw<{ rows: { kind: string; code: string; name: string | null; boundary: string | null }[] }>(
      'SELECT kind, code, name, ST_AsGeoJSON(boundary, 7) AS boundary FROM cemetery_sections WHERE id = ? AND cemetery_id = ? FOR UPDATE',
      [sectionId, cemeteryId],
    );
    if (!rows[0]) throw new NotFoundError();
    const diff = changedFields(rows[0], { kind: edit.kind, code: edit.code, name: edit.name, boundary });
    if (!Object.keys(diff.after).length) return false;
    await trx.raw(
      `UPDATE cemetery_sections SET kind = ?, code = ?, name = ?,
              boundary = CASE WHEN ?::text IS NULL THEN NULL ELSE ST_SetSRID(ST_GeomFromGeoJSON(?), 4326) END
       WHERE id = ?`,
      [edit.kind, edit.code, edit.name, boundary, boundary, sectionId],
    );
    if ('code' in diff.after || 'kind' in diff.after) await touchCemetery(trx, cemeteryId);
    await writeAudit(trx, {
      actorUserId: actor.userId, ip: actor.ip, action: 'cemetery.section.update', entityType: 'cemetery', entityId: cemeteryId,
      before: { section_id: sectionId, ...diff.before }, after: { section_id: sectionId, ...diff.after }, reason: edit.reason,
    });
    return true;
  });
}

/** Removes an empty section; one with graves is refused (SectionConflict 'has_graves'). */
export async function deleteSection(db: Db, actor: Actor, cemeteryId: number, sectionId: number, reason: string): Promise<void> {
  await sectionWrite(db, actor, cemeteryId, async (trx) => {
    const { rows } = await trx.raw<{ rows: { kind: string; code: string; name: string | null }[] }>(
      'DELETE FROM cemetery_sections WHERE id = ? AND cemetery_id = ? RETURNING kind, code, name',
      [sectionId, cemeteryId],
    );
    if (!rows[0]) throw new NotFoundError();
    await writeAudit(trx, {
      actorUserId: actor.userId, ip: actor.ip, action: 'cemetery.section.delete', entityType: 'cemetery', entityId: cemeteryId,
      before: { section_id: sectionId, ...rows[0] }, reason,
    });
  });
}
