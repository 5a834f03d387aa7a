/**
 * A cemetery's graves as its page lists them: in plot order, searchable by the name of the public
 * martyrs buried there (or the name a partial headstone carries) and by plot (khu / hàng / mộ số).
 */
import type { Db } from '../db/knex.js';
import { Conditions } from '../db/conditions.js';
import { naturalOrder } from '../db/natural-order.js';
import { foldVietnamese } from '../text/vietnamese.js';

/** 25: a page of them, stacked as cards on a phone, stays a few screens tall (50 made 10,000 px). */
export const GRAVES_PER_PAGE = 25;

/** What a search box text asks for: parts of a plot, a name, or both ("hàng 3 nguyễn"). */
export type GraveQuery = { section?: string; row?: string; number?: string; name?: string };

const COMPACT_PLOT = /^(?:([a-z][a-z0-9]{0,4})[\s./-]+)?(\d{1,4}[a-z]?)[\s./-]+(\d{1,5}[a-z]?)$/;
const KEYWORDS: Record<string, keyof GraveQuery> = { khu: 'section', lo: 'section', hang: 'row', mo: 'number', so: 'number' };

/**
 * Reads "A-3-12", "3/12", "khu A hàng 3 mộ số 12", "hàng 3", "12" or a name. A bare number is a
 * grave number (mộ số), the part of a plot people remember best.
 */
export function parseGraveQuery(text: string): GraveQuery {
  const folded = foldVietnamese(text).replace(/\s+/g, ' ').trim();
  if (!folded) return {};
  if (/^\d{1,5}[a-z]?$/.test(folded)) return { number: folded };
  const compact = COMPACT_PLOT.exec(folded);
  if (compact) return { ...(compact[1] ? { section: compact[1] } : {}), row: compact[2], number: compact[3] };

  const query: GraveQuery = {};
  const rest: string[] = [];
  const tokens = folded.split(/[\s,;]+/).filter(Boolean);
  for (let i = 0; i < tokens.length; i++) {
    const field = KEYWORDS[tokens[i]!];
    // "mộ số 12": both words name the field; the value is the first token that is not a keyword.
    let j = i + 1;
    while (field && j < tokens.length && KEYWORDS[tokens[j]!] === field) j++;
    const value = tokens[j];
    if (field && value && /^[a-z0-9]{1,6}$/.test(value) && (field === 'section' || /\d/.test(value)) && !query[field]) {
      query[field] = value;
      i = j;
    } else rest.push(tokens[i]!);
  }
  if (rest.length) query.name = rest.join(' ');
  return query;
}

export type CemeteryGraveRow = {
  id: number;
  state: string;
  section_code: string | null;
  section_kind: string | null;
  row_label: string | null;
  plot_number: string | null;
  known_name: string | null;
  known_death_year: number | null;
  known_death_month: number | null;
  known_death_day: number | null;
  /** Only public martyrs; a grave whose only martyr is confidential has none here. */
  martyrs: { id: number; full_name: string; birth_year: number | null; death_year: number | null }[];
  /** Whether a confidential martyr lies here: then public_graves gives nothing the headstone says. */
  has_confidential: boolean;
};

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** One page of a cemetery's graves in plot order, with the total that match. */
export async function listCemeteryGraves(
  db: Db,
  options: { cemeteryId: number; query: GraveQuery; page: number; perPage?: number },
): Promise<{ total: number; rows: CemeteryGraveRow[] }> {
  const perPage = options.perPage ?? GRAVES_PER_PAGE;
  const { query } = options;
  const where = new Conditions().add('g.cemetery_id = ?', options.cemeteryId);
  if (query.section) where.add('lower(s.code) = ?', query.section);
  if (query.row) where.add('lower(g.row_label) = ?', query.row);
  if (query.number) where.add('lower(g.plot_number) = ?', query.number);
  if (query.name) {
    // Only what the public may read is searched (public_martyrs, public_graves): a confidential name
    // or a withheld headstone must not be findable by guessing.
    const pattern = `%${escapeLike(query.name)}%`;
    where.add(
      `(EXISTS (SELECT 1 FROM public_martyrs m WHERE m.grave_id = g.id AND m.name_folded LIKE fold_vietnamese(?))
        OR (g.state <> 'identified' AND g.known_name_folded LIKE fold_vietnamese(?)))`,
      pattern, pattern,
    );
  }
  const bindings = where.bindings;
  const from = `FROM public_graves g LEFT JOIN cemetery_sections s ON s.id = g.section_id WHERE ${where.sql}`;
  // Natural order: row 2 before row 10, whatever the length of the number.
  const order = `ORDER BY ${naturalOrder('s.code')}, ${naturalOrder('g.row_label')}, ${naturalOrder('g.plot_number')}, g.id`;
  const [{ rows }, count] = await Promise.all([
    db.raw<{ rows: CemeteryGraveRow[] }>(
      `SELECT g.id, g.state, s.code AS section_code, s.kind AS section_kind, g.row_label, g.plot_number,
         g.known_name, g.known_death_year, g.known_death_month, g.known_death_day,
         COALESCE((SELECT json_agg(json_build_object('id', m.id, 'full_name', m.full_name, 'birth_year', m.birth_year, 'death_year', m.death_year) ORDER BY m.id)
                   FROM public_martyrs m WHERE m.grave_id = g.id), '[]') AS martyrs,
         g.headstone_withheld AS has_confidential
       ${from} ${order} LIMIT ? OFFSET ?`,
      [...bindings, perPage, (options.page - 1) * perPage],
    ),
    db.raw<{ rows: { n: number }[] }>(`SELECT count(*) AS n ${from}`, bindings),
  ]);
  return { total: Number(count.rows[0]!.n), rows };
}
