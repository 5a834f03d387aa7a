/**
 * The benchmark's query list: what families type, built from real records of the database in a
 * fixed order (every k-th public martyr by id) and a seeded PRNG, so the same database and seed
 * always give the same list. Each query remembers the martyr it came from, so a run can also say
 * how often that record came back.
 */
import seedrandom from 'seedrandom';
import type { Db } from '../../server/db/knex.js';
import { foldVietnamese } from '../../server/text/vietnamese.js';

export type QueryKind =
  | 'folded' // full name, diacritics stripped (đ → d)
  | 'typo' // folded, one letter swapped, dropped or replaced in one syllable
  | 'partial' // family + given name, or the last two syllables
  | 'name+province' // folded name and a province (current or pre-2025), folded
  | 'name+year' // folded name and the birth or death year
  | 'alias' // an alias, folded or as written
  | 'diacritics'; // the full name as written

export type BenchQuery = {
  /** What is sent as /api/search?q= and to Meilisearch (after the same analysis the API does). */
  q: string;
  /** What is sent as /api/suggest?q=: the first 60-80% of q, as someone still typing. */
  suggest: string;
  kind: QueryKind;
  martyrId: number;
};

export type QueryList = { seed: string; source: string; count: number; byKind: Record<string, number>; queries: BenchQuery[] };

type Row = {
  id: string | number;
  full_name: string;
  aliases: string[] | null;
  birth_year: number | null;
  death_year: number | null;
  province: string | null;
  old_province: string | null;
};

/** Shares of the list; an alias query needs a record with an alias, sampled separately. */
const WEIGHTS: Array<[QueryKind, number]> = [
  ['folded', 25],
  ['typo', 20],
  ['partial', 15],
  ['name+province', 15],
  ['name+year', 10],
  ['diacritics', 10],
];
const ALIAS_SHARE = 0.05;
const TYPO_LETTERS = 'abcdeghiklmnopqrstuvxy';

const SAMPLE_SQL = `
  WITH numbered AS (
    SELECT id, row_number() OVER (ORDER BY id) AS rn FROM martyrs WHERE is_public AND {where}
  )
  SELECT m.id, m.full_name, m.aliases, m.birth_year, m.death_year, hp.name AS province, op.name AS old_province
  FROM numbered n
  JOIN martyrs m ON m.id = n.id
  LEFT JOIN provinces hp ON hp.code = m.hometown_province_code
  LEFT JOIN old_provinces op ON op.code = m.hometown_old_province_code
  WHERE (n.rn - 1) % ? = 0
  ORDER BY m.id
  LIMIT ?`;

/** Every k-th public martyr by id (k chosen to spread `wanted` rows over all of them). */
async function sample(db: Db, wanted: number, where = 'true'): Promise<Row[]> {
  if (wanted <= 0) return [];
  const { rows: counted } = await db.raw<{ rows: { n: string }[] }>(`SELECT count(*) AS n FROM martyrs WHERE is_public AND ${where}`);
  const total = Number(counted[0]?.n ?? 0);
  if (!total) return [];
  const stride = Math.max(1, Math.floor(total / wanted));
  const { rows } = await db.raw<{ rows: Row[] }>(SAMPLE_SQL.replace('{where}', where), [stride, wanted]);
  return rows;
}

type Rng = () => number;
const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)]!;

function weighted(rng: Rng): QueryKind {
  const total = WEIGHTS.reduce((a, [, w]) => a + w, 0);
  let r = rng() * total;
  for (const [kind, w] of WEIGHTS) {
    r -= w;
    if (r < 0) return kind;
  }
  return WEIGHTS[0]![0];
}

const fold = (text: string) => foldVietnamese(text.normalize('NFC')).replace(/\s+/g, ' ').trim();
const syllables = (name: string) => name.split(/\s+/).filter(Boolean);

