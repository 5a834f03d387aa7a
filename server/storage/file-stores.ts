/**
 * The file stores one server process uses, built once (app.ts) and passed to whatever reads or
 * writes files: two stores, because what is in them may leave by different doors.
 */
import path from 'node:path';
import type { Config } from '../config.js';
import { LocalFileStore, type FileStore } from './file-store.js';

export type FileStores = {
  /** Headstone photos: public sizes (served at /photos) and their private originals. */
  photos: FileStore;
  /** Submission evidence: officers only, never under /photos. */
  private: FileStore;
  /** Dossier originals and their rendered pages: staff in jurisdiction only, through the dossier routes. */
  dossiers: FileStore;
};

/** DATA_DIR/photos; /photos serves the public sizes from this folder (app.ts). */
export const photosDirOf = (config: Pick<Config, 'dataDir'>) => path.join(config.dataDir, 'photos');

/** DATA_DIR/dossiers: read by the job queue's workers and the dossier routes. */
export const dossiersDirOf = (config: Pick<Config, 'dataDir'>) => path.join(config.dataDir, 'dossiers');

export function createFileStores(config: Pick<Config, 'dataDir'>): FileStores {
  return {
    photos: new LocalFileStore(photosDirOf(config)),
    private: new LocalFileStore(path.join(config.dataDir, 'private')),
    dossiers: new LocalFileStore(dossiersDirOf(config)),
  };
}

/**
 * DATA_DIR/imports: uploaded provincial files and their rejects workbooks, staff only. An upload
 * is removed once its batch is committed (it holds columns the portal does not store).
 */
export const importFilesOf = (config: Pick<Config, 'dataDir'>) => ({ dir: path.join(config.dataDir, 'imports') });
