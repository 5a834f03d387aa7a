/**
 * An .xlsx is a zip. Before anything inflates it, its central directory is read: a file that is
 * not a zip (or is the old binary .xls), that claims more than a workbook can hold, or that
 * compresses like a zip bomb is refused with a reason, and nothing is decompressed. Merged cell
 * ranges (at the end of a sheet's XML, which the streaming reader skips) are read from here too.
 */
import { open } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { createInflateRaw } from 'node:zlib';

export type ZipEntry = { name: string; method: number; compressed: number; uncompressed: number; localOffset: number };

export class BadWorkbook extends Error {
  constructor(readonly reason: 'not_xlsx' | 'xls' | 'zip_bomb' | 'too_large_unpacked') {
    super(reason);
  }
}

/** Decompressed, a workbook of 500,000 rows is well under this. */
export const MAX_UNCOMPRESSED_BYTES = 3 * 1024 ** 3;
/** Shared strings are held in memory by the reader: their size is capped on its own. */
export const MAX_SHARED_STRINGS_BYTES = 400 * 1024 ** 2;
/** Real sheets compress 5-20×; a ratio past this on a sizeable entry is a bomb. */
const MAX_RATIO = 200;

export async function readZipDirectory(file: string): Promise<ZipEntry[]> {
  const fh = await open(file, 'r');
  try {
    const { size } = await fh.stat();
    const head = Buffer.alloc(8);
    await fh.read(head, 0, 8, 0);
    if (head.readUInt32BE(0) === 0xd0cf11e0) throw new BadWorkbook('xls');
    if (head.readUInt32LE(0) !== 0x04034b50) throw new BadWorkbook('not_xlsx');
    const tailSize = Math.min(size, 65_557);
    const tail = Buffer.alloc(tailSize);
    await fh.read(tail, 0, tailSize, size - tailSize);
    let eocd = -1;
    for (let i = tailSize - 22; i >= 0; i--) if (tail.readUInt32LE(i) === 0x06054b50) { eocd = i; break; }
    if (eocd < 0) throw new BadWorkbook('not_xlsx');
    const count = tail.readUInt16LE(eocd + 10);
    const cdSize = tail.readUInt32LE(eocd + 12);
    const cdOffset = tail.readUInt32LE(eocd + 16);
    // Zip64 (over 4 GB or 65,535 entries) is more than any province's export.
    if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) throw new BadWorkbook('too_large_unpacked');
    if (cdOffset + cdSize > size || cdSize > 50 * 1024 ** 2) throw new BadWorkbook('not_xlsx');
    const cd = Buffer.alloc(cdSize);
    await fh.read(cd, 0, cdSize, cdOffset);
    const entries: ZipEntry[] = [];
    let p = 0;
    for (let i = 0; i < count; i++) {
      if (p + 46 > cd.length || cd.readUInt32LE(p) !== 0x02014b50) throw new BadWorkbook('not_xlsx');
      const method = cd.readUInt16LE(p + 10);
      const compressed = cd.readUInt32LE(p + 20);
      const uncompressed = cd.readUInt32LE(p + 24);
      const nameLen = cd.readUInt16LE(p + 28);
      const extraLen = cd.readUInt16LE(p + 30);
      const commentLen = cd.readUInt16LE(p + 32);
      const localOffset = cd.readUInt32LE(p + 42);
      const name = cd.toString('utf8', p + 46, p + 46 + nameLen);
      entries.push({ name, method, compressed, uncompressed, localOffset });
      p += 46 + nameLen + extraLen + commentLen;
    }
    return entries;
  } finally {
    await fh.close();
  }
}

/** Refuses what is not a workbook or would inflate beyond what a workbook can be. */
export function checkWorkbookEntries(entries: ZipEntry[]): void {
  if (!entries.some((e) => e.name === 'xl/workbook.xml')) throw new BadWorkbook('not_xlsx');
  let total = 0;
  for (const e of entries) {
    total += e.uncompressed;
    if (e.uncompressed === 0xffffffff) throw new BadWorkbook('too_large_unpacked');
    if (e.uncompressed > 1024 ** 2 && e.uncompressed / Math.max(1, e.compressed) > MAX_RATIO) throw new BadWorkbook('zip_bomb');
    if (e.name === 'xl/sharedStrings.xml' && e.uncompressed > MAX_SHARED_STRINGS_BYTES) throw new BadWorkbook('too_large_unpacked');
  }
  if (total > MAX_UNCOMPRESSED_BYTES) throw new BadWorkbook('too_large_unpacked');
}

export type MergedRange = { top: number; left: number; bottom: number; right: number };

const colNumber = (letters: string) => [...letters].reduce((n, ch) => n * 26 + ch.charCodeAt(0) - 64, 0);
const cellRef = (ref: string) => {
  const m = /^([A-Z]+)(\d+)$/.exec(ref)!;
  return { col: colNumber(m[1]!), row: Number(m[2]) };
};

/** The merged ranges of one sheet, read by inflating its XML as a stream (never whole in memory). */
export async function mergedRanges(file: string, entry: ZipEntry): Promise<MergedRange[]> {
  const fh = await open(file, 'r');
  let dataStart: number;
  try {
    const local = Buffer.alloc(30);
    await fh.read(local, 0, 30, entry.localOffset);
    dataStart = entry.localOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
  } finally {
    await fh.close();
  }
  if (entry.compressed === 0) return [];
  const source = createReadStream(file, { start: dataStart, end: dataStart + entry.compressed - 1 });
  const stream = entry.method === 8 ? source.pipe(createInflateRaw()) : source;
  const ranges: MergedRange[] = [];
  let carry = '';
  for await (const chunk of stream) {
    const text = carry + (chunk as Buffer).toString('latin1');
    for (const m of text.matchAll(/<mergeCell ref="([A-Z]+\d+):([A-Z]+\d+)"/g)) {
      const a = cellRef(m[1]!);
      const b = cellRef(m[2]!);
      ranges.push({ top: a.row, left: a.col, bottom: b.row, right: b.col });
      if (ranges.length > 100_000) break;
    }
    carry = text.slice(-200);
    // A match straddling the chunk boundary is found again in the carry; drop it from the next round.
    const lastTag = carry.lastIndexOf('<mergeCell');
    carry = lastTag >= 0 && !carry.slice(lastTag).includes('/>') ? carry.slice(lastTag) : '';
  }
  return ranges;
}
