/** The photo store and processing queue one server process shares between its photo routes. */
import type { Db } from '../db/knex.js';
import type { Logger } from '../logger.js';
import type { FileStore } from '../storage/file-store.js';
import { configureSharpForUploads, ProcessingQueue, UPLOAD_PROCESSING_SLOTS } from './photo-processing.js';
import type { PhotoDeps } from './photos.service.js';

/** `store` is the app's one photo store (storage/file-stores.ts); the queue is this process's one. */
export function createPhotoDeps(store: FileStore, db: Db, logger: Logger): PhotoDeps {
  configureSharpForUploads();
  return { db, store, queue: new ProcessingQueue(UPLOAD_PROCESSING_SLOTS), logger };
}
