/**
 * The open-data files as SQL, streamed out of PostgreSQL with COPY (pg-copy-streams): rows flow
 * from the server to the client (or the file) with backpressure, so memory stays flat whatever
 * the size. COPY takes no bound parameters: the only values put in the text are the province code
 * (two digits from the reference catalogue, checked again here) and the base URL, as literals.
 */
import type { Readable } from 'node:stream';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { Db } from '../db/knex.js';
import { DATASETS, type DatasetId, type Format } from './datasets.js';

export type Scope = { provinceCode?: string; base: string };

function literal(value: string): string {
  return pg.escapeLiteral(value);
}

function bind(sql: string, scope: Scope): string {
  if (scope.provinceCode !== undefined && !/^\d{2}$/.test(scope.provinceCode)) throw new Error(`not a province code: ${scope.provinceCode}`);
  return sql.replaceAll(':base', literal(scope.base)).replaceAll(':province', literal(scope.provinceCode ?? ''));
}

const columnSql = (type: string, sql: string) => (type === 'partial date' ? `NULLIF(${sql}, '')` : sql);

/** The rows of a data set as a SELECT: CSV columns, or one GeoJSON Feature text per row. */
export function datasetSelect(id: DatasetId, shape: 'csv' | 'feature', scope: Scope): string {
  const d = DATASETS[id];
  const where = scope.provinceCode ? `WHERE ${d.provinceCondition}` : '';
  const list =
    shape === 'csv'
      ? d.columns.map((c) => `${columnSql(c.type, c.sql)} AS ${pg.escapeIdentifier(c.name)}`).join(', ')
      : `json_build_object('type', 'Feature', 'id', ${d.columns[0]!.sql},
          'geometry', ST_AsGeoJSON(${d.geometry}, 7)::json,
          'properties', json_build_object(${d.columns.slice(1).map((c) => `${literal(c.name)}, ${columnSql(c.type, c.sql)}`).join(', ')}))::text AS feature`;
  return bind(`SELECT ${list} FROM ${d.from} ${where} ORDER BY ${d.order}`, scope);
}

/**
 * The COPY statement of a file. GeoJSON lines go out through CSV mode with a quote and delimiter
 * no JSON text holds (JSON escapes control characters), so each line arrives exactly as built.
 */
export function copyStatement(id: DatasetId, format: Exclude<Format, 'gpkg'>, scope: Scope): string {
  if (format === 'csv') return `COPY (${datasetSelect(id, 'csv', scope)}) TO STDOUT WITH (FORMAT csv, HEADER true, ENCODING 'UTF8')`;
  return `COPY (${datasetSelect(id, 'feature', scope)}) TO STDOUT WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02', ENCODING 'UTF8')`;
}

export type CopySession = {
  copy(statement: string): Readable;
  query<T>(sql: string): Promise<T[]>;
};

/**
 * Runs `work` on one pooled connection inside a read-only transaction: REPEATABLE READ when the
 * files of a build must be one snapshot. `timeoutMs` bounds the transaction's statements (a slow
 * reader holds a COPY open; 0 means none, for the scheduled build).
 */
export async function withCopySession<T>(db: Db, options: { snapshot: boolean; timeoutMs: number }, work: (session: CopySession) => Promise<T>): Promise<T> {
  const client = (await db.client.acquireConnection()) as pg.Client;
  let broken = false;
  try {
    await client.query(`BEGIN ISOLATION LEVEL ${options.snapshot ? 'REPEATABLE READ' : 'READ COMMITTED'} READ ONLY`);
    await client.query(`SELECT set_config('statement_timeout', $1, true)`, [String(options.timeoutMs)]);
    const session: CopySession = {
      copy: (statement) => client.query(copyTo(statement)),
      query: async <R>(sql: string) => (await client.query(sql)).rows as R[],
    };
    const result = await work(session);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    // A COPY cut off half-way leaves the connection mid-protocol: it goes, not back to the pool.
    broken = true;
    throw error;
  } finally {
    if (broken) {
      (client as pg.Client & { __knex__disposed?: string }).__knex__disposed = 'open-data COPY interrupted';
      client.end().catch(() => undefined);
    }
    await db.client.releaseConnection(client);
  }
}
