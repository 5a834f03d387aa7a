/**
 * `npm run bench:photos [-- --photos N] [--concurrency N] [--pool N] [--glibc-default]`
 *
 * Headstone photo processing as the upload route does it (server/photos/photo-processing.ts):
 * sniff the type, check the pixel size, read the EXIF, make the full, page and thumbnail JPEGs and
 * store them with the original in a temporary folder, for N (default 200) synthetic 12-megapixel
 * phone photos (4000×3000, noisy enough that each JPEG weighs 4-5 MB like a real one, each with its
 * own GPS position in its EXIF). Reports photos per second and the process's resident memory,
 * sampled every 20 photos, to stdout and bench/results/photos.json.
 *
 * The photos are made before the clock starts from a small pool of distinct images, each sent
 * with its own EXIF block (so each has its own content hash, as real photos do); making 200
 * 12-megapixel JPEGs would take longer than processing them and is not what is measured.
 *
 * Memory: on glibc, libvips' worker threads each get their own malloc arena and the freed pixel
 * buffers fragment them, so resident memory creeps up photo after photo (about 500 → 570 MB over
 * 300 photos here) even though the JS heap and Buffers stay flat. MALLOC_ARENA_MAX=2 keeps it flat
 * (about 250 → 270 MB) and lets sharp use two threads per image. This benchmark runs itself again
 * with MALLOC_ARENA_MAX=2 when it is not set, because the server should run with it too;
 * --glibc-default measures without it.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { ROOT_DIR } from '../../server/config.js';
import { configureSharpForUploads, photoKeys, processPhoto, ProcessingQueue, storeProcessed, UPLOAD_PROCESSING_SLOTS } from '../../server/photos/photo-processing.js';
import { LocalFileStore } from '../../server/storage/file-store.js';
import { round } from './stats.js';

const USAGE = 'usage: npm run bench:photos -- [--photos N] [--concurrency N] [--pool N] [--glibc-default]';
const RESULTS_FILE = path.join(ROOT_DIR, 'bench', 'results', 'photos.json');
const [WIDTH, HEIGHT] = [4000, 3000];
const SAMPLE_EVERY = 20;

function wholeNumber(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    console.error(`--${name} must be a whole number from ${min} to ${max}\n${USAGE}`);
    process.exit(2);
  }
  return n;
}

/** A 12-megapixel JPEG with the texture of a photo: smooth shapes plus sensor-like grain. */
async function syntheticPhoto(seed: number): Promise<Buffer> {
  let state = seed * 2654435761 + 1;
  const random = () => ((state = (state * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const small = Buffer.alloc(400 * 300 * 3);
  for (let i = 0; i < small.length; i++) small[i] = Math.floor(random() * 256);
  const pixels = await sharp(small, { raw: { width: 400, height: 300, channels: 3 } }).resize(WIDTH, HEIGHT, { kernel: 'cubic' }).raw().toBuffer();
  for (let i = 0; i < pixels.length; i++) pixels[i] = Math.min(255, Math.max(0, pixels[i]! + Math.floor(random() * 24) - 12));
  return sharp(pixels, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
}

const rational = (value: number) => `${Math.round(value * 10000)}/10000`;
const dms = (deg: number) => {
  const d = Math.floor(Math.abs(deg));
  const m = Math.floor((Math.abs(deg) - d) * 60);
  return `${d}/1 ${m}/1 ${rational(((Math.abs(deg) - d) * 60 - m) * 60)}`;
};

/** The APP1 (EXIF) segment a phone would write: GPS position, accuracy, direction, time. */
async function exifSegment(i: number): Promise<Buffer> {
  const lat = 18.34 + (i % 50) * 0.00002;
  const lng = 105.89 + Math.floor(i / 50) * 0.00002;
  const tiny = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#777' } })
    .jpeg()
    .withExif({
      IFD0: { Make: 'Bench', Model: 'Phone' },
      IFD2: { DateTimeOriginal: `2025:03:04 08:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}` },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: dms(lat), GPSLongitudeRef: 'E', GPSLongitude: dms(lng), GPSHPositioningError: '5/1', GPSImgDirection: `${(i * 7) % 360}/1` },
    })
    .toBuffer();
  const at = tiny.indexOf(Buffer.from([0xff, 0xe1]));
  return tiny.subarray(at, at + 2 + tiny.readUInt16BE(at + 2));
}

/** The base JPEG with the EXIF segment after its JFIF header. */
function withSegment(jpeg: Buffer, segment: Buffer): Buffer {
  const afterApp0 = jpeg[2] === 0xff && jpeg[3] === 0xe0 ? 4 + jpeg.readUInt16BE(4) : 2;
  return Buffer.concat([jpeg.subarray(0, afterApp0), segment, jpeg.subarray(afterApp0)]);
}

const mb = (bytes: number) => round(bytes / 1024 / 1024, 1);

async function main() {
  let values: { photos?: string; concurrency?: string; pool?: string; 'glibc-default'?: boolean };
  try {
    ({ values } = parseArgs({ options: { photos: { type: 'string' }, concurrency: { type: 'string' }, pool: { type: 'string' }, 'glibc-default': { type: 'boolean' } }, strict: true }));
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  // glibc reads MALLOC_ARENA_MAX when the process starts: the only way to set it is a new process.
  if (!process.env.MALLOC_ARENA_MAX && !values['glibc-default']) {
    const again = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit', env: { ...process.env, MALLOC_ARENA_MAX: '2' } });
    process.exit(again.status ?? 1);
  }
  const photos = wholeNumber('photos', values.photos, 200, 1, 10_000);
  const concurrency = wholeNumber('concurrency', values.concurrency, UPLOAD_PROCESSING_SLOTS, 1, 16);
  const poolSize = wholeNumber('pool', values.pool, 6, 1, 50);

  const sharpSettings = configureSharpForUploads();
  const mallocArenaMax = process.env.MALLOC_ARENA_MAX ?? null;
  if (!mallocArenaMax) console.log('note: MALLOC_ARENA_MAX is not set: resident memory creeps up with glibc (see the comment at the top of this file)');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-photos-'));
  const store = new LocalFileStore(dir);
  try {
    console.log(`making ${poolSize} distinct ${WIDTH}×${HEIGHT} JPEGs and ${photos} EXIF blocks…`);
    const pool: Buffer[] = [];
    for (let i = 0; i < poolSize; i++) pool.push(await syntheticPhoto(i + 1));
    const segments = await Promise.all(Array.from({ length: photos }, (_, i) => exifSegment(i)));
    const inputBytes = pool.reduce((sum, b) => sum + b.length, 0) / pool.length;
    console.log(`average photo ${mb(inputBytes)} MB; processing with ${concurrency} at a time, sharp ${JSON.stringify(sharpSettings)}`);

    global.gc?.();
    /** Resident memory, with the JS heap and the Buffers outside it, to tell a leak in JS from the allocator's keep. */
    const sample = (photos: number) => {
      const m = process.memoryUsage();
      return { photos, rssMb: mb(m.rss), heapMb: mb(m.heapUsed), buffersMb: mb(m.arrayBuffers) };
    };
    const rss = [sample(0)];
    const queue = new ProcessingQueue(concurrency);
    let done = 0;
    let withPosition = 0;
    let storedBytes = 0;
    const loadBefore = os.loadavg()[0]!;
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    let next = 0;
    const worker = async () => {
      while (next < photos) {
        const i = next++;
        // Made per photo and dropped after: holding 200 of them would measure the benchmark, not the server.
        const input = withSegment(pool[i % pool.length]!, segments[i]!);
        const processed = await queue.run(() => processPhoto(input));
        if (processed.metadata.latitude !== null) withPosition++;
        await storeProcessed(store, processed, (size) => photoKeys.staging(1, processed.contentHash, size));
        storedBytes += processed.copies.full.length + processed.copies.page.length + processed.copies.thumb.length;
        done++;
        if (done % SAMPLE_EVERY === 0 || done === photos) rss.push(sample(done));
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    // CPU time of this process (libvips threads included): what a photo costs whatever else runs.
    const cpuMsPerPhoto = (cpu.user + cpu.system) / 1000 / photos;
    if (withPosition !== photos) throw new Error(`only ${withPosition} of ${photos} photos gave their GPS position`);

    const peak = Math.max(...rss.map((s) => s.rssMb));
    const result = {
      at: new Date().toISOString(),
      machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? 'unknown', memoryMb: mb(os.totalmem()), node: process.version, sharp: sharp.versions.sharp, vips: sharp.versions.vips },
      photos,
      photoPixels: `${WIDTH}x${HEIGHT}`,
      averageInputMb: mb(inputBytes),
      averagePublicCopiesKb: round(storedBytes / photos / 1024, 0),
      concurrency,
      sharp: sharpSettings,
      mallocArenaMax,
      seconds: round(seconds, 1),
      photosPerSecond: round(photos / seconds, 2),
      msPerPhoto: round((seconds * 1000) / photos, 0),
      cpuMsPerPhoto: round(cpuMsPerPhoto, 0),
      // Other processes share the machine (tests, databases): the 1-minute load average before and after.
      loadAverage: { before: round(loadBefore, 1), after: round(os.loadavg()[0]!, 1) },
      rssMb: { start: rss[0]!.rssMb, peak, end: rss.at(-1)!.rssMb, samples: rss },
    };
    console.log(`${photos} photos in ${result.seconds} s: ${result.photosPerSecond} photos/s (${result.msPerPhoto} ms each)`);
    console.log(`CPU time ${result.cpuMsPerPhoto} ms per photo; load average ${result.loadAverage.before} → ${result.loadAverage.after} on ${os.cpus().length} CPUs`);
    console.log(`resident memory: start ${result.rssMb.start} MB, peak ${peak} MB, end ${result.rssMb.end} MB`);
    console.log(`samples (photos → MB): ${rss.map((s) => `${s.photos}→${s.rssMb}`).join('  ')}`);
    await mkdir(path.dirname(RESULTS_FILE), { recursive: true });
    await writeFile(RESULTS_FILE, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`written to ${path.relative(ROOT_DIR, RESULTS_FILE)}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
