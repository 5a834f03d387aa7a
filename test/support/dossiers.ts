/**
 * A test bed for dossiers: a database with the search fixture, its own data folder and staff-only
 * index, the job queue running the dossier workers on that database, and the app sending to it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Express } from 'express';
import { registerDossierJobs } from '../../server/dossiers/dossier.jobs.js';
import { ensureDossierIndex } from '../../server/dossiers/dossier-index.js';
import type { DossierDeps } from '../../server/dossiers/dossier-deps.js';
import { startJobQueue, type JobQueue } from '../../server/jobs/job-queue.js';
import { jobSenderOf } from '../../server/jobs/job-sender.js';
import { createApp } from '../../server/app.js';
import { loadProvinceCatalogue } from '../../server/places/province-catalogue.js';
import { ensureIndex } from '../../server/search/index-writer.js';
import { createFileStores } from '../../server/storage/file-stores.js';
import type { Config } from '../../server/config.js';
import { createTestDatabase, silentLogger, testConfig, testMeili, type TestDatabase } from './services.js';
import { loadSearchFixture, type SearchFixture } from './search-fixtures.js';

export type DossierBed = { t: TestDatabase; fx: SearchFixture; app: Express; deps: DossierDeps; queue: JobQueue | undefined; config: Config; close(): Promise<void> };

export async function dossierBed(label: string, options: { queue?: boolean } = {}): Promise<DossierBed> {
  const t = await createTestDatabase(label);
  const fx = await loadSearchFixture(t.db);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), `mls-${label}-`));
  const suffix = randomBytes(4).toString('hex');
  const config = testConfig({ DATABASE_URL: t.url, DATA_DIR: dataDir, MEILI_INDEX: `records-${label}-${suffix}`, MEILI_DOSSIER_INDEX: `dossiers-${label}-${suffix}` });
  const meili = testMeili();
  await ensureIndex(meili, config.meiliIndex);
  const queue = options.queue === false ? undefined : await startJobQueue(t.url, silentLogger, { schedule: false });
  const deps: DossierDeps = { db: t.db, meili, store: createFileStores(config).dossiers, jobs: queue ? jobSenderOf(queue.boss) : undefined, indexUid: config.meiliDossierIndex, logger: silentLogger };
  await ensureDossierIndex(meili, deps.indexUid);
  if (queue) await registerDossierJobs(queue.boss, deps);
  const app = createApp({ config, db: t.db, meili, provinces: await loadProvinceCatalogue(t.db), logger: silentLogger, jobs: deps.jobs });
  return {
    t, fx, app, deps, queue, config,
    async close() {
      await queue?.stop();
      await meili.deleteIndex(config.meiliDossierIndex).catch(() => undefined);
      await meili.deleteIndex(config.meiliIndex).catch(() => undefined);
      await t.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Waits until `check` holds, polling; fails naming what it waited for. */
export async function until<T>(what: string, check: () => Promise<T | undefined | false | null>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
