/** Field provenance as the staff pages show it: one line per field saying where its value came from. */
import { translate, type Locale } from '../i18n/messages.js';
import { localDateTime } from '../views/local-time.js';
import type { FieldSource } from './provenance.queries.js';

export function provenanceView(locale: Locale, sources: FieldSource[]) {
  return {
    empty: sources.length === 0,
    rows: sources.map((s) => ({
      field: s.field,
      kind: s.sourceKind,
      source:
        s.sourceKind === 'import' ? translate(locale, 'provenance.import', { file: s.fileName ?? '', row: s.rowNumber ?? '', batch: s.importBatchId ?? '' })
        : s.sourceKind === 'staff' ? translate(locale, 'provenance.staff', { name: s.changedByName ?? '—' })
        : s.sourceKind === 'submission' ? translate(locale, 'provenance.submission', { submission: s.submissionId ?? '' })
        : translate(locale, 'provenance.demo'),
      batchUrl: s.importBatchId ? `/quan-ly/nhap-du-lieu/${s.importBatchId}` : null,
      original: s.originalValue ? translate(locale, 'provenance.original', { value: s.originalValue }) : null,
      when: localDateTime(s.changedAt),
    })),
  };
}
