/**
 * Search straight from PostgreSQL for when Meilisearch cannot answer: names folded to ASCII and
 * matched by trigram word similarity (GIN indexes on the stored folded columns), the same filters,
 * and the same documents built by documents.ts, so the response has the same shape.
 */
import type { Db, Knex } from '../db/knex.js';
import type { ProvinceRef } from '../places/province-catalogue.js';
import { foldVietnamese } from '../text/vietnamese.js';
import { graveDocuments, martyrDocuments, type SearchDocument } from './documents.js';
import { MAX_TOTAL_HITS } from './result-count.js';
import type { SearchRequest } from './search.schema.js';

type Candidate = { kind: 'martyr' | 'grave'; id: number };

/** Filters shared by both kinds; `g` is the grave, `c` its cemetery (both may be NULL for a martyr). */
function sharedFilters(request: SearchRequest, province: ProvinceRef | undefined, hometown: string | null): { sql: string[]; bindings: Knex.Value[] } {
  const sql: string[] = [];
  const bindings: Knex.Value[] = [];
  if (province) {
    const column = province.scope === 'current' ? 'province_code' : 'old_province_code';
    sql.push(hometown ? `(c.${column} = ? OR ${hometown}_${column} = ?)` : `c.${column} = ?`);
    bindings.push(province.code, ...(hometown ? [province.code] : []));
  }
  if (request.cemetery) {
    sql.push('c.id = ?');
    bindings.push(request.cemetery);
  }
  if (request.hasPhoto !== undefined) sql.push(`${request.hasPhoto ? '' : 'NOT '}EXISTS (SELECT 1 FROM public_photos p WHERE p.grave_id = g.id AND p.is_current)`);
  if (request.bbox) {
    sql.push('ST_Intersects(COALESCE(g.position, c.location), ST_MakeEnvelope(?, ?, ?, ?, 4326))');
    bindings.push(request.bbox.minLng, request.bbox.minLat, request.bbox.maxLng, request.bbox.maxLat);
  }
  return { sql, bindings };
}

const where = (parts: string[]) => (parts.length ? `AND ${parts.join(' AND ')}` : '');

export async function fallbackSearch(
  db: Db,
  request: SearchRequest,
  nameText: string,
  years: number[],
  province: ProvinceRef | undefined,
  hometown?: string,
): Promise<{ total: number; docs: SearchDocument[] }> {
  const folded = foldVietnamese(nameText);
  const offset = (request.page - 1) * request.perPage;
  const parts: string[] = [];
  const bindings: Knex.Value[] = [];

  if (request.kind !== 'grave') {
    const f = sharedFilters(request, province, 'm.hometown');
    // Nothing of our own to filter on yet: public_martyrs already holds only the public martyrs.
    const own: string[] = ['true'];
    const ownBindings: Knex.Value[] = [];
    if (folded) {
      own.push('? <% m.name_folded');
      ownBindings.push(folded);
    }
    if (request.birthYear) {
      own.push('m.birth_year BETWEEN ? AND ?');
      ownBindings.push(request.birthYear.from, request.birthYear.to);
    }
    if (request.deathYear) {
      own.push('m.death_year BETWEEN ? AND ?');
      ownBindings.push(request.deathYear.from, request.deathYear.to);
    }
    if (request.unit) {
      own.push('m.unit ILIKE ?');
      ownBindings.push(`%${request.unit.replace(/[%_\\]/g, '\\$&')}%`);
    }
    if (request.hasGrave !== undefined) own.push(`m.grave_id IS ${request.hasGrave ? 'NOT ' : ''}NULL`);
    if (hometown) {
      own.push('m.hometown_province_code = ?');
      ownBindings.push(hometown);
    }
    parts.push(`
      SELECT 'martyr' AS kind, m.id,
        ${folded ? 'word_similarity(?, m.name_folded)' : '0'} + CASE WHEN m.birth_year = ANY(?::int[]) OR m.death_year = ANY(?::int[]) THEN 0.5 ELSE 0 END AS score,
        COALESCE(g.position, c.location) AS location
      FROM public_martyrs m LEFT JOIN public_graves g ON g.id = m.grave_id LEFT JOIN cemeteries c ON c.id = g.cemetery_id
      WHERE ${own.join(' AND ')} ${where(f.sql)}`);
    bindings.push(...(folded ? [folded] : []), years, years, ...ownBindings, ...f.bindings);
  }
  // A headstone knows no hometown province: a hometown filter leaves only martyrs.
  if (request.kind !== 'martyr' && request.hasGrave !== false && !request.birthYear && !hometown) {
    const f = sharedFilters(request, province, null);
    // public_headstones, as grave-documents.sql: a withheld headstone has no document, so it is not counted either.
    const own: string[] = ["g.state <> 'identified'"];
    const ownBindings: Knex.Value[] = [];
    if (folded) {
      own.push('? <% g.known_name_folded');
      ownBindings.push(folded);
    }
    if (request.deathYear) {
      own.push('g.known_death_year BETWEEN ? AND ?');
      ownBindings.push(request.deathYear.from, request.deathYear.to);
    }
    if (request.unit) {
      own.push('g.known_unit ILIKE ?');
      ownBindings.push(`%${request.unit.replace(/[%_\\]/g, '\\$&')}%`);
    }
    parts.push(`
      SELECT 'grave' AS kind, g.id,
        ${folded ? 'word_similarity(?, g.known_name_folded)' : '0'} AS score,
        COALESCE(g.position, c.location) AS location
      FROM public_headstones g JOIN cemeteries c ON c.id = g.cemetery_id
      WHERE ${own.join(' AND ')} ${where(f.sql)}`);
    bindings.push(...(folded ? [folded] : []), ...ownBindings, ...f.bindings);
  }
  if (!parts.length) return { total: 0, docs: [] };

  const order = request.near ? 'location <-> ST_SetSRID(ST_MakePoint(?, ?), 4326), kind, id' : 'score DESC, kind DESC, id';
  const orderBindings = request.near ? [request.near.lng, request.near.lat] : [];
  // Counting stops at the cap, as Meilisearch's does: the total then reads "at least 1,000"
  // (result-count.ts), and a common name costs a bounded count rather than one over every match.
  const { rows } = await db.raw<{ rows: (Candidate & { total: number })[] }>(
    `WITH matches AS NOT MATERIALIZED (${parts.join(' UNION ALL ')})
     SELECT kind, id, (SELECT count(*) FROM (SELECT 1 FROM matches LIMIT ?) capped) AS total
     FROM matches ORDER BY ${order} LIMIT ? OFFSET ?`,
    [...bindings, MAX_TOTAL_HITS, ...orderBindings, request.perPage, offset],
  );
  const martyrIds = rows.filter((r) => r.kind === 'martyr').map((r) => Number(r.id));
  const graveIds = rows.filter((r) => r.kind === 'grave').map((r) => Number(r.id));
  const built = new Map([...(await martyrDocuments(db, martyrIds)), ...(await graveDocuments(db, graveIds))].map((d) => [d.id, d]));
  const docs = rows.map((r) => built.get(`${r.kind}-${r.id}`)).filter((d): d is SearchDocument => d !== undefined);
  const total = rows.length ? Number(rows[0]!.total) : 0;
  return { total, docs };
}
