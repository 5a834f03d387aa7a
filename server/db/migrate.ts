/**
 * Runs the knex migrations in migrations/. The files are TypeScript modules loaded by our own
 * migration source, so the same code path works under tsx, vitest and a compiled build.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import knexFactory, { type Knex } from 'knex';
import { ROOT_DIR } from '../config.js';

const MIGRATIONS_DIR = path.join(ROOT_DIR, 'migrations');

type Migration = { up(knex: Knex): Promise<void>; down(knex: Knex): Promise<void> };

const source: Knex.MigrationSource<string> = {
  async getMigrations() {
    const files = await readdir(MIGRATIONS_DIR);
    return files.filter((f) => /^\d{14}_[a-z0-9_]+\.ts$/.test(f)).sort();
  },
  getMigrationName(file) {
    return file;
  },
  async getMigration(file) {
    return (await import(pathToFileURL(path.join(MIGRATIONS_DIR, file)).href)) as Migration;
  },
};

const options: Knex.MigratorConfig = { migrationSource: source, tableName: 'knex_migrations' };

/**
 * Applies every pending migration; returns the names applied. The server's pool cancels queries at
 * its statement timeout, which a migration rewriting a million rows may outlast: migrations then
 * run on a connection of their own without one.
 */
export async function migrateLatest(db: Knex): Promise<string[]> {
  const connection = db.client.config.connection as { statement_timeout?: number } | undefined;
  const unbounded = connection && typeof connection === 'object' && connection.statement_timeout
    ? knexFactory({ ...db.client.config, connection: { ...connection, statement_timeout: 0 }, pool: { min: 0, max: 1 } })
    : undefined;
  try {
    const [, applied] = (await (unbounded ?? db).migrate.latest(options)) as [number, string[]];
    return applied;
  } finally {
    await unbounded?.destroy();
  }
}

/** Rolls back every migration (used by the migration tests). */
export async function migrateDownAll(db: Knex): Promise<string[]> {
  const [, reverted] = (await db.migrate.rollback(options, true)) as [number, string[]];
  return reverted;
}

export async function pendingMigrations(db: Knex): Promise<string[]> {
  const [, pending] = (await db.migrate.list(options)) as [unknown[], Array<{ file: string } | string>];
  return pending.map((p) => (typeof p === 'string' ? p : p.file));
}
