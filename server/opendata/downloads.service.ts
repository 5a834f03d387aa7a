/**
 * The open-data files: national files built by the scheduled job from one snapshot (so a consumer
 * can continue from the change feed at the file's cursor), and per-province files streamed on
 * demand. Both stream from PostgreSQL with constant memory. A national file is stored under its
 * content hash and the register row switches to it; a crash half-way leaves the old file served
 * and an orphan the next build removes.
 */
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Transform, Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import type { Db } from '../db/knex.js';
import type { Logger } from '../logger.js';
import { SNAPSHOT_POSITION_SQL } from './changes.queries.js';
import { encodeChangeCursor } from './changes.service.js';
import { NATIONAL_FILES, type DatasetId, type Format } from './datasets.js';
import { copyStatement, withCopySession, type Scope } from './downloads.queries.js';
import { listOpenDataFiles, recordOpenDataFiles, type OpenDataFile } from './files.queries.js';

const run = promisify(execFile);

/** Excel opens a UTF-8 CSV as Vietnamese text only with the byte-order mark; other readers skip it. */
const UTF8_BOM = '\uFEFF';

/** Where the national files live: DATA_DIR/open-data/<name>.<sha256>. */
export function openDataDir(dataDir: string): string {
  return path.join(dataDir, 'open-data');
}

export function storedPath(dataDir: string, file: Pick<OpenDataFile, 'name' | 'sha256'>): string {
  return path.join(openDataDir(dataDir), `${file.name}.${file.sha256}`);
}

/** COPY's output → the file format: a BOM before CSV, GeoJSON lines as they come, or one FeatureCollection. */
function shaper(format: Exclude<Format, 'gpkg'>, name: string): Transform {
  if (format !== 'geojson') {
    let started = false;
    return new Transform({
      transform(chunk: Buffer, _enc, done) {
        if (!started && format === 'csv') this.push(UTF8_BOM);
        started = true;
        done(null, chunk);
      },
      flush(done) {
        if (!started && format === 'csv') this.push(UTF8_BOM);
        done();
      },
    });
  }
  let rest = '';
  let count = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      if (count === 0 && rest === '') this.push(`{"type":"FeatureCollection","name":${JSON.stringify(name)},"features":[\n`);
      const lines = (rest + chunk.toString('utf8')).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) if (line) this.push(`${count++ ? ',\n' : ''}${line}`);
      done();
    },
    flush(done) {
      if (count === 0 && rest === '') this.push(`{"type":"FeatureCollection","name":${JSON.stringify(name)},"features":[\n`);
      if (rest) this.push(`${count++ ? ',\n' : ''}${rest}`);
      this.push('\n]}\n');
      done();
    },
  });
}

/** A per-province file, streamed into `out` (the HTTP response) as PostgreSQL sends it. */
export async function streamProvinceFile(db: Db, request: { dataset: DatasetId; format: Exclude<Format, 'gpkg'>; scope: Scope; timeoutMs: number }, out: Writable): Promise<void> {
  await withCopySession(db, { snapshot: false, timeoutMs: request.timeoutMs }, async (session) => {
    await pipeline(session.copy(copyStatement(request.dataset, request.format, request.scope)), shaper(request.format, request.dataset), out);
  });
}

/** Hashes what passes through, for the file's ETag. */
function hasher(hash: ReturnType<typeof createHash>): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
}

export type BuildResult = { files: Omit<OpenDataFile, 'built_at'>[]; feedCursor: string; seconds: number; /** Another server was building. */ skipped: boolean };

/**
 * Builds every national file from one REPEATABLE READ snapshot, then switches the register to
 * them. Idempotent: run twice, the second build replaces the first; a killed build leaves only
 * temporary files, removed by the next. The GeoPackage is made by GDAL from the GeoJSON.
 */
export async function buildNationalFiles(db: Db, dataDir: string, base: string, logger: Logger): Promise<BuildResult> {
  const started = Date.now();
  const dir = openDataDir(dataDir);
  await mkdir(dir, { recursive: true });
  const builtAt = new Date();
  const scope: Scope = { base };
  const built: Omit<OpenDataFile, 'built_at'>[] = [];
  const tmp = (name: string) => path.join(dir, `${name}.building`);
  let feedCursor = '';
  let skipped = false;
  await withCopySession(db, { snapshot: true, timeoutMs: 0 }, async (session) => {
    // First statement: it fixes the snapshot every file below is read from.
    const [position] = await session.query<{ txid: string }>(SNAPSHOT_POSITION_SQL);
    // One build at a time across servers; a second one finds the lock taken and leaves it.
    const [lock] = await session.query<{ ok: boolean }>(`SELECT pg_try_advisory_xact_lock(hashtext('open-data-build')) AS ok`);
    if (!lock?.ok) {
      skipped = true;
      return;
    }
    feedCursor = encodeChangeCursor({ txid: position!.txid, id: Number.MAX_SAFE_INTEGER });
    const counts = new Map<DatasetId, number>();
    for (const file of NATIONAL_FILES) {
      if (file.format === 'gpkg') continue;
      const hash = createHash('sha256');
      const rows = session.copy(copyStatement(file.dataset, file.format, scope));
      await pipeline(rows, shaper(file.format, file.dataset), hasher(hash), createWriteStream(tmp(file.name)));
      // COPY's own count of the rows it sent (its command tag).
      counts.set(file.dataset, (rows as Readable & { rowCount: number }).rowCount);
      built.push({ name: file.name, bytes: (await stat(tmp(file.name))).size, sha256: hash.digest('hex'), row_count: counts.get(file.dataset)!, feed_cursor: feedCursor });
      logger.info({ file: file.name }, 'open-data file built');
    }
    for (const file of NATIONAL_FILES.filter((f) => f.format === 'gpkg')) {
      const source = tmp(`${file.dataset}.geojson`);
      try {
        await rm(tmp(file.name), { force: true });
        await run('ogr2ogr', ['-f', 'GPKG', tmp(file.name), source, '-nln', file.dataset], { timeout: 600_000 });
      } catch (error) {
        logger.warn({ err: error, file: file.name }, 'GeoPackage not built (is GDAL installed? apt-get install gdal-bin)');
        continue;
      }
      const hash = createHash('sha256');
      await pipeline(createReadStream(tmp(file.name)), hasher(hash), new Writable({ write: (_c, _e, done) => done() }));
      built.push({ name: file.name, bytes: (await stat(tmp(file.name))).size, sha256: hash.digest('hex'), row_count: counts.get(file.dataset) ?? 0, feed_cursor: feedCursor });
    }
    // Still under the lock: the files go in place and the register switches to them, then leftovers go.
    for (const f of built) await rename(tmp(f.name), storedPath(dataDir, f));
    await recordOpenDataFiles(db, built, builtAt);
    await removeUnlisted(db, dataDir);
  });
  return { files: built, feedCursor, seconds: (Date.now() - started) / 1000, skipped };
}

/** Files no register row names: earlier builds' and killed builds' leftovers. */
async function removeUnlisted(db: Db, dataDir: string): Promise<void> {
  const keep = new Set((await listOpenDataFiles(db)).map((f) => path.basename(storedPath(dataDir, f))));
  const dir = openDataDir(dataDir);
  for (const entry of await readdir(dir)) if (!keep.has(entry)) await rm(path.join(dir, entry), { force: true });
}

/** Whether the national files were ever built (the first start of a server queues a build). */
export async function nationalFilesMissing(db: Db): Promise<boolean> {
  return (await listOpenDataFiles(db)).length === 0;
}
