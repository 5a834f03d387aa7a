import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateDownAll, migrateLatest, pendingMigrations } from '../../server/db/migrate.js';
import { createEmptyDatabase, type TestDatabase } from '../support/services.js';

describe('migrations', () => {
  let empty: TestDatabase;
  beforeAll(async () => {
    empty = await createEmptyDatabase('migrations');
  });
  afterAll(async () => {
    await empty.drop();
  });

  const tables = async () =>
    (await empty.db.raw<{ rows: { tablename: string }[] }>(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'knex_%' ORDER BY 1`)).rows.map((r) => r.tablename);

  it('apply on an empty database, roll back to nothing, and apply again', async () => {
    const applied = await migrateLatest(empty.db);
    expect(applied.length).toBeGreaterThan(0);
    expect(await pendingMigrations(empty.db)).toEqual([]);
    expect(await tables()).toEqual(expect.arrayContaining(['martyrs', 'graves', 'cemeteries', 'cemetery_sections', 'photos', 'submissions', 'users', 'user_roles', 'audit_log', 'search_outbox', 'provinces', 'old_provinces', 'commune_mapping']));

    const reverted = await migrateDownAll(empty.db);
    expect([...reverted].sort()).toEqual([...applied].sort());
    // spatial_ref_sys belongs to PostGIS, which the migrations create but leave in place on the way down.
    expect((await tables()).filter((t) => t !== 'spatial_ref_sys')).toEqual([]);

    expect(await migrateLatest(empty.db)).toEqual(applied);
  });
});
