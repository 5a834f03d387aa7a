/**
 * Staff changes to a grave: its plot (khu, hàng, mộ số), state, inscription and position, and the
 * martyrs linked to it. Each change is one transaction with its audit row and a reason; the
 * database triggers put the grave in the search outbox, and tiles read the table directly.
 */
import type { Db } from '../db/knex.js';
import { changedFields, writeAudit } from '../audit/audit.js';
import { isUniqueViolation, PLOT_UNIQUE } from '../http/db-errors.js';
import { Conflict, InvalidInput, NotFound } from '../http/errors.js';
import type { Actor } from '../photos/photos.service.js';
import { provenanceFor, writeProvenance } from '../provenance/provenance.queries.js';
import { graveSubjects, queueNotification } from '../notify/notify.service.js';
import { linkableMartyr, sectionCodeOf, setMartyrGrave, staffGrave, touchGrave, unlinkMartyrFromGrave, updateGraveRow, type StaffGrave } from './upkeep.queries.js';

export type GraveState = 'identified' | 'partial' | 'unknown';

export type GraveEdit = {
  sectionId: number | null;
  row: string | null;
  number: string | null;
  state: GraveState;
  inscription: string | null;
  position: { latitude: number; longitude: number } | null;
  reason: string;
};

/** The plot is taken by another grave of the cemetery (graves_plot_unique). */
export class PlotTaken extends Conflict {
  constructor() {
    super('plot_taken', 'Another grave of this cemetery already has this plot (khu, hàng, mộ số).');
  }
}

/** No public martyr with this number that the user may link (unknown and confidential alike). */
export class MartyrNotLinkable extends NotFound {
  constructor() {
    super('No martyr record with this number that you may link.', 'martyr_not_found');
  }
}

/** The fields an edit may change, as the audit row records them (readable values, not ids). */
function auditFields(g: { section_code: string | null; row_label: string | null; plot_number: string | null; state: string; inscription: string | null; latitude: number | null; longitude: number | null }) {
  return {
    section: g.section_code,
    row_label: g.row_label,
    plot_number: g.plot_number,
    state: g.state,
    inscription: g.inscription,
    position: g.latitude === null || g.longitude === null ? null : `${g.latitude.toFixed(7)},${g.longitude.toFixed(7)}`,
  };
}

/** Saves an edit; a position outside the cemetery's boundary is kept, flagged, and recorded in the audit row. */
export async function updateGrave(db: Db, actor: Actor, graveId: number, edit: GraveEdit): Promise<{ changed: boolean; grave: StaffGrave }> {
  return db.transaction(async (trx) => {
    const before = await staffGrave(trx, actor.scope, graveId, true);
    if (!before) throw new NotFound();
    let sectionCode: string | null = null;
    if (edit.sectionId !== null) {
      const section = await sectionCodeOf(trx, before.cemetery_id, edit.sectionId);
      if (!section) throw new InvalidInput('This section is not a section of the grave’s cemetery.', undefined, 'bad_request');
      sectionCode = section.code;
    }
    const was = auditFields(before);
    const will = auditFields({
      section_code: sectionCode, row_label: edit.row, plot_number: edit.number, state: edit.state, inscription: edit.inscription,
      latitude: edit.position?.latitude ?? null, longitude: edit.position?.longitude ?? null,
    });
    const diff = changedFields(was, will);
    if (!Object.keys(diff.after).length) return { changed: false, grave: before };
    try {
      await updateGraveRow(trx, graveId, edit);
    } catch (error) {
      if (isUniqueViolation(error, PLOT_UNIQUE)) throw new PlotTaken();
      throw error;
    }
    const after = (await staffGrave(trx, actor.scope, graveId))!;
    await writeAudit(trx, {
      actorUserId: actor.userId, ip: actor.ip, action: 'grave.update', entityType: 'grave', entityId: graveId,
      before: diff.before,
      // Saved anyway, but said: a position outside the cemetery's boundary is usually a mistake.
      after: 'position' in diff.after && after.inside_boundary === false ? { ...diff.after, position_outside_boundary: true } : diff.after,
      reason: edit.reason,
    });
    // From now on these fields are staff's: a later import lists a different value as a conflict.
    await writeProvenance(trx, provenanceFor('grave', graveId, Object.keys(diff.after), { sourceKind: 'staff', changedBy: actor.userId }));
    await queueNotification(trx, { kind: before.state !== 'identified' && edit.state === 'identified' ? 'grave_identified' : 'record_corrected', subjects: await graveSubjects(trx, graveId) });
    return { changed: true, grave: after };
  });
}

/**
 * Links a martyr to the grave. The martyr must be a public record and either be in the user's
 * scope or have no grave yet: the staff who keep a cemetery are the ones who learn who lies in an
 * unmarked grave. A confidential record is never linked from here (the grave page would then show
 * its name), and it answers exactly as an unknown number does, so that probing ids tells nothing.
 */
export async function linkMartyr(db: Db, actor: Actor, graveId: number, martyrId: number, reason: string): Promise<boolean> {
  return db.transaction(async (trx) => {
    if (!(await staffGrave(trx, actor.scope, graveId, true))) throw new NotFound();
    const martyr = await linkableMartyr(trx, actor.scope, martyrId);
    if (!martyr) throw new MartyrNotLinkable();
    const from = martyr.grave_id === null ? null : Number(martyr.grave_id);
    if (from === graveId) return false;
    await setMartyrGrave(trx, martyrId, graveId);
    await touchGrave(trx, graveId);
    if (from !== null) await touchGrave(trx, from);
    await writeAudit(trx, { actorUserId: actor.userId, ip: actor.ip, action: 'martyr.grave.link', entityType: 'martyr', entityId: martyrId, before: { grave_id: from }, after: { grave_id: graveId }, reason });
    await writeProvenance(trx, provenanceFor('martyr', martyrId, ['grave_id'], { sourceKind: 'staff', changedBy: actor.userId }));
    await writeAudit(trx, { actorUserId: actor.userId, ip: actor.ip, action: 'grave.martyr.link', entityType: 'grave', entityId: graveId, after: { martyr_id: martyrId }, reason });
    // Who lies here is now known: the grave's followers and the martyr's hear it.
    await queueNotification(trx, { kind: 'grave_identified', subjects: await graveSubjects(trx, graveId) });
    return true;
  });
}

/** Unlinks a martyr from the grave (a wrong identification); the martyr then has no known grave. */
export async function unlinkMartyr(db: Db, actor: Actor, graveId: number, martyrId: number, reason: string): Promise<void> {
  await db.transaction(async (trx) => {
    if (!(await staffGrave(trx, actor.scope, graveId, true))) throw new NotFound();
    if (!(await unlinkMartyrFromGrave(trx, martyrId, graveId))) throw new NotFound();
    await touchGrave(trx, graveId);
    await writeAudit(trx, { actorUserId: actor.userId, ip: actor.ip, action: 'martyr.grave.unlink', entityType: 'martyr', entityId: martyrId, before: { grave_id: graveId }, after: { grave_id: null }, reason });
    await writeProvenance(trx, provenanceFor('martyr', martyrId, ['grave_id'], { sourceKind: 'staff', changedBy: actor.userId }));
    await writeAudit(trx, { actorUserId: actor.userId, ip: actor.ip, action: 'grave.martyr.unlink', entityType: 'grave', entityId: graveId, before: { martyr_id: martyrId }, reason });
  });
}
