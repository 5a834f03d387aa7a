/**
 * Staff changes to a grave: its plot (khu, hàng, mộ số), state, inscription and position, and the
 * martyrs linked to it. Each change is one transaction with its audit row and a reason; the
 * database triggers put the grave in the search outbox, and tiles read the table directly.
 */
import type { Db, Knex } from '../db/knex.js';
import { changedFields, writeAudit } from '../audit/audit.js';
import { AppError, BadRequestError, NotFoundError } from '../http/errors.js';
import type { Actor } from '../photos/photos.service.js';
import { linkableMartyr, staffGrave, type StaffGrave } from './upkeep.queries.js';

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
export class PlotTaken extends AppError {
  constructor() {
    super(409, 'plot_taken', 'Another grave of this cemetery already has this plot (khu, hàng, mộ số).');
  }
}

const UNIQUE_VIOLATION = '23505';

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
    if (!before) throw new NotFoundError();
    let sectionCode: string | null = null;
    if (edit.sectionId !== null) {
      const section = await trx('cemetery_sections').where({ id: edit.sectionId, cemetery_id: before.cemetery_id }).first('code');
      if (!section) throw new BadRequestError('This section is not a section of the grave’s cemetery.');
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
      await trx.raw(
        `UPDATE graves SET section_id = ?, row_label = ?, plot_number = ?, state = ?, inscription = ?,
                position = CASE WHEN ?::float8 IS NULL THEN NULL ELSE ST_SetSRID(ST_MakePoint(?, ?), 4326) END,
                updated_at = now()
         WHERE id = ?`,
        [edit.sectionId, edit.row, edit.number, edit.state, edit.inscription, edit.position?.longitude ?? null, edit.position?.longitude ?? null, edit.position?.latitude ?? null, graveId],
      );
    } catch (error) {
      if ((error as { code?: string; constraint?: string }).code === UNIQUE_VIOLATION && (error as { constraint?: string }).constraint === 'graves_plot_unique') throw new PlotTaken();
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
    return { changed: true, grave: after };
  });
}

/** Marks a grave changed so that search rebuilds it (its documents fold in the martyrs lying there). */
const touchGrave = (trx: Knex, graveId: number) => trx('graves').where({ id: graveId }).update({ updated_at: trx.fn.now() });

/**
 * Links a martyr to the grave. The martyr must be a public record and either be in the user's
 * scope or have no grave yet: the staff who keep a cemetery are the ones who learn who lies in an
 * unmarked grave. A confidential record is never linked from here (the grave page would then show
 * its name), and it answers exactly as an unknown number does, so that probing ids tells nothing.
 */
export async function linkMartyr(db: Db, actor: Actor, graveId: number, martyrId: number, reason: string): Promise<boolean> {
  return db.transaction(async (trx) => {
    if (!(await staffGrave(trx, actor.scope, graveId, true))) throw new NotFoundError();
    const martyr = await linkableMartyr(trx, actor.scope, martyrId);
    if (!martyr) throw new AppError(404, 'martyr_not_found', 'No martyr record with this number that you may link.');
    const from = martyr.grave_id === null ? null : Number(martyr.grave_id);
    if (from === graveId) return false;
    await trx('martyrs').where({ id: martyrId }).update({ grave_id: graveId, updated_at: trx.fn.now() });
    await touchGrave(trx, graveId);
    if (from !== null) await touchGrave(trx, from);
    await writeAudit(trx, { actorUserId: actor.userId, ip: actor.ip, action: 'martyr.grave.link', entityType: 'martyr', entityId: martyrId, before: { grave_id: from }, after: { grave_id: graveId }, reason });
    await writeAudit(trx, { actorUserId: actor.userId, ip: actor.ip, action: 'grave.martyr.link', entityType: 'grave', entityId: graveId, after: { martyr_id: martyrId }, reason });
    return true;
  });
}

/** Unlinks a martyr from the grave (a wrong identification); the martyr then has no known grave. */
export async function unlinkMartyr(db: Db, actor: Actor, graveId: number, martyrId: number, reason: string): Promise<void> {
  await db.transaction(async (trx) => {
    if (!(await staffGrave(trx, actor.scope, graveId, true))) throw new NotFoundError();
    const changed = await trx('martyrs').where({ id: martyrId, grave_id: graveId }).update({ grave_id: null, updated_at: trx.fn.now() });
    if (!changed) throw new NotFoundError();
    await touchGrave(trx, graveId);
    await writeAudit(trx, { actorUserId: actor.userId, ip: actor.ip, action: 'martyr.grave.unlink', entityType: 'martyr', entityId: martyrId, before: { grave_id: graveId }, after: { grave_id: null }, reason });
    await writeAudit(trx, { actorUserId: actor.userId, ip: actor.ip, action: 'grave.martyr.unlink', entityType: 'grave', entityId: graveId, before: { martyr_id: martyrId }, reason });
  });
}
