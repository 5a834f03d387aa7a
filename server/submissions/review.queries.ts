/** SQL of the review step that checks what an officer's decision may touch. */
import { cemeteryInScope, type Scope } from '../accounts/scope.js';
import type { Knex } from '../db/knex.js';

/** Whether the cemetery exists and the scope reaches it (the two are not told apart). */
export async function cemeteryReachable(db: Knex, scope: Scope, cemeteryId: number): Promise<boolean> {
  const reach = cemeteryInScope(scope);
  const { rows } = await db.raw<{ rows: unknown[] }>(`SELECT 1 FROM cemeteries c WHERE c.id = ? AND ${reach.sql}`, [cemeteryId, ...reach.bindings]);
  return rows.length > 0;
}
