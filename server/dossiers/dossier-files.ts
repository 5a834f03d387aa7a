/**
 * A dossier file from bytes to pages. Judged by its content only (OWASP File Upload): the real type
 * sniffed from the bytes, a size limit, a page limit, pixel limits per page (a decompression bomb
 * is refused before it is decoded), and PDFs carrying JavaScript, launch actions or embedded files
 * refused (the portal never serves a PDF inline, but a staff member downloading one must not be
 * handed active content either). Pages are rendered by poppler's pdftoppm (PDF) or sharp (images,
 * every page of a multi-page TIFF) into three clean JPEGs: full (what OCR reads), page, thumb.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { PDFDict, PDFDocument, PDFName, PDFRawStream } from 'pdf-lib';
import sharp, { type Metadata, type Sharp } from 'sharp';
import { FileRejected, type FileProblem } from '../http/errors.js';
import { MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE, sniffType, UploadRejected } from '../uploads/image-checks.js';

const run = promisify(execFile);

export const DOCUMENT_TYPES = ['application/pdf', 'image/jpeg', 'image/png', 'image/tiff'] as const;
export type DocumentType = (typeof DOCUMENT_TYPES)[number];
export const EXTENSIONS: Record<DocumentType, string> = { 'application/pdf': 'pdf', 'image/jpeg': 'jpg', 'image/png': 'png', 'image/tiff': 'tif' };

/** A scanned dossier of a few dozen pages at 300 dpi is 5-40 MB; archive scanners' TIFFs run larger. */
export const MAX_DOCUMENT_BYTES = 80 * 1024 * 1024;
/** More pages than any one paper of a dossier has; a batch of papers is several documents. */
export const MAX_DOCUMENT_PAGES = 200;
/** Longer side of the rendered sizes. 3508 px is an A4 page's height at 300 dpi, what Tesseract reads best. */
export const PAGE_SIZES = { full: 3508, page: 1400, thumb: 240 } as const;
export type PageSize = keyof typeof PAGE_SIZES;
/** A PDF page larger than A0 (in points) is not a scan of a paper. */
const MAX_PDF_PAGE_POINTS = 3400;
const TOOL_TIMEOUT_MS = 60_000;

export type DocumentRejection = 'empty' | 'too_large' | 'not_allowed_type' | 'too_many_pages' | 'too_many_pixels' | 'unreadable' | 'encrypted' | 'active_content';

const PROBLEM: Record<DocumentRejection, FileProblem> = {
  empty: 'missing', too_large: 'size', not_allowed_type: 'type', too_many_pages: 'content', too_many_pixels: 'content', unreadable: 'content', encrypted: 'content', active_content: 'content',
};

/** A file refused for what it is; `reason` names the message key (dossiers.rejected.<reason>). */
export class DocumentRejected extends FileRejected {
  constructor(readonly reason: DocumentRejection, message: string) {
    super(PROBLEM[reason], `document_${reason}`, message, { reason });
  }
}

export type CheckedDocument = { mediaType: DocumentType; extension: string; pageCount: number; contentHash: string };

export const contentHashOf = (data: Buffer) => createHash('sha256').update(data).digest('hex');

