/**
 * The deterministic demo data set: `seedDemo` plans cemeteries in real districts, lays out their
 * sections and plots, draws graves and martyrs and renders headstone photos for some graves, and
 * streams it all into PostgreSQL with COPY inside one transaction: a failed run leaves no rows
 * (and removes the photo files it wrote). The same seed and number of graves give the same rows,
 * ids included, in an empty database.
 */
import type pg from 'pg';
import type { Db } from '../../server/db/knex.js';
import type { Logger } from '../../server/logger.js';
import { planCemeteries } from './cemeteries.js';
import { copyInto, csvLine, CsvBuffer } from '../../server/db/copy.js';
import { graveLines, GRAVE_COLUMNS, MARTYR_COLUMNS, TRUTH_COLUMNS, type GraveStats, type PhotoSubject, type PlacedCemetery } from './graves.js';
import { deletePhotoFiles, renderPhotos } from './headstone-photos.js';
import { layOut } from './layout.js';
import { createMartyrFactory } from './martyrs.js';
import { createNameSource } from './names.js';
import { Hometowns } from './places.js';
import { createRng } from './random.js';
import { loadPlaces } from './reference.js';
import { rebuildGraveClues } from '../../server/families/matching.service.js';

export type DemoOptions = {
  graves: number;
  seed: string;
  /** Folder photo keys are relative to (DATA_DIR/photos for the portal). */
  photosDir: string;
  /** Most headstone photos to render; default defaultMaxPhotos(graves). */
  maxPhotos?: number;
  onProgress?: (message: string) => void;
};

export type DemoSummary = { cemeteries: number; sections: number; graves: number; martyrs: number; photos: number; ms: number };

/** The tables the demo fills, in the order a reset must empty them (referencing tables first). */
export const DEMO_TABLES = ['photos', 'martyrs', 'graves', 'cemetery_sections', 'cemeteries'] as const;

/** 2% of the graves, at most 1,500: enough for pages to show photos, few enough to render quickly. */
export function defaultMaxPhotos(graves: number): number {
  return Math.min(Math.round(graves * 0.02), 1500);
}

export async function databaseHasGraves(db: Db): Promise<boolean> {
  const row = await db('graves').select(db.raw('1')).first();
  return row !== undefined;
}

/**
 * Empties the records (photos, martyrs, graves, sections, cemeteries) and the search outbox, and
 * restarts their id sequences. Users and the audit log stay. Refuses (ResetRefusedError) while
 * submissions, staff roles or photo uploads point at the records: they are people's work and
 * history, not demo data. TRUNCATE cannot be used (the audit log that references submissions
 * refuses truncation), so rows are deleted. Returns the photo keys whose files the caller may now
 * delete.
 */
/** A reset that would delete records other data points at: it stops with what points there. */
export class ResetRefusedError extends Error {
  constructor(readonly holders: Record<string, number>) {
    super(
      `--reset refused: the current records are referred to by ${Object.entries(holders).map(([what, n]) => `${n.toLocaleString('en')} ${n === 1 ? what.replace(/s$/, '') : what}`).join(', ')}, ` +
        'which (like the audit history) are never deleted. Seed into a fresh database instead (set DATABASE_URL).',
    );
    this.name = 'ResetRefusedError';
  }
}

/** Rows outside the demo's tables that point at its records (see the foreign keys in migrations/). */
const HOLDERS_SQL = `
  SELECT
    (SELECT count(*) FROM submissions WHERE martyr_id IS NOT NULL OR grave_id IS NOT NULL OR cemetery_id IS NOT NULL)::int AS "submissions",
    (SELECT count(*) FROM user_roles WHERE cemetery_id IS NOT NULL)::int AS "cemetery staff roles",
    (SELECT count(*) FROM photo_uploads WHERE assigned_photo_id IS NOT NULL)::int AS "assigned photo uploads"`;

