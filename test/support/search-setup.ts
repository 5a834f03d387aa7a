/**
 * The setup most search-facing test files share: a fresh database with the search fixture, a
 * Meilisearch index of its own rebuilt from it, and the app on both; drop() removes all of it.
 */
import { randomBytes } from 'node:crypto';
import type { Express } from 'express';
import { afterAll, beforeAll } from 'vitest';
import { ensureIndex } from '../../server/search/index-writer.js';
import { reindex } from '../../server/search/reindex.js';
import { loadSearchFixture, type SearchFixture } from './search-fixtures.js';
import { createTestDatabase, silentLogger, testApp, testConfig, testMeili, type TestDatabase } from './services.js';

export type SearchSetup = { t: TestDatabase; fx: SearchFixture; app: Express; indexUid: string; drop(): Promise<void> };

export async function searchSetup(label: string, env: Record<string, string> = {}): Promise<SearchSetup> {
  const t = await createTestDatabase(label);
  const fx = await loadSearchFixture(t.db);
  const indexUid = `test_${label}_${randomBytes(4).toString('hex')}`;
  await ensureIndex(testMeili(), indexUid);
  await reindex(t.db, testMeili(), indexUid, silentLogger);
  const app = await testApp(t.db, { config: testConfig({ MEILI_INDEX: indexUid, ...env }) });
  return {
    t,
    fx,
    app,
    indexUid,
    async drop() {
      await testMeili().deleteIndexIfExists(indexUid);
      await t.drop();
    },
  };
}

/** The setup as a test file's hooks: made before its tests, dropped after; `use` receives it. */
export function useSearchSetup(label: string, use: (setup: SearchSetup) => void): void {
  let setup: SearchSetup | undefined;
  beforeAll(async () => {
    setup = await searchSetup(label);
    use(setup);
  });
  afterAll(async () => {
    await setup?.drop();
  });
}
