/**
 * `npm run seed -- --graves N [--seed S] [--reset] [--photos N]`: loads the deterministic demo
 * data set into the configured database (created, migrated and given the reference data first).
 * --reset empties the records and removes their photo files before loading.
 */
import { photosDirOf } from '../server/storage/file-stores.js';
import { parseArgs } from 'node:util';
import { loadReferenceData } from '../seeds/reference/load-reference.js';
import { databaseHasGraves, defaultMaxPhotos, ResetRefusedError, resetRecords, seedDemo } from '../seeds/demo/seed-demo.js';
import { deletePhotoFiles } from '../seeds/demo/headstone-photos.js';
import { createDb } from '../server/db/knex.js';
import { migrateLatest } from '../server/db/migrate.js';
import { runMain } from '../server/setup/run-main.js';
import { preparePostgresFor } from '../server/setup/postgres.js';

const USAGE = 'usage: npm run seed -- [--graves N] [--seed S] [--reset] [--photos N]';
/** The same ceiling as DEMO_GRAVES in server/config.ts. */
const MAX_GRAVES = 2_000_000;

type Args = { graves?: number; seed?: string; reset: boolean; photos?: number };

function usageError(message: string): never {
  console.error(`${message} (${USAGE})`);
  process.exit(2);
}

function count(name: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d[\d_]*$/.test(value)) usageError(`--${name} must be a whole number (got "${value}")`);
  const n = Number(value.replace(/_/g, ''));
  if (n < min || n > MAX_GRAVES) usageError(`--${name} must be between ${min} and ${MAX_GRAVES.toLocaleString('en')} (got ${value})`);
  return n;
}

function parseCommandLine(argv: string[]): Args {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { graves: { type: 'string' }, seed: { type: 'string' }, reset: { type: 'boolean', default: false }, photos: { type: 'string' } },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    usageError((error as Error).message.split('\n')[0]!);
  }
  const { values } = parsed;
  if (values.seed !== undefined && values.seed.trim() === '') usageError('--seed must not be empty');
  return { graves: count('graves', values.graves, 1), seed: values.seed, reset: values.reset ?? false, photos: count('photos', values.photos, 0) };
}

const args = parseCommandLine(process.argv.slice(2));

runMain(async (config, logger) => {
  const graves = args.graves ?? config.demoGraves;
  if (graves < 1) usageError('DEMO_GRAVES is 0: give --graves N');
  const seed = args.seed ?? config.demoSeed;
  const photosDir = photosDirOf(config);
  const started = Date.now();
  const say = (message: string) => console.log(`[seed ${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${message}`);

  const databaseUrl = await preparePostgresFor(config, logger);
  const db = createDb(databaseUrl, 2, logger);
  try {
    await migrateLatest(db);
    await loadReferenceData(db, logger);
    if (args.reset) {
      const reset = await resetRecords(db).catch((error: unknown) => {
        if (!(error instanceof ResetRefusedError)) throw error;
        console.error(error.message);
        return undefined;
      });
      if (!reset) {
        process.exitCode = 1;
        return;
      }
      const { photoKeys } = reset;
      await deletePhotoFiles(photosDir, photoKeys);
      say(`reset: records emptied, ${photoKeys.length.toLocaleString('en')} photo files removed`);
    } else if (await databaseHasGraves(db)) {
      console.error('The database already has graves: run with --reset to replace the records with demo data.');
      process.exitCode = 1;
      return;
    }
    say(`seeding ${graves.toLocaleString('en')} graves with seed "${seed}" (photos: at most ${(args.photos ?? defaultMaxPhotos(graves)).toLocaleString('en')}, in ${photosDir})`);
    const summary = await seedDemo(db, logger, { graves, seed, photosDir, maxPhotos: args.photos, onProgress: say });
    const rows = summary.cemeteries + summary.sections + summary.graves + summary.martyrs + summary.photos;
    say(
      `done: ${summary.cemeteries.toLocaleString('en')} cemeteries, ${summary.sections.toLocaleString('en')} sections, ` +
      `${summary.graves.toLocaleString('en')} graves, ${summary.martyrs.toLocaleString('en')} martyrs, ${summary.photos.toLocaleString('en')} photos ` +
      `in ${(summary.ms / 1000).toFixed(1)} s (${Math.round(rows / (summary.ms / 1000)).toLocaleString('en')} rows/s)`,
    );
  } finally {
    await db.destroy();
  }
});