/** One typo in one syllable of a folded name: two letters swapped, one dropped, or one replaced. */
export function withTypo(folded: string, rng: Rng): string {
  const parts = syllables(folded);
  // A typo in a 1-2 letter syllable is rarely forgiven by the engine (by design); people also
  // mistype longer words more often, so prefer syllables of 3 letters or more.
  const candidates = parts.map((p, i) => ({ p, i })).filter(({ p }) => p.length >= 3);
  const { p: word, i: at } = candidates.length ? pick(rng, candidates) : { p: parts[0] ?? folded, i: 0 };
  let typo = word;
  for (let attempt = 0; attempt < 10 && typo === word; attempt++) {
    const op = pick(rng, ['swap', 'drop', 'replace'] as const);
    const i = Math.floor(rng() * word.length);
    if (op === 'swap' && word.length >= 2) {
      const j = Math.min(i, word.length - 2);
      typo = word.slice(0, j) + word[j + 1] + word[j] + word.slice(j + 2);
    } else if (op === 'drop' && word.length >= 3) {
      typo = word.slice(0, i) + word.slice(i + 1);
    } else {
      const letters = TYPO_LETTERS.replace(word[i] ?? '', '');
      typo = word.slice(0, i) + pick(rng, [...letters]) + word.slice(i + 1);
    }
  }
  parts[at] = typo;
  return parts.join(' ');
}

function partial(folded: string, rng: Rng): string {
  const parts = syllables(folded);
  if (parts.length < 3) return folded;
  return rng() < 0.5 ? `${parts[0]} ${parts[parts.length - 1]}` : parts.slice(-2).join(' ');
}

/** The query of one kind for a record; undefined when the record lacks what the kind needs. */
function queryFor(kind: QueryKind, row: Row, rng: Rng): string | undefined {
  const name = row.full_name.normalize('NFC').replace(/\s+/g, ' ').trim();
  const folded = fold(name);
  switch (kind) {
    case 'folded':
      return folded;
    case 'typo':
      return withTypo(folded, rng);
    case 'partial':
      return partial(folded, rng);
    case 'name+province': {
      const provinces = [row.province, row.old_province].filter((p): p is string => Boolean(p));
      return provinces.length ? `${folded} ${fold(pick(rng, provinces))}` : undefined;
    }
    case 'name+year': {
      const years = [row.birth_year, row.death_year].filter((y): y is number => y !== null);
      return years.length ? `${folded} ${pick(rng, years)}` : undefined;
    }
    case 'alias': {
      const aliases = (row.aliases ?? []).filter((a) => a.trim());
      if (!aliases.length) return undefined;
      const alias = pick(rng, aliases).normalize('NFC').replace(/\s+/g, ' ').trim();
      return rng() < 0.5 ? fold(alias) : alias;
    }
    case 'diacritics':
      return name;
  }
}

/** The first 60-80% of the characters, at least two, without a trailing space. */
function typedPrefix(q: string, rng: Rng): string {
  const share = 0.6 + 0.2 * rng();
  const length = Math.max(2, Math.round([...q].length * share));
  return [...q].slice(0, length).join('').trimEnd();
}

/**
 * `count` queries: 95% spread over every public martyr with the kinds in WEIGHTS, 5% aliases from
 * the martyrs that have one. A small database is cycled through with other kinds.
 */
export async function buildQueryList(db: Db, count: number, seed: string, source: string): Promise<QueryList> {
  const aliasWanted = Math.round(count * ALIAS_SHARE);
  const aliasRows = await sample(db, aliasWanted, 'cardinality(aliases) > 0');
  const rows = await sample(db, count - aliasRows.length);
  if (!rows.length) throw new Error('the database has no public martyrs to build queries from');
  const rng = seedrandom.alea(`bench-search:${seed}`);
  const queries: BenchQuery[] = [];
  const add = (kind: QueryKind, row: Row, q: string) => queries.push({ q, suggest: typedPrefix(q, rng), kind, martyrId: Number(row.id) });

  for (let i = 0; queries.length < count - aliasRows.length; i++) {
    const row = rows[i % rows.length]!;
    let kind = weighted(rng);
    let q = queryFor(kind, row, rng);
    if (q === undefined) {
      kind = 'folded';
      q = queryFor(kind, row, rng)!;
    }
    add(kind, row, q);
  }
  for (const row of aliasRows) add('alias', row, queryFor('alias', row, rng)!);

  // Interleave the alias queries rather than leaving them all at the end of the list.
  const shuffled = queries.map((q, i) => ({ q, key: seedrandom.alea(`${seed}:${i}`)() })).sort((a, b) => a.key - b.key).map((x) => x.q);
  const byKind: Record<string, number> = {};
  for (const q of shuffled) byKind[q.kind] = (byKind[q.kind] ?? 0) + 1;
  return { seed, source, count: shuffled.length, byKind, queries: shuffled };
}
