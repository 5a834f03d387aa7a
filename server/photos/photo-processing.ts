/**
 * One headstone photo from bytes to stored files, the same for the upload route and the benchmark:
 * judge the bytes (real type, pixel size), read its metadata, make the three public sizes (clean
 * JPEGs without any metadata), and write them with the private original. Nothing is written until
 * every check has passed, so a refused file leaves nothing behind.
 */
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import type { FileStore } from '../storage/file-store.js';
import { checkImageSize, reencodeJpeg, sniffType, UploadRejected, type UploadKind } from '../uploads/image-checks.js';
import { FileRejected, type FileProblem } from '../http/errors.js';
import { readPhotoMetadata, type PhotoMetadata } from './photo-metadata.js';

export const PHOTO_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/heic', 'image/heif'] as const satisfies readonly UploadKind[];
export type PhotoType = (typeof PHOTO_TYPES)[number];

/** Longer side in pixels of each public size. */
export const PHOTO_SIZES = { full: 2048, page: 1024, thumb: 320 } as const;
export type PhotoSize = keyof typeof PHOTO_SIZES;

/** Largest upload accepted: a phone's JPEG is 3-8 MB; HEIC and PNG screenshots stay well under this. */
export const MAX_PHOTO_BYTES = 25 * 1024 * 1024;

const EXTENSIONS: Record<PhotoType, string> = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp', 'image/heic': 'heic', 'image/heif': 'heif' };

/**
 * Whether this build of sharp (libvips with libheif) can decode HEIC. The prebuilt binaries
 * decode AVIF only: HEIC's HEVC codec is patent-encumbered and left out. A libvips built with
 * libde265 would make this true and HEIC would simply work.
 */
export const HEIC_DECODES = sharp.format.heif?.input?.buffer === true && (sharp.format.heif.input.fileSuffix ?? []).some((s) => /heic/i.test(s));

export type RejectionReason = UploadRejected['code'] | 'heic_unsupported' | 'empty';

const PROBLEM: Record<RejectionReason, FileProblem> = {
  not_allowed_type: 'type',
  heic_unsupported: 'type',
  too_large: 'size',
  too_many_pixels: 'content',
  unreadable: 'content',
  empty: 'missing',
};

/** A photo refused for what it is; `reason` names the message key shown to the user. */
export class PhotoRejected extends FileRejected {
  constructor(readonly reason: RejectionReason, message: string) {
    super(PROBLEM[reason], `photo_${reason}`, message, { reason });
  }
}

export type ProcessedPhoto = {
  /** sha256 of the bytes as sent: a photo sent twice has the same hash. */
  contentHash: string;
  mediaType: PhotoType;
  extension: string;
  original: Buffer;
  /** Upright size of the original. */
  width: number;
  height: number;
  metadata: PhotoMetadata;
  copies: Record<PhotoSize, Buffer>;
};

export const contentHashOf = (data: Buffer) => createHash('sha256').update(data).digest('hex');

const rejected = (error: unknown): never => {
  if (error instanceof UploadRejected) throw new PhotoRejected(error.code, error.message);
  throw error;
};

/** Checks and re-encodes; throws PhotoRejected for anything that is not a readable photo of sane size. */
export async function processPhoto(data: Buffer): Promise<ProcessedPhoto> {
  if (data.length === 0) throw new PhotoRejected('empty', 'the file is empty');
  if (data.length > MAX_PHOTO_BYTES) throw new PhotoRejected('too_large', 'the file is too large');
  const mediaType = (await sniffType(data, PHOTO_TYPES).catch(rejected)) as PhotoType;
  const isHeic = mediaType === 'image/heic' || mediaType === 'image/heif';
  if (isHeic && !HEIC_DECODES) throw new PhotoRejected('heic_unsupported', 'HEIC photos cannot be read here');
  const { width, height } = await checkImageSize(data).catch(rejected);
  const metadata = await readPhotoMetadata(data);
  // The full size is made from the original; the smaller ones from the full size, which decodes
  // far faster than the 12-megapixel original and looks the same at 1024 and 320 pixels.
  const full = await reencodeJpeg(data, PHOTO_SIZES.full).catch(rejected);
  const page = await reencodeJpeg(full.data, PHOTO_SIZES.page).catch(rejected);
  const thumb = await reencodeJpeg(page.data, PHOTO_SIZES.thumb).catch(rejected);
  return {
    contentHash: contentHashOf(data),
    mediaType,
    extension: EXTENSIONS[mediaType],
    original: data,
    width,
    height,
    metadata,
    copies: { full: full.data, page: page.data, thumb: thumb.data },
  };
}

/** Storage keys. Public copies follow the /photos convention (…-full.jpg); nothing else may match it. */
export const photoKeys = {
  /** Private, content-addressed: the same bytes are one file whoever sends them. */
  original: (hash: string, extension: string) => `originals/${hash}.${extension}`,
  /** Staff-only copies while a photo waits for its grave: "<hash>.thumb.jpg" is not a public name. */
  staging: (userId: number, hash: string, size: PhotoSize) => `staging/${userId}/${hash.slice(0, 16)}.${size}.jpg`,
  /** Public copies of a photo on a grave, served at /photos/<key>. */
  grave: (graveId: number, hash: string, size: PhotoSize) => `graves/${graveId}/${hash.slice(0, 16)}-${size}.jpg`,
};

export type StoredKeys = { original: string } & Record<PhotoSize, string>;

/** Writes the original and the three copies under the given key maker; returns the keys. */
export async function storeProcessed(store: FileStore, photo: ProcessedPhoto, keyOf: (size: PhotoSize) => string): Promise<StoredKeys> {
  const keys: StoredKeys = { original: photoKeys.original(photo.contentHash, photo.extension), full: keyOf('full'), page: keyOf('page'), thumb: keyOf('thumb') };
  await store.put(keys.original, photo.original);
  for (const size of Object.keys(PHOTO_SIZES) as PhotoSize[]) await store.put(keys[size], photo.copies[size]);
  return keys;
}

/** Images processed at once by one server process (see ProcessingQueue). */
export const UPLOAD_PROCESSING_SLOTS = 2;

/**
 * sharp settings for the upload path, applied once by whoever processes uploads. libvips' operation
 * cache keeps recent decoded images to speed up repeated work on the same input; uploads never
 * repeat, so it would only hold memory.
 */
export function configureSharpForUploads(): { cache: boolean; threadsPerImage: number } {
  sharp.cache(false);
  return { cache: false, threadsPerImage: sharp.concurrency() };
}

/**
 * At most `slots` images decoded at once in this process: each holds tens of megabytes of pixels,
 * and a phone sending fifty photos must not make the server run out of memory.
 */
export class ProcessingQueue {
  private running = 0;
  private waiting: Array<() => void> = [];

  constructor(private readonly slots: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running < this.slots) this.running += 1;
    // A finishing task hands its slot straight to the next in line, so none can slip in between.
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running -= 1;
    }
  }
}
