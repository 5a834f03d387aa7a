/**
 * The provinces, old and new, held in memory: 63 + 34 rows of reference data that change only
 * with a migration. Resolves what people and URLs call a province, and finds province names
 * typed inside a search query.
 */
import type { Db } from '../db/knex.js';
import { foldVietnamese } from '../text/vietnamese.js';
import { listHistoricalProvinces, listOldProvinces, listProvinces, type OldProvince, type Province } from './places.queries.js';

export type ProvinceRef = { scope: 'current'; code: string } | { scope: 'old'; code: string };

export type ProvinceCatalogue = {
  current: Province[];
  old: OldProvince[];
  currentName(code: string): string | undefined;
  /** A current code ("44"), or the slug of a current or pre-2025 province ("quang-tri", "ha-giang"). */
  resolve(value: string): ProvinceRef | undefined;
  /** Folded province names (current, old, historical), longest first, for spotting them in a query. */
  placeNamesFolded: string[];
};

export async function loadProvinceCatalogue(db: Db): Promise<ProvinceCatalogue> {
  // One after the other: db may be a transaction (the search documents' builder), one connection.
  const current = await listProvinces(db);
  const old = await listOldProvinces(db);
  const historical = await listHistoricalProvinces(db);
  const byCode = new Map(current.map((p) => [p.code, p]));
  const currentBySlug = new Map(current.map((p) => [p.slug, p]));
  const oldBySlug = new Map(old.map((p) => [p.slug, p]));
  const names = new Set<string>();
  for (const p of [...current, ...old]) names.add(foldVietnamese(p.name));
  for (const h of historical) names.add(foldVietnamese(h.name).replace(/\s*-\s*/g, ' '));
  return {
    current,
    old,
    currentName: (code) => byCode.get(code)?.name,
    resolve(value) {
      const v = value.trim().toLowerCase();
      if (byCode.has(v)) return { scope: 'current', code: v };
      const c = currentBySlug.get(v);
      if (c) return { scope: 'current', code: c.code };
      const o = oldBySlug.get(v);
      if (o) return { scope: 'old', code: o.code };
      return undefined;
    },
    placeNamesFolded: [...names].filter((n) => n.length >= 4).sort((a, b) => b.length - a.length),
  };
}
