/** Which photo files the public may fetch: those of public_photos, the one visibility rule. */
import type { Db } from '../db/knex.js';

/** Public copies are stored as graves/<grave id>/<hash>-<size>.jpg (photoKeys.grave, the demo seed). */
const GRAVE_OF_KEY = /^graves\/(\d{1,18})\//;

/** Whether `key` is a public size of a photo public_photos holds (current or earlier, of a grave whose headstone is public). */
export async function isPublicPhotoKey(db: Db, key: string): Promise<boolean> {
  const grave = GRAVE_OF_KEY.exec(key);
  if (!grave) return false;
  const { rows } = await db.raw<{ rows: { public: boolean }[] }>(
    'SELECT EXISTS (SELECT 1 FROM public_photos WHERE grave_id = ? AND ? IN (full_key, page_key, thumb_key)) AS public',
    [Number(grave[1]), key],
  );
  return Boolean(rows[0]?.public);
}
