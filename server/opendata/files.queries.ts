/** The register of built national files (open_data_files): what the page lists and the ETag says. */
import type { Db } from '../db/knex.js';

export type OpenDataFile = { name: string; bytes: number; sha256: string; row_count: number; feed_cursor: string; built_at: Date };

export async function listOpenDataFiles(db: Db): Promise<OpenDataFile[]> {
  return db('open_data_files').select('name', 'bytes', 'sha256', 'row_count', 'feed_cursor', 'built_at').orderBy('name');
}

export async function findOpenDataFile(db: Db, name: string): Promise<OpenDataFile | undefined> {
  return db('open_data_files').where({ name }).first('name', 'bytes', 'sha256', 'row_count', 'feed_cursor', 'built_at');
}

/** Replaces the register's rows of a build, in one transaction, after its files are in place. */
export async function recordOpenDataFiles(db: Db, files: Omit<OpenDataFile, 'built_at'>[], builtAt: Date): Promise<void> {
  await db.transaction(async (trx) => {
    for (const f of files) {
      await trx('open_data_files')
        .insert({ ...f, built_at: builtAt })
        .onConflict('name')
        .merge();
    }
  });
}
