/**
 * Relevance by kind of query, from search answers to the benchmark's queries (queries.ts): how
 * often the first hit has the right name (the record's name once diacritics and case are folded;
 * for an alias query, the alias typed among the hit's names),
 * and how often the record itself, or one identical in every typed field (name, province, year),
 * is in the top 3 and on the first page. Shared by bench:search and bench:relevance.
 */
import { foldVietnamese } from '../../server/text/vietnamese.js';
import type { BenchQuery } from './queries.js';

export type AnswerHit = { kind: string; id: number; fullName: string | null; knownName: string | null; aliases?: string[]; hometownProvince: string | null; birthDate: string | null; deathDate: string | null };
export type Answer = { hits: AnswerHit[]; ambiguous?: boolean };

export type KindRelevance = {
  n: number;
  /** The first hit has the record's name. */
  firstHitRightName: number;
  /** The record itself, or one identical in every typed field, among the first three. */
  recordTop3: number;
  /** ... on the first page. */
  recordFirstPage: number;
  /** A hit with the record's full name on the first page (what family + given name is judged by). */
  fullNameFirstPage: number;
  /** Answers that said the name alone is ambiguous. */
  ambiguous: number;
  /** No answer at all (an error), counted as misses. */
  failed: number;
};

/** A query whose first hit did not have the right name: what was typed, meant, and came first. */
export type Miss = { kind: string; q: string; name: string; first: string | null };

export type RelevanceReport = { byKind: Record<string, KindRelevance>; all: KindRelevance; misses: Miss[] };

const fold = (value: string | null) => (value ? foldVietnamese(value.normalize('NFC')).replace(/\s+/g, ' ').trim() : '');

const nameOf = (hit: AnswerHit) => fold(hit.fullName ?? hit.knownName);
/** The right name: the record's full name; for an alias query, the alias typed among the hit's names. */
const rightName = (hit: AnswerHit, query: BenchQuery) => (query.alias ? [hit.fullName, ...(hit.aliases ?? [])].some((n) => fold(n) === query.alias) : nameOf(hit) === query.name);

function identical(hit: AnswerHit, query: BenchQuery): boolean {
  if (hit.kind === 'martyr' && hit.id === query.martyrId) return true;
  if (!rightName(hit, query)) return false;
  if (query.province && hit.hometownProvince !== query.province) return false;
  if (query.year && !`${hit.birthDate ?? ''} ${hit.deathDate ?? ''}`.includes(String(query.year))) return false;
  return true;
}

const empty = (): KindRelevance => ({ n: 0, firstHitRightName: 0, recordTop3: 0, recordFirstPage: 0, fullNameFirstPage: 0, ambiguous: 0, failed: 0 });

export function relevanceReport(queries: readonly BenchQuery[], answers: ReadonlyArray<Answer | undefined>): RelevanceReport {
  const byKind: Record<string, KindRelevance> = {};
  const all = empty();
  const misses: Miss[] = [];
  queries.forEach((query, i) => {
    const k = (byKind[query.kind] ??= empty());
    for (const r of [k, all]) r.n += 1;
    const answer = answers[i];
    if (!answer) {
      for (const r of [k, all]) r.failed += 1;
      return;
    }
    const hits = answer.hits;
    const add = (field: keyof KindRelevance, yes: boolean) => {
      if (yes) for (const r of [k, all]) r[field] += 1;
    };
    const right = hits[0] !== undefined && rightName(hits[0], query);
    add('firstHitRightName', right);
    if (!right) misses.push({ kind: query.kind, q: query.q, name: query.name, first: hits[0] ? nameOf(hits[0]) : null });
    add('recordTop3', hits.slice(0, 3).some((h) => identical(h, query)));
    add('recordFirstPage', hits.some((h) => identical(h, query)));
    add('fullNameFirstPage', hits.some((h) => rightName(h, query)));
    add('ambiguous', answer.ambiguous === true);
  });
  return { byKind, all, misses };
}

const pct = (part: number, whole: number) => (whole ? `${((100 * part) / whole).toFixed(1)}%` : '–');

/** The report as a table, one row per kind. */
export function relevanceTable(report: RelevanceReport): string[] {
  const header = ['kind', 'n', 'first hit right name', 'record in top 3', 'record on page 1', 'full name on page 1', 'ambiguous'];
  const rows = [...Object.entries(report.byKind).sort(([a], [b]) => a.localeCompare(b)), ['all', report.all] as const].map(([kind, r]) => [
    kind,
    String(r.n),
    pct(r.firstHitRightName, r.n),
    pct(r.recordTop3, r.n),
    pct(r.recordFirstPage, r.n),
    pct(r.fullNameFirstPage, r.n),
    pct(r.ambiguous, r.n),
  ]);
  const table = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  return table.map((row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '));
}

/** The share of a field as a fraction, for the JSON results. */
export function shares(report: RelevanceReport): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const [kind, r] of [...Object.entries(report.byKind), ['all', report.all] as const]) {
    out[kind] = {
      n: r.n,
      firstHitRightName: r.n ? Math.round((1000 * r.firstHitRightName) / r.n) / 1000 : 0,
      recordTop3: r.n ? Math.round((1000 * r.recordTop3) / r.n) / 1000 : 0,
      recordFirstPage: r.n ? Math.round((1000 * r.recordFirstPage) / r.n) / 1000 : 0,
      fullNameFirstPage: r.n ? Math.round((1000 * r.fullNameFirstPage) / r.n) / 1000 : 0,
      ambiguous: r.n ? Math.round((1000 * r.ambiguous) / r.n) / 1000 : 0,
      failed: r.failed,
    };
  }
  return out;
}

/** "engine;dur=12.3;desc=\"2 calls\"" (the API's Server-Timing) → 2; undefined when the header does not say. */
export function engineCalls(serverTiming: string | undefined): number | undefined {
  const match = serverTiming ? /engine;[^,]*desc="(\d+)/.exec(serverTiming) : null;
  return match ? Number(match[1]) : undefined;
}
