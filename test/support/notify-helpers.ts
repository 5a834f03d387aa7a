/** Real staff changes for notification tests: the upkeep services, as an admin, changing one field. */
import { scopeOf } from '../../server/accounts/scope.js';
import type { Db } from '../../server/db/knex.js';
import { updateCemetery, type CemeteryLevel } from '../../server/upkeep/cemetery-edit.service.js';
import { updateGrave as saveGrave } from '../../server/upkeep/grave-edit.service.js';
import { staffCemetery, staffGrave } from '../../server/upkeep/upkeep.queries.js';

const adminScope = scopeOf([{ role: 'admin', provinceCode: null, cemeteryId: null }]);

export async function updateGrave(db: Db, userId: number, graveId: number, change: { inscription: string }): Promise<void> {
  const g = (await staffGrave(db, adminScope, graveId))!;
  await saveGrave(db, { userId, ip: null, scope: adminScope }, graveId, {
    sectionId: g.section_id === null ? null : Number(g.section_id), row: g.row_label, number: g.plot_number, state: g.state,
    inscription: change.inscription, position: g.latitude === null || g.longitude === null ? null : { latitude: g.latitude, longitude: g.longitude }, reason: 'Kiểm tra thông báo',
  });
}

export async function updateCemeteryFor(db: Db, userId: number, cemeteryId: number, description: string): Promise<void> {
  const c = (await staffCemetery(db, adminScope, cemeteryId))!;
  await updateCemetery(db, { userId, ip: null, scope: adminScope }, cemeteryId, {
    name: c.name, level: c.level as CemeteryLevel, address: c.address, description, boundary: c.boundary, boardPhone: c.board_phone, openingHours: c.opening_hours,
    gate: c.gate_lat === null || c.gate_lng === null ? null : { lat: Number(c.gate_lat), lng: Number(c.gate_lng) }, reason: 'Kiểm tra thông báo',
  });
}
