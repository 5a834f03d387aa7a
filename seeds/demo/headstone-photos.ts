/**
 * Headstone photos for the demo: an SVG of a grey or ochre stele with a star, "Tổ quốc ghi công"
 * and the grave's inscription, on a background of sky and grass, rendered by sharp to JPEG. Each
 * photo is written in the sizes the portal serves (original, full, page, thumb) under
 * photosDir/graves/<graveId>/, named by the sha256 of the full JPEG.
 */
import { createHash } from 'node:crypto';
import { mkdir, rm, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { PhotoSubject } from './graves.js';
import { createRng, type Rng } from './random.js';

export const PHOTO_WIDTH = 600;
export const PHOTO_HEIGHT = 800;
const THUMB_HEIGHT = 240;

export type RenderedPhoto = {
  graveId: number;
  originalKey: string;
  fullKey: string;
  pageKey: string;
  thumbKey: string;
  contentHash: string;
  width: number;
  height: number;
  bytes: number;
  takenAt: string;
  position: string;
};

const STONES = [
  { light: '#c9c6bf', dark: '#8e8b84', text: '#2b2a28' },
  { light: '#d8c7a0', dark: '#a48a5a', text: '#3a2c14' },
  { light: '#b9bcbd', dark: '#76797b', text: '#1f2224' },
  { light: '#e0d6c2', dark: '#b3a27e', text: '#4a3a1a' },
];

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Splits a long line at its commas, then at spaces, so that it fits the stone. */
function wrap(line: string, max: number): string[] {
  if (line.length <= max) return [line];
  const out: string[] = [];
  let current = '';
  const pieces = line.split(/(?<=,) /).flatMap((piece) => (piece.length > max ? piece.split(' ') : [piece]));
  for (const piece of pieces) {
    if (current && (current + ' ' + piece).length > max) {
      out.push(current);
      current = piece;
    } else current = current ? `${current} ${piece}` : piece;
  }
  if (current) out.push(current);
  return out;
}

function star(cx: number, cy: number, r: number): string {
  const points: string[] = [];
  for (let i = 0; i < 10; i++) {
    const radius = i % 2 === 0 ? r : r * 0.382;
    const angle = -Math.PI / 2 + (i * Math.PI) / 5;
    points.push(`${(cx + radius * Math.cos(angle)).toFixed(1)},${(cy + radius * Math.sin(angle)).toFixed(1)}`);
  }
  return `<circle cx="${cx}" cy="${cy + 3}" r="${r + 8}" fill="#b0302a" stroke="#7a1d18" stroke-width="2"/>`
    + `<polygon points="${points.join(' ')}" fill="#f2c94c" stroke="#a07a12" stroke-width="1"/>`;
}

/** Font size for a line: at most `base`, smaller when the line would not fit 320 px (bold capitals are wider). */
const fit = (line: string, base: number, bold: boolean) => Math.min(base, 320 / (Math.max(1, line.length) * (bold ? 0.76 : 0.56)));

export function headstoneSvg(inscription: string, rng: Rng): string {
  const stone = rng.pick(STONES);
  const tilt = (rng.next() - 0.5) * 3;
  const [first = '', ...body] = inscription.split('\n');
  const collective = first === 'MỘ TẬP THỂ';
  const lines = body.flatMap((l, i) => (i === 0 || (collective && /^[\p{Lu}\s]+$/u.test(l)) ? [{ text: l, bold: true }] : wrap(l, 30).map((text) => ({ text, bold: false }))));
  const top = 290;
  const bottom = 700;
  const lineHeight = Math.min(38, (bottom - top) / Math.max(1, lines.length));
  const start = top + Math.max(0, (bottom - top - lines.length * lineHeight) / 3);
  const text = lines.map((line, i) => {
    const size = fit(line.text, i === 0 ? Math.min(32, lineHeight * 0.9) : Math.min(21, lineHeight * 0.62), line.bold);
    return `<text x="300" y="${(start + (i + 0.7) * lineHeight).toFixed(1)}" font-size="${size.toFixed(1)}" font-weight="${line.bold ? 'bold' : 'normal'}">${escapeXml(line.text)}</text>`;
  }).join('');
  const lichen = Array.from({ length: rng.int(3, 9) }, () =>
    `<ellipse cx="${rng.int(110, 490)}" cy="${rng.int(150, 750)}" rx="${rng.int(4, 26)}" ry="${rng.int(3, 16)}" fill="#4d4a3a" fill-opacity="${(0.04 + rng.next() * 0.08).toFixed(2)}"/>`).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${PHOTO_WIDTH}" height="${PHOTO_HEIGHT}" viewBox="0 0 ${PHOTO_WIDTH} ${PHOTO_HEIGHT}">
  <defs>
    <linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#a9c4d8"/><stop offset="1" stop-color="#e4ebe6"/></linearGradient>
    <linearGradient id="grass" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#6f8f4a"/><stop offset="1" stop-color="#3f5a2a"/></linearGradient>
    <linearGradient id="stone" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="${stone.light}"/><stop offset="1" stop-color="${stone.dark}"/></linearGradient>
  </defs>
  <rect width="600" height="800" fill="url(#sky)"/>
  <rect y="${560 + rng.int(-30, 30)}" width="600" height="300" fill="url(#grass)"/>
  <g transform="rotate(${tilt.toFixed(2)} 300 500)">
    <ellipse cx="300" cy="790" rx="260" ry="22" fill="#000" fill-opacity="0.25"/>
    <rect x="85" y="752" width="430" height="40" fill="#6d6a64"/>
    <path d="M100 760 L100 190 Q100 130 160 120 L300 95 L440 120 Q500 130 500 190 L500 760 Z" fill="url(#stone)" stroke="#5f5c57" stroke-width="3"/>
    <path d="M125 740 L125 200 Q125 150 175 142 L300 122 L425 142 Q475 150 475 200 L475 740 Z" fill="none" stroke="${stone.text}" stroke-opacity="0.35" stroke-width="2"/>
    ${lichen}
    ${star(300, 172, 30)}
    <g font-family="DejaVu Serif, Noto Serif, serif" text-anchor="middle" fill="${stone.text}">
      <text x="300" y="240" font-size="20" font-weight="bold" letter-spacing="2">TỔ QUỐC GHI CÔNG</text>
      <text x="300" y="${top - 12}" font-size="26" font-weight="bold" letter-spacing="3">${escapeXml(first)}</text>
      ${text}
    </g>
  </g>
</svg>`;
}

function takenAt(rng: Rng): string {
  const start = Date.UTC(2019, 0, 1);
  const end = Date.UTC(2025, 11, 31);
  // Whole seconds, in daylight hours of Vietnam (UTC+7): 07:00-17:00 local.
  const day = Math.floor((start + rng.next() * (end - start)) / 86_400_000) * 86_400_000;
  return new Date(day + rng.int(0, 10 * 3600) * 1000).toISOString();
}

/** Renders and writes one photo; returns its row. */
async function renderOne(subject: PhotoSubject, photosDir: string, seed: string, written: string[]): Promise<RenderedPhoto> {
  const rng = createRng(seed, `photo:${subject.graveId}`);
  const full = await sharp(Buffer.from(headstoneSvg(subject.inscription, rng))).jpeg({ quality: 82, optimiseCoding: false }).toBuffer();
  const thumb = await sharp(full).resize({ height: THUMB_HEIGHT }).jpeg({ quality: 78, optimiseCoding: false }).toBuffer();
  const contentHash = createHash('sha256').update(full).digest('hex');
  const dir = `graves/${subject.graveId}`;
  const key = (size: string) => `${dir}/${contentHash.slice(0, 16)}-${size}.jpg`;
  await mkdir(path.join(photosDir, dir), { recursive: true });
  written.push(key('original'), key('full'), key('page'), key('thumb'));
  // The demo's "original" is the full-size image; the page size is the full one too at 800 px tall.
  await Promise.all([
    writeFile(path.join(photosDir, key('original')), full),
    writeFile(path.join(photosDir, key('full')), full),
    writeFile(path.join(photosDir, key('page')), full),
    writeFile(path.join(photosDir, key('thumb')), thumb),
  ]);
  return {
    graveId: subject.graveId, originalKey: key('original'), fullKey: key('full'), pageKey: key('page'), thumbKey: key('thumb'),
    contentHash, width: PHOTO_WIDTH, height: PHOTO_HEIGHT, bytes: full.length, takenAt: takenAt(rng), position: subject.position,
  };
}

export type RenderOptions = {
  photosDir: string;
  seed: string;
  /** Receives every key before its file is written, so that a failed run can remove them. */
  written: string[];
  onProgress?: (done: number) => void;
  concurrency?: number;
};

/** Renders the photos two at a time (the machine has two cores and PostgreSQL is loading meanwhile). */
export async function renderPhotos(subjects: PhotoSubject[], options: RenderOptions): Promise<RenderedPhoto[]> {
  const results: RenderedPhoto[] = new Array(subjects.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < subjects.length) {
      const i = next++;
      results[i] = await renderOne(subjects[i]!, options.photosDir, options.seed, options.written);
      if (++done % 250 === 0) options.onProgress?.(done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 2, subjects.length) }, worker));
  return results;
}

/** Removes the files of the given photo keys and the folders they leave empty. */
export async function deletePhotoFiles(photosDir: string, keys: string[]): Promise<void> {
  const dirs = new Set<string>();
  for (const key of keys) {
    await rm(path.join(photosDir, key), { force: true });
    dirs.add(path.dirname(path.join(photosDir, key)));
  }
  for (const dir of dirs) await rmdir(dir).catch(() => undefined);
}
