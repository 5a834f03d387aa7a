/**
 * Staff changes to a cemetery's own details (name, level, address, description, boundary) and to
 * its sections (khu / lô with their polygons), each audited with a reason. Polygons come as GeoJSON
 * text and are checked by PostGIS before anything is written.
 */
import { isUniqueViolation } from '../http/db-errors.js';
import type { Db, Knex } from '../db/knex.js';
import { changedFields, writeAudit } from '../audit/audit.js';
import { Conflict, InvalidInput, NotFound, NotInScope } from '../http/errors.js';
import type { Actor } from '../photos/photos.service.js';
import { queueNotification } from '../notify/notify.service.js';
import { deleteSectionRow, insertSection, polygonCheck, sectionForUpdate, staffCemetery, touchCemetery, updateCemeteryDetails, updateSectionRow } from './upkeep.queries.js';

export const CEMETERY_LEVELS = ['national', 'province', 'district', 'commune'] as const;
export type CemeteryLevel = (typeof CEMETERY_LEVELS)[number];

export type CemeteryEdit = {
  name: string; level: CemeteryLevel; address: string | null; description: string | null; boundary: string | null;
  /** What a visit needs: the management board's phone, opening hours, the gate's position. */
  boardPhone: string | null; openingHours: string | null; gate: { lat: number; lng: number } | null;
  reason: string;
};
export type SectionEdit = { kind: 'khu' | 'lo'; code: string; name: string | null; boundary: string | null; reason: string };

/** Why a polygon was refused; the key of its message. */
export type GeometryProblem = 'json' | 'type' | 'invalid';

export class GeometryRejected extends InvalidInput {
  constructor(readonly problem: GeometryProblem, readonly field: string) {
    super(`The ${field} is not a valid polygon (${problem}).`, { field, problem }, 'geometry_rejected');
  }
}

export class SectionConflict extends Conflict {
  constructor(readonly problem: 'code_taken' | 'has_graves') {
    super(`section_${problem}`, problem === 'code_taken' ? 'The cemetery already has a section with this code.' : 'Graves lie in this section: move them first.');
  }
}

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
    const checked = await polygonCheck(db, JSON.stringify(geometry), multi);
    if (!checked?.valid || !checked.inside) throw new GeometryRejected('invalid', field);
    return checked.geojson;
  } catch (error) {
    if (error instanceof GeometryRejected) throw error;
    throw new GeometryRejected('invalid', field);
  }
}

export async function updateCemetery(db: Db, actor: Actor, cemeteryId: number, edit: CemeteryEdit): Promise<boolean> {
  const boundary = edit.boundary ? await checkPolygon(db, edit.boundary, 'boundary', true) : null;
  return db.transaction(async (trx) => {
    const before = await staffCemetery(trx, actor.scope, cemeteryId, true);
    if (!before) throw new NotInScope();
    const gateOf = (lat: number | null, lng: number | null) => (lat === null || lng === null ? null : `${Number(lat).toFixed(7)}, ${Number(lng).toFixed(7)}`);
    const diff = changedFields(
      { name: before.name, level: before.level, address: before.address, description: before.description, boundary: before.boundary, board_phone: before.board_phone, opening_hours: before.opening_hours, gate: gateOf(before.gate_lat, before.gate_lng) },
      { name: edit.name, level: edit.level, address: edit.address, description: edit.description, boundary, board_phone: edit.boardPhone, opening_hours: edit.openingHours, gate: gateOf(edit.gate?.lat ?? null, edit.gate?.lng ?? null) },
    );
    if (!Object.keys(diff.after).length) return false;
    await updateCemeteryDetails(trx, cemeteryId, { name: edit.name, level: edit.level, address: edit.address, description: edit.description, boundary, boardPhone: edit.boardPhone, openingHours: edit.openingHours, gate: edit.gate });
    await writeAudit(trx, { actorUserId: actor.userId, ip: actor.ip, action: 'cemetery.update', entityType: 'cemetery', entityId: cemeteryId, before: diff.before, after: diff.after, reason: edit.reason });
    await queueNotification(trx, { kind: 'cemetery_changed', subjects: [`cemetery:${cemeteryId}`] });
    return true;
  });
}

async function sectionWrite<T>(db: Db, actor: Actor, cemeteryId: number, write: (trx: Knex) => Promise<T>): Promise<T> {
  try {
    return await db.transaction(async (trx) => {
      if (!(await staffCemetery(trx, actor.scope, cemeteryId, true))) throw new NotInScope();
      return write(trx);
    });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (isUniqueViolation(error)) throw new SectionConflict('code_taken');
    if (code === FOREIGN_KEY_VIOLATION) throw new SectionConflict('has_graves');
    throw error;
  }
}

export async function addSection(db: Db, actor: Actor, cemeteryId: number, edit: SectionEdit): Promise<number> {
  const boundary = edit.boundary ? await checkPolygon(db, edit.boundary, 'section polygon', false) : null;
  return sectionWrite(db, actor, cemeteryId, async (trx) => {
    const id = await insertSection(trx, cemeteryId, { kind: edit.kind, code: edit.code, name: edit.name, boundary });
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
    const before = await sectionForUpdate(trx, cemeteryId, sectionId);
    if (!before) throw new NotFound();
    const after = { kind: edit.kind, code: edit.code, name: edit.name, boundary };
    const diff = changedFields(before, after);
    if (!Object.keys(diff.after).length) return false;
    await updateSectionRow(trx, sectionId, after);
    // A section's code or kind is part of every plot label search shows: the cemetery's graves are re-indexed.
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
    const removed = await deleteSectionRow(trx, cemeteryId, sectionId);
    if (!removed) throw new NotFound();
    await writeAudit(trx, {
      actorUserId: actor.userId, ip: actor.ip, action: 'cemetery.section.delete', entityType: 'cemetery', entityId: cemeteryId,
      before: { section_id: sectionId, ...removed }, reason,
    });
  });
}
