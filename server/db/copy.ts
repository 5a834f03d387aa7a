/**
 * Bulk loading with COPY ... FROM STDIN in CSV format: rows become CSV lines here, are gathered
 * into chunks of about 256 kB, and stream to PostgreSQL with back-pressure. Geometry goes as
 * EWKT text, arrays as PostgreSQL array literals, NULL as an unquoted empty field. The demo seed
 * loads with it, and an import's commit writes its many rows of provenance and audit with it,
 * inside the flip's transaction (copyRows).
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import type { Knex } from './knex.js';
import { from as copyFrom } from 'pg-copy-streams';

export type CsvValue = string | number | boolean | null | string[];

const NEEDS_QUOTES = /[",\n\r]/;

function field(value: CsvValue): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return value ? 't' : 'f';
  const text = Array.isArray(value) ? arrayLiteral(value) : value;
  return text === '' || NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** {"Hai Thành","Út"}: every element quoted, so spaces and commas stay inside it. */
export function arrayLiteral(items: string[]): string {
  return `{${items.map((s) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`;
}

export function csvLine(values: CsvValue[]): string {
  let line = '';
  for (let i = 0; i < values.length; i++) line += (i ? ',' : '') + field(values[i]!);
  return `${line}\n`;
}

const CHUNK_CHARS = 256 * 1024;

/** Collects CSV lines into UTF-8 chunks, for tables that must wait until another is loaded. */
export class CsvBuffer {
  readonly chunks: Array<{ data: Buffer; rows: number }> = [];
  private pending = '';
  private pendingRows = 0;
  rows = 0;

  push(line: string): void {
    this.pending += line;
    this.pendingRows++;
    this.rows++;
    if (this.pending.length >= CHUNK_CHARS) this.flush();
  }

  flush(): void {
    if (this.pending) this.chunks.push({ data: Buffer.from(this.pending, 'utf8'), rows: this.pendingRows });
    this.pending = '';
    this.pendingRows = 0;
  }
}

/** The buffer's chunks, calling onRows with the running row count as they are sent. */
function* sent(buffer: CsvBuffer, onRows?: (rows: number) => void): Generator<Buffer> {
  let rows = 0;
  for (const chunk of buffer.chunks) {
    yield chunk.data;
    rows += chunk.rows;
    onRows?.(rows);
  }
}

/** Batches an iterable of lines into larger strings, which the COPY stream handles far faster. */
async function* batched(lines: Iterable<string> | AsyncIterable<string>): AsyncGenerator<string> {
  let pending = '';
  for await (const line of lines) {
    pending += line;
    if (pending.length >= CHUNK_CHARS) {
      yield pending;
      pending = '';
    }
  }
  if (pending) yield pending;
}

/** COPY into `table` (columns in order) from CSV lines or ready chunks; returns the rows PostgreSQL counted. */
export async function copyInto(
  client: pg.ClientBase,
  table: string,
  columns: readonly string[],
  source: Iterable<string> | AsyncIterable<string> | CsvBuffer,
  onRows?: (rows: number) => void,
): Promise<number> {
  const sql = `COPY ${table} (${columns.join(', ')}) FROM STDIN WITH (FORMAT csv)`;
  const stream = client.query(copyFrom(sql));
  if (source instanceof CsvBuffer) source.flush();
  const input = source instanceof CsvBuffer ? Readable.from(sent(source, onRows)) : Readable.from(batched(source));
  await pipeline(input, stream);
  return stream.rowCount;
}

/**
 * COPY rows into `table` on the connection of `db`, a transaction's when it is one (knex hands a
 * transaction its own connection): the rows are the transaction's like those of its other statements.
 */
export async function copyRows(db: Knex, table: string, columns: readonly string[], rows: Iterable<CsvValue[]>): Promise<number> {
  const client = (await db.client.acquireConnection()) as pg.ClientBase;
  try {
    return await copyInto(client, table, columns, (function* () {
      for (const row of rows) yield csvLine(row);
    })());
  } finally {
    await db.client.releaseConnection(client);
  }
}
