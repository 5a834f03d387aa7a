/**
 * Uploaded images and documents are judged by their content, never by their name or stated type.
 * Images are decoded with a pixel limit (a "pixel bomb" is refused before it is decoded) and
 * re-encoded, which drops every metadata field (EXIF with GPS, XMP, IPTC, comments).
 */
import { fileTypeFromBuffer } from 'file-type';
import sharp, { type Metadata } from 'sharp';

export const MAX_IMAGE_PIXELS = 50_000_000; // a 12-megapixel phone photo is 12,000,000
export const MAX_IMAGE_SIDE = 12_000;

export type UploadKind = 'image/jpeg' | 'image/png' | 'image/webp' | 'image/heic' | 'image/heif' | 'application/pdf';

export class UploadRejected extends Error {
  constructor(readonly code: 'not_allowed_type' | 'too_large' | 'too_many_pixels' | 'unreadable', message: string) {
    super(message);
    this.name = 'UploadRejected';
  }
}

/** The real type of the bytes, if it is one we accept. */
export async function sniffType(data: Buffer, allowed: readonly UploadKind[]): Promise<UploadKind> {
  const found = await fileTypeFromBuffer(data);
  const mime = found?.mime as UploadKind | undefined;
  if (!mime || !allowed.includes(mime)) throw new UploadRejected('not_allowed_type', `not an accepted file type (${found?.mime ?? 'unknown'})`);
  return mime;
}

/** Width and height without decoding the pixels; refuses sizes a server should not decode. */
export async function checkImageSize(data: Buffer): Promise<{ width: number; height: number }> {
  let meta: Metadata;
  try {
    meta = await sharp(data, { limitInputPixels: false }).metadata();
  } catch {
    throw new UploadRejected('unreadable', 'the image cannot be read');
  }
  const width = meta.autoOrient?.width ?? meta.width ?? 0;
  const height = meta.autoOrient?.height ?? meta.height ?? 0;
  if (!width || !height) throw new UploadRejected('unreadable', 'the image cannot be read');
  if (width * height > MAX_IMAGE_PIXELS || width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE) {
    throw new UploadRejected('too_many_pixels', `the image is too large (${width}×${height} pixels)`);
  }
  return { width, height };
}

/**
 * A clean JPEG of the image, upright, at most `maxSide` pixels on its longer side. sharp writes no
 * metadata unless asked to, so the copy carries none of the original's.
 */
export async function reencodeJpeg(data: Buffer, maxSide: number, quality = 82): Promise<{ data: Buffer; width: number; height: number }> {
  try {
    const { data: out, info } = await sharp(data, { limitInputPixels: MAX_IMAGE_PIXELS, failOn: 'error' })
      .autoOrient()
      .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true })
      // libjpeg-turbo's defaults, not mozjpeg: about 8x less CPU per photo for files a little larger,
      // which matters when staff send dozens of 12-megapixel photos from the field.
      .jpeg({ quality, progressive: true })
      .toBuffer({ resolveWithObject: true });
    return { data: out, width: info.width, height: info.height };
  } catch {
    throw new UploadRejected('unreadable', 'the image is damaged or cannot be read');
  }
}
