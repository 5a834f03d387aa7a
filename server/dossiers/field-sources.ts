/**
 * Where each field of a martyr record got its value, for the check page. THE ONE PLACE to switch to
 * issue 15's per-field provenance once it lands: today it reads the audit log (the newest change
 * that wrote the field: a staff edit, an accepted submission, a correction from the dossier) and
 * falls back to the record's `source` column (import, staff entry, submission) for fields never
 * changed since the record was made.
 */
import type { Knex } from '../db/knex.js';
import { martyrChanges } from './dossiers.queries.js';

export type FieldSource = {
  kind: 'import' | 'staff' | 'submission' | 'dossier' | 'demo';
  at: Date | null;
  actor: string | null;
  submissionId: number | null;
  detail: string | null;
};

/** Audit field names as the record's columns; the death date is three columns, shown as one. */
const FIELD_OF: Record<string, string> = { death_year: 'death_date', death_month: 'death_date', death_day: 'death_date', birth_month: 'birth_date', birth_day: 'birth_date', birth_year: 'birth_date' };

export async function fieldSources(db: Knex, martyrId: number, recordSource: string, fields: readonly string[]): Promise<Record<string, FieldSource>> {
  const changes = await martyrChanges(db, martyrId);
  const fallback: FieldSource = { kind: (['import', 'staff', 'submission'].includes(recordSource) ? recordSource : 'import') as FieldSource['kind'], at: null, actor: null, submissionId: null, detail: null };
  const out: Record<string, FieldSource> = {};
  for (const field of fields) {
    const change = changes.find((c) => Object.keys(c.after ?? {}).some((k) => k === field || FIELD_OF[k] === field || FIELD_OF[field] === k));
    out[field] = change
      ? {
          kind: change.action === 'martyr.corrected_from_dossier' ? 'dossier' : change.submission_id ? 'submission' : 'staff',
          at: change.at,
          actor: change.actor_name,
          submissionId: change.submission_id,
          detail: change.reason,
        }
      : fallback;
  }
  return out;
}
