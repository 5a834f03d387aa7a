/**
 * Where each field of a martyr record got its value, for the check page: the record's per-field
 * provenance (issue 15: an import batch with its file and row, a staff edit, an accepted
 * submission; no row means demo data), told apart where a staff change was a correction from the
 * dossier itself (the audit log says which). A field with no row shows the record's own source.
 */
import type { Knex } from '../db/knex.js';
import { fieldSources as provenanceOf, provenanceField } from '../provenance/provenance.queries.js';
import { martyrChanges } from './dossiers.queries.js';

export type FieldSource = {
  kind: 'import' | 'staff' | 'submission' | 'dossier' | 'demo';
  at: Date | null;
  actor: string | null;
  submissionId: number | null;
  detail: string | null;
};

/** `recordSource` is the record's own `source` column: what a field with no provenance row shows (demo data when it says nothing more). */
export async function fieldSources(db: Knex, martyrId: number, recordSource: string, fields: readonly string[]): Promise<Record<string, FieldSource>> {
  const [sources, changes] = await Promise.all([provenanceOf(db, 'martyr', martyrId), martyrChanges(db, martyrId)]);
  const byField = new Map(sources.map((s) => [s.field, s]));
  const out: Record<string, FieldSource> = {};
  for (const field of fields) {
    const p = byField.get(provenanceField(field));
    if (!p) {
      const kind = (['import', 'staff', 'submission'] as const).find((k) => k === recordSource) ?? 'demo';
      out[field] = { kind, at: null, actor: null, submissionId: null, detail: null };
      continue;
    }
    const fromDossier = p.sourceKind === 'staff' && changes.some((c) => c.action === 'martyr.corrected_from_dossier' && c.at.getTime() >= p.changedAt.getTime() - 1000
      && Object.keys(c.after ?? {}).some((k) => provenanceField(k) === provenanceField(field)));
    out[field] = {
      kind: fromDossier ? 'dossier' : p.sourceKind,
      at: p.changedAt,
      actor: p.changedByName,
      submissionId: p.submissionId,
      detail: p.sourceKind === 'import' && p.fileName ? `${p.fileName}${p.rowNumber ? `, dòng ${p.rowNumber}` : ''}` : null,
    };
  }
  return out;
}
