/**
 * The benchmark's query list: what families type, built from real records of the database in a
 * fixed order (every k-th public martyr by id) and a seeded PRNG, so the same database and seed
 * always give the same list. Each query remembers the martyr it came from, so a run can also say
 * how often that record came back.
 */
import seedrandom from 'seedrandom';
import type { Db } from '../../server/db/knex.js';
import { withinOneEdit } from '../../server/search/highlight.js';
import { COMMON_NAME_SYLLABLES } from '../../server/search/index-settings.js';
import { encodeInputMethod } from '../../server/text/input-methods.js';
import { foldVietnamese } from '../../server/text/vietnamese.js';

export type QueryKind =
  | 'folded' // full name, diacritics stripped (đ → d)
  | 'typo' // folded, two letters swapped, one dropped or one doubled in the longest syllable
  | 'family+given' // family and given name only ("nguyen thanh" for Nguyễn Văn Thành)
  | 'name+province' // folded name and a province (current or pre-2025), folded
  | 'name+year' // folded name and the birth or death year
  | 'name+province+year' // folded name, a province and a year
  | 'alias' // an alias, folded or as written
  | 'telex' // the full name typed in Telex with the input method off
  | 'vni' // the full name typed in VNI with the input method off
  | 'diacritics'; // the full name as written (exact)

export type BenchQuery = {
  /** What is sent as /api/search?q= and to Meilisearch (after the same analysis the API does). */
  q: string;
  /** What is sent as /api/suggest?q=: the first 60-80% of q, as someone still typing. */
  suggest: string;
  kind: QueryKind;
  martyrId: number;
  /** The record's full name, folded: what "the right name" means. */
  name: string;
  /** The record's hometown province today, when the query names a province (current or old). */
  province?: string;
  /** The year typed, when the query has one. */
  year?: number;
  /** The alias typed (folded), for an alias query: the right name is a hit that carries it. */
  alias?: string;
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
  ['folded', 15],
  ['typo', 20],
  ['family+given', 10],
  ['name+province', 10],
  ['name+year', 10],
  ['name+province+year', 10],
  ['diacritics', 10],
  ['telex', 5],
  ['vni', 5],
];
const ALIAS_SHARE = 0.05;

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

const COMMON: readonly string[] = COMMON_NAME_SYLLABLES;

/**
 * One slip in the longest syllable of a folded name: two neighbouring letters swapped, one
 * dropped, or one doubled. Slips that land on, or within one edit of, another common syllable are
 * not kept (undefined): "thanh" typed "thah" could as well be "thach", and no ranking can know
 * which was meant.
 */
export function withTypo(folded: string, rng: Rng): string | undefined {
  const parts = syllables(folded);
  let at = 0;
  parts.forEach((p, i) => {
    if (p.length > parts[at]!.length) at = i;
  });
  const word = parts[at]!;
  if (word.length < 3) return undefined;
  for (let attempt = 0; attempt < 12; attempt++) {
    const op = pick(rng, ['swap', 'drop', 'double'] as const);
    // Not the first letter: a wrong first letter counts as two typos in the engine, and people rarely make it.
    const i = 1 + Math.floor(rng() * (word.length - 1));
    let typo: string;
    if (op === 'swap') {
      const j = Math.min(i, word.length - 2);
      typo = word.slice(0, j) + word[j + 1] + word[j] + word.slice(j + 2);
    } else if (op === 'drop') typo = word.slice(0, i) + word.slice(i + 1);
    else typo = word.slice(0, i) + word[i] + word.slice(i);
    if (typo === word) continue;
    if (COMMON.some((c) => c !== word && withinOneEdit(c, typo))) continue;
    parts[at] = typo;
    return parts.join(' ');
  }
  return undefined;
}

function familyAndGiven(folded: string): string | undefined {
  const parts = syllables(folded);
  if (parts.length < 3) return undefined;
  return `${parts[0]} ${parts[parts.length - 1]}`;
}

type Built = { q: string; province?: string; year?: number; alias?: string };

/** The query of one kind for a record; undefined when the record lacks what the kind needs. */
function queryFor(kind: QueryKind, row: Row, rng: Rng): Built | undefined {
  const name = row.full_name.normalize('NFC').replace(/\s+/g, ' ').trim();
  const folded = fold(name);
  const provinces = [row.province, row.old_province].filter((p): p is string => Boolean(p));
  const years = [row.birth_year, row.death_year].filter((y): y is number => y !== null);
  const withProvince = (q: string): Built | undefined => (provinces.length && row.province ? { q: `${q} ${fold(pick(rng, provinces))}`, province: row.province } : undefined);
  switch (kind) {
    case 'folded':
      return { q: folded };
    case 'typo': {
      const q = withTypo(folded, rng);
      return q === undefined ? undefined : { q };
    }
    case 'family+given': {
      const q = familyAndGiven(folded);
      return q === undefined ? undefined : { q };
    }
    case 'name+province':
      return withProvince(folded);
    case 'name+year': {
      if (!years.length) return undefined;
      const year = pick(rng, years);
      return { q: `${folded} ${year}`, year };
    }
    case 'name+province+year': {
      if (!years.length) return undefined;
      const year = pick(rng, years);
      const built = withProvince(folded);
      return built ? { ...built, q: `${built.q} ${year}`, year } : undefined;
    }
    case 'alias': {
      const aliases = (row.aliases ?? []).filter((a) => a.trim());
      if (!aliases.length) return undefined;
      const alias = pick(rng, aliases).normalize('NFC').replace(/\s+/g, ' ').trim();
      return { q: rng() < 0.5 ? fold(alias) : alias, alias: fold(alias) };
    }
    case 'telex':
    case 'vni':
      return { q: encodeInputMethod(name, kind) };
    case 'diacritics':
      return { q: name };
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
  const add = (kind: QueryKind, row: Row, built: Built) =>
    queries.push({ q: built.q, suggest: typedPrefix(built.q, rng), kind, martyrId: Number(row.id), name: fold(row.full_name), ...(built.province ? { province: built.province } : {}), ...(built.year ? { year: built.year } : {}), ...(built.alias ? { alias: built.alias } : {}) });

  for (let i = 0; queries.length < count - aliasRows.length; i++) {
    const row = rows[i % rows.length]!;
    // A record that cannot give the kind drawn (no year, no typo that stays unambiguous) draws again.
    let kind = weighted(rng);
    let built = queryFor(kind, row, rng);
    for (let attempt = 0; built === undefined && attempt < 4; attempt++) {
      kind = weighted(rng);
      built = queryFor(kind, row, rng);
    }
    if (built === undefined) {
      kind = 'folded';
      built = queryFor(kind, row, rng)!;
    }
    add(kind, row, built);
  }
  for (const row of aliasRows) add('alias', row, queryFor('alias', row, rng)!);

  // Interleave the alias queries rather than leaving them all at the end of the list.
  const shuffled = queries.map((q, i) => ({ q, key: seedrandom.alea(`${seed}:${i}`)() })).sort((a, b) => a.key - b.key).map((x) => x.q);
  const byKind: Record<string, number> = {};
  for (const q of shuffled) byKind[q.kind] = (byKind[q.kind] ?? 0) + 1;
  return { seed, source, count: shuffled.length, byKind, queries: shuffled };
}