async function withTempFile<T>(data: Buffer, extension: string, fn: (file: string, dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(tmpdir(), 'mls-dossier-'));
  try {
    const file = path.join(dir, `in.${extension}`);
    await writeFile(file, data);
    return await fn(file, dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Names in a PDF that make it do something when opened, or carry other files. */
const ACTIVE_NAMES = ['JavaScript', 'JS', 'Launch', 'EmbeddedFile', 'EmbeddedFiles', 'RichMedia', 'XFA'];
const ACTIVE_RAW = /\/(?:JavaScript|JS|Launch|EmbeddedFiles?|RichMedia|XFA)(?![A-Za-z0-9])/;

/**
 * Active content anywhere in the PDF: in the raw bytes, and in every object pdf-lib parses (which
 * includes those packed into compressed object streams, where a raw scan cannot see).
 */
async function hasActiveContent(data: Buffer): Promise<boolean> {
  if (ACTIVE_RAW.test(data.toString('latin1'))) return true;
  let doc: PDFDocument;
  try {
    doc = await PDFDocument.load(data, { ignoreEncryption: true, updateMetadata: false, throwOnInvalidObject: false });
  } catch {
    throw new DocumentRejected('unreadable', 'the PDF cannot be read');
  }
  const active = ACTIVE_NAMES.map((n) => PDFName.of(n));
  for (const [, object] of doc.context.enumerateIndirectObjects()) {
    const dict = object instanceof PDFDict ? object : object instanceof PDFRawStream ? object.dict : undefined;
    if (!dict) continue;
    const keys = dict.keys();
    if (keys.some((k) => active.includes(k))) return true;
    const type = dict.get(PDFName.of('S'));
    if (type && active.includes(type as PDFName)) return true;
  }
  return false;
}

type PdfInfo = { pages: number; encrypted: boolean; maxSidePoints: number };

async function pdfInfo(file: string): Promise<PdfInfo> {
  let stdout: string;
  try {
    ({ stdout } = await run('pdfinfo', ['-l', String(MAX_DOCUMENT_PAGES + 1), file], { timeout: TOOL_TIMEOUT_MS, maxBuffer: 4 * 1024 * 1024 }));
  } catch {
    throw new DocumentRejected('unreadable', 'the PDF cannot be read');
  }
  const pages = Number(/^Pages:\s+(\d+)/m.exec(stdout)?.[1] ?? 0);
  const encrypted = /^Encrypted:\s+yes/m.test(stdout);
  let maxSidePoints = 0;
  for (const m of stdout.matchAll(/size:\s+([\d.]+) x ([\d.]+) pts/g)) maxSidePoints = Math.max(maxSidePoints, Number(m[1]), Number(m[2]));
  return { pages, encrypted, maxSidePoints };
}

async function imagePages(data: Buffer): Promise<number> {
  let meta: Metadata;
  try {
    meta = await sharp(data, { limitInputPixels: false, pages: -1 }).metadata();
  } catch {
    throw new DocumentRejected('unreadable', 'the image cannot be read');
  }
  const pages = meta.pages ?? 1;
  if (pages > MAX_DOCUMENT_PAGES) throw new DocumentRejected('too_many_pages', `the file has ${pages} pages`);
  // With pages: -1 the height is that of every page stacked; each page is checked on its own.
  const pageHeight = meta.pageHeight ?? meta.height ?? 0;
  const width = meta.width ?? 0;
  if (!width || !pageHeight) throw new DocumentRejected('unreadable', 'the image cannot be read');
  if (width * pageHeight > MAX_IMAGE_PIXELS || width > MAX_IMAGE_SIDE || pageHeight > MAX_IMAGE_SIDE) {
    throw new DocumentRejected('too_many_pixels', `a page is too large (${width}×${pageHeight} pixels)`);
  }
  for (let page = 1; page < pages; page += 1) {
    const m = await sharp(data, { limitInputPixels: false, page }).metadata().catch(() => undefined);
    if (!m?.width || !m.height) throw new DocumentRejected('unreadable', `page ${page + 1} cannot be read`);
    if (m.width * m.height > MAX_IMAGE_PIXELS || m.width > MAX_IMAGE_SIDE || m.height > MAX_IMAGE_SIDE) {
      throw new DocumentRejected('too_many_pixels', `page ${page + 1} is too large (${m.width}×${m.height} pixels)`);
    }
  }
  return pages;
}

/** Every check a file must pass before anything is stored. */
export async function checkDocument(data: Buffer): Promise<CheckedDocument> {
  if (data.length === 0) throw new DocumentRejected('empty', 'the file is empty');
  if (data.length > MAX_DOCUMENT_BYTES) throw new DocumentRejected('too_large', 'the file is too large');
  let mediaType: DocumentType;
  try {
    mediaType = (await sniffType(data, DOCUMENT_TYPES as never)) as DocumentType;
  } catch (error) {
    if (error instanceof UploadRejected) throw new DocumentRejected('not_allowed_type', error.message);
    throw error;
  }
  const extension = EXTENSIONS[mediaType];
  let pageCount: number;
  if (mediaType === 'application/pdf') {
    const info = await withTempFile(data, extension, (file) => pdfInfo(file));
    if (info.encrypted) throw new DocumentRejected('encrypted', 'the PDF is encrypted');
    if (info.pages < 1) throw new DocumentRejected('unreadable', 'the PDF has no pages');
    if (info.pages > MAX_DOCUMENT_PAGES) throw new DocumentRejected('too_many_pages', `the PDF has ${info.pages} pages`);
    if (info.maxSidePoints > MAX_PDF_PAGE_POINTS) throw new DocumentRejected('too_many_pixels', 'a page of the PDF is larger than any paper');
    if (await hasActiveContent(data)) throw new DocumentRejected('active_content', 'the PDF carries JavaScript, actions or embedded files');
    pageCount = info.pages;
  } else {
    pageCount = await imagePages(data);
  }
  return { mediaType, extension, pageCount, contentHash: contentHashOf(data) };
}

export type RenderedPage = { pageNumber: number; width: number; height: number; copies: Record<PageSize, Buffer> };

async function sizesOf(image: Buffer | Sharp): Promise<Omit<RenderedPage, 'pageNumber'>> {
  const source = Buffer.isBuffer(image) ? sharp(image, { limitInputPixels: MAX_IMAGE_PIXELS, failOn: 'error' }) : image;
  const full = await source
    .autoOrient()
    .resize({ width: PAGE_SIZES.full, height: PAGE_SIZES.full, fit: 'inside', withoutEnlargement: true })
    .flatten({ background: '#ffffff' })
    .jpeg({ quality: 82 })
    .toBuffer({ resolveWithObject: true });
  const page = await sharp(full.data).resize({ width: PAGE_SIZES.page, height: PAGE_SIZES.page, fit: 'inside', withoutEnlargement: true }).jpeg({ quality: 80 }).toBuffer();
  const thumb = await sharp(full.data).resize({ width: PAGE_SIZES.thumb, height: PAGE_SIZES.thumb, fit: 'inside', withoutEnlargement: true }).jpeg({ quality: 75 }).toBuffer();
  return { width: full.info.width, height: full.info.height, copies: { full: full.data, page, thumb } };
}

/**
 * Renders each page in turn and hands it to `onPage` (which stores it) before the next is made, so
 * a 200-page dossier never holds more than one page's pixels.
 */
export async function renderPages(data: Buffer, mediaType: DocumentType, pageCount: number, onPage: (page: RenderedPage) => Promise<void>): Promise<void> {
  if (mediaType === 'application/pdf') {
    await withTempFile(data, 'pdf', async (file, dir) => {
      for (let n = 1; n <= pageCount; n += 1) {
        const prefix = path.join(dir, `p${n}`);
        try {
          await run('pdftoppm', ['-f', String(n), '-l', String(n), '-r', '300', '-scale-to', String(PAGE_SIZES.full), '-png', file, prefix], { timeout: TOOL_TIMEOUT_MS });
        } catch {
          throw new DocumentRejected('unreadable', `page ${n} of the PDF cannot be rendered`);
        }
        const made = (await readdir(dir)).find((f) => f.startsWith(`p${n}-`) || f === `p${n}.png`);
        if (!made) throw new DocumentRejected('unreadable', `page ${n} of the PDF cannot be rendered`);
        const png = await readFile(path.join(dir, made));
        await rm(path.join(dir, made), { force: true });
        await onPage({ pageNumber: n, ...(await sizesOf(png)) });
      }
    });
    return;
  }
  for (let n = 1; n <= pageCount; n += 1) {
    let rendered: Omit<RenderedPage, 'pageNumber'>;
    try {
      rendered = await sizesOf(sharp(data, { limitInputPixels: MAX_IMAGE_PIXELS, failOn: 'error', page: n - 1 }));
    } catch {
      throw new DocumentRejected('unreadable', `page ${n} cannot be read`);
    }
    await onPage({ pageNumber: n, ...rendered });
  }
}

/** Storage keys in the dossier store (never under /photos, which is a public door). */
export const dossierKeys = {
  original: (hash: string, extension: string) => `originals/${hash}.${extension}`,
  page: (documentId: number, pageNumber: number, size: PageSize) => `pages/${documentId}/${pageNumber}.${size}.jpg`,
};
