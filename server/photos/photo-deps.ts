/** The photo store and processing queue one server process shares between its photo routes. */
import path from 'node:path';
import type { Config } from '../config.js';
import type { Db } from '../db/knex.js';
import type { Logger } from '../logger.js';
import { LocalFileStore } from '../storage/file-store.js';
import { configureSharpForUploads, ProcessingQueue, UPLOAD_PROCESSING_SLOTS } from './photo-processing.js';
import type { PhotoDeps } from './photos.service.js';

/** Photos live under DATA_DIR/photos: public copies are served from there at /photos (app.ts). */
export function createPhotoDeps(config: Config, db: Db, logger: Logger): PhotoDeps {
  configureSharpForUploads();
  return { db, store: new LocalFileStore(path.join(config.dataDir, 'photos')), queue: new ProcessingQueue(UPLOAD_PROCESSING_SLOTS), logger };
}
