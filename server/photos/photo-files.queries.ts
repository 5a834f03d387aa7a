/** Which grave photo a public-size file belongs to, whoever may see it (staff routes check scope). */
import type { Knex } from '../db/knex.js';

export async function photoOfFile(db: Knex, graveId: number, key: string): Promise<number | undefined> {
  const { rows } = await db.raw<{ rows: { id: number }[] }>('SELECT id FROM photos WHERE grave_id = ? AND ? IN (full_key, page_key, thumb_key) LIMIT 1', [graveId, key]);
  return rows[0] ? Number(rows[0].id) : undefined;
}
