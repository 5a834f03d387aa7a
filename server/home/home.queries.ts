import type { Db } from '../db/knex.js';

export type PortalCounts = {
  martyrs: number;
  martyrsWithoutGrave: number;
  graves: number;
  gravesWithoutName: number;
  cemeteries: number;
  provinces: number;
  photos: number;
};

/** What the portal holds, counting only what the public may see (the public_* views). */
export async function portalCounts(db: Db): Promise<PortalCounts> {
  const { rows } = await db.raw<{ rows: PortalCounts[] }>(`
    SELECT
      (SELECT count(*) FROM public_martyrs)                                           AS "martyrs",
      (SELECT count(*) FROM public_martyrs WHERE grave_id IS NULL)                    AS "martyrsWithoutGrave",
      (SELECT count(*) FROM public_graves)                                            AS "graves",
      (SELECT count(*) FROM public_graves WHERE state <> 'identified')                AS "gravesWithoutName",
      (SELECT count(*) FROM cemeteries)                                               AS "cemeteries",
      (SELECT count(DISTINCT province_code) FROM cemeteries)                          AS "provinces",
      (SELECT count(*) FROM public_photos WHERE is_current)                           AS "photos"
  `);
  return rows[0]!;
}