export async function resetRecords(db: Db): Promise<{ photoKeys: string[] }> {
  return db.transaction(async (trx) => {
    const { rows } = await trx.raw<{ rows: Record<string, number>[] }>(HOLDERS_SQL);
    const holders = Object.fromEntries(Object.entries(rows[0] ?? {}).filter(([, n]) => n > 0));
    if (Object.keys(holders).length) throw new ResetRefusedError(holders);
    await trx.raw(`SET LOCAL mls.skip_search_outbox = 'on'`);
    await trx.raw(`SET LOCAL mls.bulk_load = 'on'`);
    const photos = (await trx('photos').select('original_key', 'full_key', 'page_key', 'thumb_key')) as Array<Record<string, string>>;
    const photoKeys = [...new Set(photos.flatMap((p) => Object.values(p)))];
    // The demo's ground truth points at graves and martyrs; it goes first, and has no id sequence.
    await trx('demo_unidentified_truth').delete();
    for (const table of [...DEMO_TABLES, 'search_outbox']) {
      await trx(table).delete();
      await trx.raw(`SELECT setval(pg_get_serial_sequence(?, 'id'), 1, false)`, [table]);
    }
    return { photoKeys };
  });
}

const CEMETERY_COLUMNS = [
  'id', 'name', 'level', 'address', 'province_code', 'commune_code', 'old_province_code', 'old_district_code',
  'location', 'boundary', 'location_precision', 'description',
] as const;
const SECTION_COLUMNS = ['id', 'cemetery_id', 'kind', 'code', 'name', 'boundary'] as const;
const PHOTO_COLUMNS = [
  'id', 'grave_id', 'original_key', 'full_key', 'page_key', 'thumb_key', 'content_hash', 'width', 'height', 'bytes',
  'taken_at', 'position', 'is_current',
] as const;

async function maxIds(client: pg.ClientBase): Promise<Record<(typeof DEMO_TABLES)[number], number>> {
  const { rows } = await client.query<Record<string, string | null>>(
    `SELECT ${DEMO_TABLES.map((t) => `(SELECT max(id) FROM ${t}) AS ${t}`).join(', ')}`,
  );
  return Object.fromEntries(DEMO_TABLES.map((t) => [t, Number(rows[0]?.[t] ?? 0)])) as Record<(typeof DEMO_TABLES)[number], number>;
}

