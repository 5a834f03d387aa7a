/**
 * Provenance per field: where the current value of each field of a martyr or a grave came from
 * (an import batch with its file and row, a staff edit, an accepted submission). A field with no
 * row has the value the demo generator gave it. Every writer of martyr or grave fields records
 * here in its own transaction (imports, staff edits in upkeep, accepted submissions in review);
 * the staff record view, the record history and the dossier check read fieldSources().
 */
import { copyRows } from '../db/copy.js';
import type { Knex } from '../db/knex.js';

export type SourceKind = 'import' | 'staff' | 'submission' | 'demo';
export type ProvenanceEntity = 'martyr' | 'grave';

export type FieldSource = {
  field: string;
  sourceKind: SourceKind;
  importBatchId: number | null;
  fileName: string | null;
  rowNumber: number | null;
  originalValue: string | null;
  submissionId: number | null;
  changedAt: Date;
  changedBy: number | null;
  changedByName: string | null;
};

export type ProvenanceWrite = {
  entityType: ProvenanceEntity;
  entityId: number;
  field: string;
  sourceKind: Exclude<SourceKind, 'demo'>;
  importBatchId?: number | null;
  fileName?: string | null;
  rowNumber?: number | null;
  originalValue?: string | null;
  submissionId?: number | null;
  changedBy?: number | null;
};

/** Field names provenance uses for martyr columns: a partial date is one field, a hometown (text and codes) one. */
export function provenanceField(column: string): string {
  if (column.startsWith('birth_')) return 'birth_date';
  if (column.startsWith('death_')) return 'death_date';
  if (column.startsWith('hometown_')) return 'hometown';
  return column;
}

/** Where each field of one record came from, by field name; a field not listed is demo data. */
export async function fieldSources(db: Knex, entityType: ProvenanceEntity, entityId: number): Promise<FieldSource[]> {
  const { rows } = await db.raw<{ rows: Record<string, unknown>[] }>(
    `SELECT p.field, p.source_kind, p.import_batch_id, p.file_name, p.row_number, p.original_value, p.submission_id,
            p.changed_at, p.changed_by, u.display_name AS changed_by_name
     FROM field_provenance p LEFT JOIN users u ON u.id = p.changed_by
     WHERE p.entity_type = ? AND p.entity_id = ? ORDER BY p.field`,
    [entityType, entityId],
  );
  return rows.map((r) => ({
    field: String(r.field),
    sourceKind: r.source_kind as SourceKind,
    importBatchId: r.import_batch_id === null ? null : Number(r.import_batch_id),
    fileName: (r.file_name as string | null) ?? null,
    rowNumber: r.row_number === null ? null : Number(r.row_number),
    originalValue: (r.original_value as string | null) ?? null,
    submissionId: r.submission_id === null ? null : Number(r.submission_id),
    changedAt: r.changed_at as Date,
    changedBy: r.changed_by === null ? null : Number(r.changed_by),
    changedByName: (r.changed_by_name as string | null) ?? null,
  }));
}

/** The source kind of given fields of many records at once (what an import checks before overwriting). */
export async function sourceKindsOf(db: Knex, entityType: ProvenanceEntity, entityIds: number[]): Promise<Map<number, Map<string, { kind: SourceKind; batchId: number | null }>>> {
  const out = new Map<number, Map<string, { kind: SourceKind; batchId: number | null }>>();
  if (!entityIds.length) return out;
  const { rows } = await db.raw<{ rows: { entity_id: string; field: string; source_kind: SourceKind; import_batch_id: string | null }[] }>(
    'SELECT entity_id, field, source_kind, import_batch_id FROM field_provenance WHERE entity_type = ? AND entity_id = ANY(?::bigint[])',
    [entityType, entityIds],
  );
  for (const r of rows) {
    const id = Number(r.entity_id);
    const m = out.get(id) ?? new Map();
    m.set(r.field, { kind: r.source_kind, batchId: r.import_batch_id === null ? null : Number(r.import_batch_id) });
    out.set(id, m);
  }
  return out;
}

const PROVENANCE_COLUMNS = ['entity_type', 'entity_id', 'field', 'source_kind', 'import_batch_id', 'file_name', 'row_number', 'original_value', 'submission_id', 'changed_by'] as const;

/**
 * Records where fields' values now come from; one row per field, replaced by the latest writer.
 * An import writes a dozen rows per record, so the rows go as one array per column (unnest), not as
 * JSON to be parsed back into records: a tenth of the work per row on the database's side.
 */
export async function writeProvenance(db: Knex, writes: ProvenanceWrite[], options: { newRecords?: boolean } = {}): Promise<void> {
  // Records created in the caller's transaction have no provenance yet: no conflict to resolve, so
  // COPY, which takes a 100,000-row import's 1.2 million rows in a fifth of the time the arrays of
  // an INSERT took to be written, sent and read back (62 s on the 1,000,000-record set).
  if (options.newRecords) {
    await copyRows(db, 'field_provenance', PROVENANCE_COLUMNS, writes.map((w) => [
      w.entityType, w.entityId, w.field, w.sourceKind, w.importBatchId ?? null, w.fileName ?? null, w.rowNumber ?? null, w.originalValue ?? null, w.submissionId ?? null, w.changedBy ?? null,
    ]));
    return;
  }
  const replace = `ON CONFLICT (entity_type, entity_id, field) DO UPDATE SET
         source_kind = EXCLUDED.source_kind, import_batch_id = EXCLUDED.import_batch_id, file_name = EXCLUDED.file_name,
         row_number = EXCLUDED.row_number, original_value = EXCLUDED.original_value, submission_id = EXCLUDED.submission_id,
         changed_by = EXCLUDED.changed_by, changed_at = EXCLUDED.changed_at`;
  for (let i = 0; i < writes.length; i += 10_000) {
    const chunk = writes.slice(i, i + 10_000);
    await db.raw(
      `INSERT INTO field_provenance (entity_type, entity_id, field, source_kind, import_batch_id, file_name, row_number, original_value, submission_id, changed_by, changed_at)
       SELECT r.entity_type, r.entity_id, r.field, r.source_kind, r.import_batch_id, r.file_name, r.row_number, r.original_value, r.submission_id, r.changed_by, now()
       FROM unnest(?::text[], ?::bigint[], ?::text[], ?::text[], ?::bigint[], ?::text[], ?::integer[], ?::text[], ?::bigint[], ?::bigint[])
            AS r(entity_type, entity_id, field, source_kind, import_batch_id, file_name, row_number, original_value, submission_id, changed_by)
       ${replace}`,
      [
        chunk.map((w) => w.entityType), chunk.map((w) => w.entityId), chunk.map((w) => w.field), chunk.map((w) => w.sourceKind),
        chunk.map((w) => w.importBatchId ?? null), chunk.map((w) => w.fileName ?? null), chunk.map((w) => w.rowNumber ?? null),
        chunk.map((w) => w.originalValue ?? null), chunk.map((w) => w.submissionId ?? null), chunk.map((w) => w.changedBy ?? null),
      ] as unknown as Knex.Value[],
    );
  }
}

/** The same source for several fields of one record: what a staff edit or an accepted submission writes. */
export function provenanceFor(entityType: ProvenanceEntity, entityId: number, fields: string[], source: Omit<ProvenanceWrite, 'entityType' | 'entityId' | 'field'>): ProvenanceWrite[] {
  return fields.map((field) => ({ entityType, entityId, field, ...source }));
}
