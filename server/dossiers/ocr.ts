/**
 * Tesseract with its Vietnamese model (Debian tesseract-ocr-vie), run as a child process on one
 * page image. Its TSV output gives every word with its box and confidence; the page text is built
 * from the words (a line per line, a blank line between blocks), normalised to NFC, and each word
 * keeps its offset in that text so a search hit can be marked on the page image.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Longest one page may take; a page that needs more is a failure to retry, not a stuck job. */
export const OCR_TIMEOUT_MS = 180_000;
/** Below this mean word confidence a page is taken for handwriting (Tesseract reads print only). */
export const HANDWRITING_CONFIDENCE = 55;

export type OcrWord = { t: string; s: number; x: number; y: number; w: number; h: number; c: number };
export type OcrResult = { text: string; words: OcrWord[]; confidence: number };

/** The TSV of `tesseract … tsv` as text and words. Pure: tested on fixtures. */
export function parseTesseractTsv(tsv: string): OcrResult {
  const words: OcrWord[] = [];
  let text = '';
  let lastLine = '';
  let lastBlock = '';
  for (const line of tsv.split('\n').slice(1)) {
    const cols = line.split('\t');
    if (cols.length < 12 || cols[0] !== '5') continue;
    const word = (cols.slice(11).join('\t') ?? '').normalize('NFC').trim();
    const conf = Number(cols[10]);
    if (!word || !(conf >= 0)) continue;
    const block = `${cols[1]}.${cols[2]}`;
    const lineKey = `${block}.${cols[3]}.${cols[4]}`;
    if (text) text += block !== lastBlock ? '\n\n' : lineKey !== lastLine ? '\n' : ' ';
    lastBlock = block;
    lastLine = lineKey;
    words.push({ t: word, s: text.length, x: Number(cols[6]), y: Number(cols[7]), w: Number(cols[8]), h: Number(cols[9]), c: Math.round(conf * 10) / 10 });
    text += word;
  }
  const confidence = words.length ? Math.round((words.reduce((sum, w) => sum + w.c, 0) / words.length) * 10) / 10 : 0;
  return { text: text.normalize('NFC'), words, confidence };
}

/** Reads one page image file. Throws when Tesseract fails or times out. */
export async function ocrImage(file: string): Promise<OcrResult> {
  const { stdout } = await run('tesseract', [file, 'stdout', '-l', 'vie', '--psm', '3', 'tsv'], {
    timeout: OCR_TIMEOUT_MS,
    maxBuffer: 32 * 1024 * 1024,
    // One thread per page: two cores are shared with the server and Meilisearch, and pages run in parallel jobs.
    env: { ...process.env, OMP_THREAD_LIMIT: '1' },
  });
  return parseTesseractTsv(stdout);
}

/** A page is handwritten when staff say so, or, until they do, when Tesseract reads it poorly. */
export function writingOf(result: OcrResult): 'printed' | 'handwritten' {
  return result.words.length < 5 || result.confidence < HANDWRITING_CONFIDENCE ? 'handwritten' : 'printed';
}