export async function seedDemo(db: Db, logger: Logger, options: DemoOptions): Promise<DemoSummary> {
  const started = Date.now();
  const { seed, photosDir } = options;
  const total = options.graves;
  if (!Number.isInteger(total) || total < 1) throw new Error(`seedDemo: graves must be a whole number of at least 1 (got ${total})`);
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
  const progress = (message: string) => {
    logger.debug({ demo: message }, 'demo data');
    options.onProgress?.(message);
  };
  if (await databaseHasGraves(db)) {
    throw new Error('The database already has graves: demo data is only loaded into a database without any (`npm run seed -- --reset` empties the records first).');
  }

  const places = await loadPlaces(db);
  const factory = createMartyrFactory(seed, new Hometowns(places), createNameSource());
  const plans = planCemeteries(places, total, seed);
  const layoutRng = createRng(seed, 'layout');
  const layouts = plans.map((plan) => layOut(plan.location, plan.graves, layoutRng));
  const sectionCount = layouts.reduce((a, l) => a + l.sections.length, 0);
  progress(`planned ${plans.length.toLocaleString('en')} cemeteries with ${sectionCount.toLocaleString('en')} sections for ${total.toLocaleString('en')} graves (${elapsed()})`);

  const connection = (await db.client.acquireConnection()) as pg.Client;
  const written: string[] = [];
  let committed = false;
  const stats: GraveStats = { graves: 0, martyrs: 0 };
  let photoCount = 0;
  try {
    await connection.query('BEGIN');
    // The search index is rebuilt in full from PostgreSQL afterwards: a million outbox rows would only be drained for nothing.
    await connection.query(`SET LOCAL mls.skip_search_outbox = 'on'`);
    // Derived columns (each grave's map name) are filled once, set-based, after the martyrs load.
    await connection.query(`SET LOCAL mls.bulk_load = 'on'`);
    // The server's pool cancels request queries at DATABASE_STATEMENT_TIMEOUT_MS; a bulk load is not one.
    await connection.query('SET LOCAL statement_timeout = 0');
    // Writers wait until we are done; a second seeder fails the check below instead of doubling the data.
    await connection.query(`LOCK TABLE ${DEMO_TABLES.join(', ')} IN SHARE ROW EXCLUSIVE MODE`);
    if ((await connection.query('SELECT 1 FROM graves LIMIT 1')).rowCount) throw new Error('The database already has graves.');
    // Ids continue after any rows already there (none in a fresh database, where ids start at 1).
    const base = await maxIds(connection);

    const placed: PlacedCemetery[] = [];
    let sectionId = base.cemetery_sections;
    plans.forEach((plan, i) => {
      placed.push({ plan, layout: layouts[i]!, id: base.cemeteries + i + 1, sectionIds: layouts[i]!.sections.map(() => ++sectionId) });
    });
    await copyInto(connection, 'cemeteries', CEMETERY_COLUMNS, placed.map(({ plan, layout, id }) => csvLine([
      id, plan.name, plan.level, plan.address, plan.province.newCode, plan.commune?.newCode ?? null, plan.province.code, plan.district.code,
      `SRID=4326;POINT(${plan.location[0].toFixed(7)} ${plan.location[1].toFixed(7)})`, layout.boundary, plan.precision, plan.description,
    ])));
    await copyInto(connection, 'cemetery_sections', SECTION_COLUMNS, placed.flatMap(({ layout, id, sectionIds }) =>
      layout.sections.map((s, i) => csvLine([sectionIds[i]!, id, 'khu', s.code, `Khu ${s.code}`, s.boundary]))));

    const maxPhotos = Math.min(options.maxPhotos ?? defaultMaxPhotos(total), total);
    const photos = { max: maxPhotos, share: Math.min(1, (1.25 * maxPhotos) / total), chosen: [] as PhotoSubject[] };
    const martyrs = new CsvBuffer();
    const truth = new CsvBuffer();
    await copyInto(connection, 'graves', GRAVE_COLUMNS, graveLines({
      cemeteries: placed, factory, seed, firstGraveId: base.graves + 1, firstMartyrId: base.martyrs + 1, martyrs, truth, photos, stats,
      onProgress: (n) => progress(`graves: ${n.toLocaleString('en')} / ${total.toLocaleString('en')} (${elapsed()})`),
    }));
    progress(`graves loaded: ${stats.graves.toLocaleString('en')}; loading ${stats.martyrs.toLocaleString('en')} martyrs and rendering ${photos.chosen.length} headstone photos (${elapsed()})`);

    // Photos render on the other core while PostgreSQL loads the martyrs.
    let reported = 0;
    const [, rendered] = await Promise.all([
      copyInto(connection, 'martyrs', MARTYR_COLUMNS, martyrs, (rows) => {
        if (rows - reported >= 100_000) {
          reported = rows - (rows % 100_000);
          progress(`martyrs: ${rows.toLocaleString('en')} / ${stats.martyrs.toLocaleString('en')} (${elapsed()})`);
        }
      }),
      renderPhotos(photos.chosen, {
        photosDir, seed, written,
        onProgress: (done) => progress(`photos: ${done.toLocaleString('en')} / ${photos.chosen.length.toLocaleString('en')} (${elapsed()})`),
      }),
    ]);
    photoCount = rendered.length;
    await copyInto(connection, 'demo_unidentified_truth', TRUTH_COLUMNS, truth);
    await copyInto(connection, 'photos', PHOTO_COLUMNS, rendered.map((p, i) => csvLine([
      base.photos + i + 1, p.graveId, p.originalKey, p.fullKey, p.pageKey, p.thumbKey, p.contentHash, p.width, p.height, p.bytes,
      p.takenAt, p.position, true,
    ])));

    await connection.query('SELECT refresh_all_grave_display_names()');
    for (const table of DEMO_TABLES) {
      await connection.query(
        `SELECT setval(pg_get_serial_sequence($1, 'id'), coalesce((SELECT max(id) FROM ${table}), 1), (SELECT max(id) FROM ${table}) IS NOT NULL)`,
        [table],
      );
    }
    await connection.query('COMMIT');
    committed = true;
  } catch (error) {
    await connection.query('ROLLBACK').catch(() => undefined);
    await deletePhotoFiles(photosDir, written).catch(() => undefined);
    throw error;
  } finally {
    await db.client.releaseConnection(connection);
  }
  if (committed) {
    progress(`committed; analysing (${elapsed()})`);
    await db.raw(`ANALYZE ${DEMO_TABLES.join(', ')}, demo_unidentified_truth`);
    // The matching read model of the graves just loaded (the bulk load skipped its outbox).
    const clues = await rebuildGraveClues(db);
    progress(`grave clues: ${clues.toLocaleString('en')} unidentified graves (${elapsed()})`);
  }
  const summary: DemoSummary = {
    cemeteries: plans.length, sections: sectionCount, graves: stats.graves, martyrs: stats.martyrs, photos: photoCount, ms: Date.now() - started,
  };
  progress(`done in ${elapsed()}`);
  return summary;
}
