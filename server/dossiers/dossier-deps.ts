/** What the dossier routes, service and jobs share: built once per process (app.ts, jobs.ts). */
import type { Db } from '../db/knex.js';
import type { JobSender } from '../jobs/job-sender.js';
import type { Logger } from '../logger.js';
import type { Meilisearch } from '../search/client.js';
import type { FileStore } from '../storage/file-store.js';

export type DossierDeps = {
  db: Db;
  meili: Meilisearch;
  /** DATA_DIR/dossiers: originals and rendered pages, never under a public door. */
  store: FileStore;
  /** The job queue's sender; absent in a process that runs no queue (uploads then answer 503). */
  jobs: JobSender | undefined;
  /** MEILI_DOSSIER_INDEX. */
  indexUid: string;
  logger: Logger;
};

export const DOSSIER_RENDER_JOB = 'dossier-render';
export const DOSSIER_OCR_JOB = 'dossier-ocr';
export const DOSSIER_INDEX_JOB = 'dossier-index';
export const DOSSIER_INDEX_SWEEP_JOB = 'dossier-index-sweep';
/** A page that fails this many times (a kill mid-page counts) is parked with its error. */
export const MAX_OCR_ATTEMPTS = 3;
export const MAX_RENDER_ATTEMPTS = 3;
