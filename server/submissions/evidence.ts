/**
 * Evidence sent with a submission (photos of papers, PDF scans): checked by content, images
 * re-encoded without metadata (a phone photo's GPS position stays with the phone), PDFs kept as
 * they are but only ever served as downloads. Stored privately, never under the public photos.
 */
import { createHash } from 'node:crypto';
import type { FileStore } from '../storage/file-store.js';
import { checkImageSize, reencodeJpeg, sniffType, UploadRejected } from '../uploads/image-checks.js';

export const MAX_EVIDENCE_FILES = 5;
export const MAX_EVIDENCE_BYTES = 10 * 1024 * 1024;
/** Evidence photos are kept large enough to read a certificate's small print. */
const EVIDENCE_MAX_SIDE = 2400;

export type StoredEvidence = { storageKey: string; mediaType: 'image/jpeg' | 'application/pdf'; bytes: number; contentHash: string; width: number | null; height: number | null };

export type IncomingFile = { buffer: Buffer; originalname: string; size: number };

/** Checks and stores each file; throws UploadRejected naming the file for the first that fails. */
export async function storeEvidence(store: FileStore, prefix: string, files: IncomingFile[]): Promise<StoredEvidence[]> {
  const stored: StoredEvidence[] = [];
  try {
    for (const file of files) {
      const name = file.originalname.slice(0, 100);
      try {
        if (file.size > MAX_EVIDENCE_BYTES) throw new UploadRejected('too_large', 'larger than 10 MB');
        const type = await sniffType(file.buffer, ['image/jpeg', 'image/png', 'image/webp', 'image/heic', 'image/heif', 'application/pdf']);
        if (type === 'application/pdf') {
          const hash = createHash('sha256').update(file.buffer).digest('hex');
          const storageKey = `${prefix}/${hash.slice(0, 24)}.pdf`;
          await store.put(storageKey, file.buffer);
          stored.push({ storageKey, mediaType: 'application/pdf', bytes: file.size, contentHash: hash, width: null, height: null });
        } else {
          await checkImageSize(file.buffer);
          const clean = await reencodeJpeg(file.buffer, EVIDENCE_MAX_SIDE, 85);
          const hash = createHash('sha256').update(clean.data).digest('hex');
          const storageKey = `${prefix}/${hash.slice(0, 24)}.jpg`;
          await store.put(storageKey, clean.data);
          stored.push({ storageKey, mediaType: 'image/jpeg', bytes: clean.data.length, contentHash: hash, width: clean.width, height: clean.height });
        }
      } catch (error) {
        if (error instanceof UploadRejected) throw new UploadRejected(error.code, `${name}: ${error.message}`);
        throw error;
      }
    }
    return stored;
  } catch (error) {
    await Promise.all(stored.map((s) => store.remove(s.storageKey)));
    throw error;
  }
}
