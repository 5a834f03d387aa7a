/**
 * Every SQL statement of the dossiers: documents, pages and their OCR state, contradiction flags,
 * who opened what, commune delegation, and what the staff index is fed. Reads go through the
 * scope's dossier level (accounts/scope.ts): a document the scope may not read is never returned.
 */
import type { Knex } from '../db/knex.js';
import { dossierLevel, graveDossierLevel, type Scope } from '../accounts/scope.js';
import type { Contradiction } from './contradictions.js';
import type { OcrResult, OcrWord } from './ocr.js';

export type Classification = 'internal' | 'restricted';
/** Level 2 reads every document, 1 internal ones only. */
export const classificationsFor = (level: number): Classification[] => (level >= 2 ? ['internal', 'restricted'] : level === 1 ? ['internal'] : []);

export type DossierMartyr = {
  id: number; full_name: string; aliases: string[]; gender: string | null;
  birth_year: number | null; birth_month: number | null; birth_day: number | null;
  death_year: number | null; death_month: number | null; death_day: number | null;
  hometown_text: string | null; place_of_death: string | null; unit: string | null; rank: string | null; position: string | null;
  certificate_number: string | null; certificate_date: string | null; is_public: boolean; source: string;
  grave_id: number | null; cemetery_id: number | null; cemetery_name: string | null; hometown_province_code: string | null;
  hometown_old_commune_code: string | null; hometown_commune_code: string | null; level: number;
};

const MARTYR_COLUMNS = `m.id::int, m.full_name, m.aliases, m.gender, m.birth_year, m.birth_month, m.birth_day, m.death_year, m.death_month, m.death_day,
  m.hometown_text, m.place_of_death, m.unit, m.rank, m.position, m.certificate_number, to_char(m.certificate_date, 'YYYY-MM-DD') AS certificate_date,
  m.is_public, m.source, m.grave_id::int, c.id::int AS cemetery_id, c.name AS cemetery_name, m.hometown_province_code,
  m.hometown_old_commune_code, m.hometown_commune_code`;

/** The martyr with the scope's dossier level; undefined when unknown or level 0 (both a 404). */
export async function dossierMartyr(db: Knex, scope: Scope, martyrId: number): Promise<DossierMartyr | undefined> {
  const level = dossierLevel(scope);
  const { rows } = await db.raw<{ rows: DossierMartyr[] }>(
    `SELECT ${MARTYR_COLUMNS}, ${level.sql} AS level
     FROM martyrs m LEFT JOIN graves g ON g.id = m.grave_id LEFT JOIN cemeteries c ON c.id = g.cemetery_id
     WHERE m.id = ?`,
    [...level.bindings, martyrId],
  );
  const row = rows[0];
  return row && row.level > 0 ? row : undefined;
}

export type DocumentRow = {
  id: number; martyr_id: number | null; grave_id: number | null; kind: string; classification: Classification;
  issued_year: number | null; issued_month: number | null; issued_day: number | null; issuing_body: string | null; document_number: string | null;
  file_name: string; media_type: string; content_hash: string; original_key: string; bytes: number; page_count: number;
  state: 'rendering' | 'ready' | 'failed'; render_error: string | null; render_attempts: number; created_at: Date; uploaded_by_name: string | null;
};

const DOCUMENT_COLUMNS = `d.id::int, d.martyr_id::int, d.grave_id::int, d.kind, d.classification, d.issued_year, d.issued_month, d.issued_day,
  d.issuing_body, d.document_number, d.file_name, d.media_type, d.content_hash, d.original_key, d.bytes, d.page_count, d.state, d.render_error,
  d.render_attempts, d.created_at`;

/** The documents of a martyr's dossier: on the record, and on the grave where they lie. */
export async function documentsOf(db: Knex, martyr: Pick<DossierMartyr, 'id' | 'grave_id' | 'level'>): Promise<DocumentRow[]> {
  const { rows } = await db.raw<{ rows: DocumentRow[] }>(
    `SELECT ${DOCUMENT_COLUMNS}, u.display_name AS uploaded_by_name
     FROM dossier_documents d LEFT JOIN users u ON u.id = d.uploaded_by
     WHERE (d.martyr_id = ? OR (d.grave_id IS NOT NULL AND d.grave_id = ?)) AND d.classification = ANY(?)
     ORDER BY d.kind = 'death_notice' DESC, d.kind = 'certificate' DESC, d.id`,
    [martyr.id, martyr.grave_id, classificationsFor(martyr.level)],
  );
  return rows;
}

export type PageRow = {
  id: number; document_id: number; page_number: number; width: number; height: number; full_key: string; page_key: string; thumb_key: string;
  ocr_state: 'pending' | 'running' | 'retrying' | 'done' | 'parked'; ocr_attempts: number; ocr_error: string | null; ocr_text: string | null;
  ocr_words: OcrWord[] | null; ocr_confidence: number | null; writing: 'printed' | 'handwritten' | null; writing_set_by: 'ocr' | 'staff' | null;
};

const PAGE_COLUMNS = `p.id::int, p.document_id::int, p.page_number, p.width, p.height, p.full_key, p.page_key, p.thumb_key, p.ocr_state, p.ocr_attempts,
  p.ocr_error, p.ocr_text, p.ocr_words, p.ocr_confidence, p.writing, p.writing_set_by`;

export async function pagesOf(db: Knex, documentIds: number[], withWords = true): Promise<PageRow[]> {
  if (!documentIds.length) return [];
  const columns = withWords ? PAGE_COLUMNS : PAGE_COLUMNS.replace('p.ocr_text, p.ocr_words', 'NULL AS ocr_text, NULL AS ocr_words');
  const { rows } = await db.raw<{ rows: PageRow[] }>(`SELECT ${columns} FROM dossier_pages p WHERE p.document_id = ANY(?) ORDER BY p.document_id, p.page_number`, [documentIds]);
  return rows;
}

/**
 * A document with the scope's level over it: through its martyr, or through the grave (its
 * cemetery, and every martyr lying in it). Undefined when unknown or not readable at this level.
 */
export async function readableDocument(db: Knex, scope: Scope, documentId: number): Promise<(DocumentRow & { level: number }) | undefined> {
  const m = dossierLevel(scope);
  const g = graveDossierLevel(scope);
  const { rows } = await db.raw<{ rows: (DocumentRow & { level: number })[] }>(
    `SELECT ${DOCUMENT_COLUMNS}, NULL AS uploaded_by_name, GREATEST(
        COALESCE((SELECT max(${m.sql}) FROM martyrs m LEFT JOIN graves g ON g.id = m.grave_id LEFT JOIN cemeteries c ON c.id = g.cemetery_id
                  WHERE m.id = d.martyr_id OR (d.grave_id IS NOT NULL AND m.grave_id = d.grave_id)), 0),
        COALESCE((SELECT ${g.sql} FROM graves g JOIN cemeteries c ON c.id = g.cemetery_id WHERE g.id = d.grave_id), 0)) AS level
     FROM dossier_documents d WHERE d.id = ?`,
    [...m.bindings, ...g.bindings, documentId],
  );
  const row = rows[0];
  if (!row || !classificationsFor(row.level).includes(row.classification)) return undefined;
  return row;
}

export async function pageById(db: Knex, pageId: number): Promise<PageRow | undefined> {
  const { rows } = await db.raw<{ rows: PageRow[] }>(`SELECT ${PAGE_COLUMNS} FROM dossier_pages p WHERE p.id = ?`, [pageId]);
  return rows[0];
}

export type NewDocument = {
  martyr_id: number | null; grave_id: number | null; kind: string; classification: Classification;
  issued_year: number | null; issued_month: number | null; issued_day: number | null; issuing_body: string | null; document_number: string | null;
  file_name: string; media_type: string; content_hash: string; original_key: string; bytes: number; page_count: number; uploaded_by: number;
};

/** Inserts the document; the same bytes already on this record give back the one there (`created` false). */
export async function insertDocument(trx: Knex, doc: NewDocument): Promise<{ id: number; created: boolean }> {
  const { rows } = await trx.raw<{ rows: { id: number }[] }>(
    `INSERT INTO dossier_documents (martyr_id, grave_id, kind, classification, issued_year, issued_month, issued_day, issuing_body, document_number,
       file_name, media_type, content_hash, original_key, bytes, page_count, uploaded_by)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id::int`,
    [doc.martyr_id, doc.grave_id, doc.kind, doc.classification, doc.issued_year, doc.issued_month, doc.issued_day, doc.issuing_body, doc.document_number,
      doc.file_name, doc.media_type, doc.content_hash, doc.original_key, doc.bytes, doc.page_count, doc.uploaded_by],
  );
  if (rows[0]) return { id: rows[0].id, created: true };
  const existing = await trx('dossier_documents').where({ martyr_id: doc.martyr_id, grave_id: doc.grave_id, content_hash: doc.content_hash }).first('id');
  return { id: Number(existing!.id), created: false };
}

/** The document for the render job, counting the attempt first (a kill -9 mid-render counts too). */
export async function claimRender(db: Knex, documentId: number): Promise<(DocumentRow & { render_attempts: number }) | undefined> {
  const { rows } = await db.raw<{ rows: DocumentRow[] }>(
    `UPDATE dossier_documents d SET render_attempts = render_attempts + 1, updated_at = now() WHERE id = ? AND state = 'rendering'
     RETURNING ${DOCUMENT_COLUMNS}, NULL AS uploaded_by_name`,
    [documentId],
  );
  return rows[0];
}

export type NewPage = { document_id: number; page_number: number; width: number; height: number; full_key: string; page_key: string; thumb_key: string };

/** Pages not there yet are added; returns the ids of those added (a second render adds none). */
export async function insertPages(trx: Knex, pages: NewPage[]): Promise<number[]> {
  if (!pages.length) return [];
  const rows: { id: number }[] = await trx('dossier_pages').insert(pages).onConflict(['document_id', 'page_number']).ignore().returning(trx.raw('id::int') as never);
  return rows.map((r) => Number(r.id));
}

export async function setDocumentState(trx: Knex, documentId: number, state: 'ready' | 'failed' | 'rendering', error: string | null = null): Promise<void> {
  await trx('dossier_documents').where({ id: documentId }).update({ state, render_error: error, updated_at: trx.fn.now() });
}

/** The page for the OCR job, its attempt counted and its state 'running'; undefined when done or parked. */
export async function claimPage(db: Knex, pageId: number): Promise<(PageRow & { kind: string }) | undefined> {
  const { rows } = await db.raw<{ rows: (PageRow & { kind: string })[] }>(
    `UPDATE dossier_pages p SET ocr_state = 'running', ocr_attempts = ocr_attempts + 1
     FROM dossier_documents d WHERE p.id = ? AND d.id = p.document_id AND p.ocr_state IN ('pending', 'running', 'retrying')
     RETURNING ${PAGE_COLUMNS}, d.kind`,
    [pageId],
  );
  return rows[0];
}

/** The OCR text of the page: written over whatever an earlier, cut-off attempt left, never added to it. */
export async function savePageText(trx: Knex, pageId: number, result: OcrResult, writing: 'printed' | 'handwritten'): Promise<void> {
  await trx.raw(
    `UPDATE dossier_pages SET ocr_state = 'done', ocr_error = NULL, ocr_text = ?, ocr_words = ?::jsonb, ocr_confidence = ?, ocr_at = now(),
       writing = CASE WHEN writing_set_by = 'staff' THEN writing ELSE ? END,
       writing_set_by = CASE WHEN writing_set_by = 'staff' THEN writing_set_by ELSE 'ocr' END,
       changed_at = now()
     WHERE id = ?`,
    [result.text, JSON.stringify(result.words), result.confidence, writing, pageId],
  );
}

export async function setPageFailure(db: Knex, pageId: number, state: 'retrying' | 'parked', error: string): Promise<void> {
  await db('dossier_pages').where({ id: pageId }).update({ ocr_state: state, ocr_error: error.slice(0, 2000) });
}

export async function resetPage(trx: Knex, pageId: number): Promise<void> {
  await trx('dossier_pages').where({ id: pageId }).update({ ocr_state: 'pending', ocr_attempts: 0, ocr_error: null });
}

export async function setPageWriting(trx: Knex, pageId: number, writing: 'printed' | 'handwritten'): Promise<void> {
  await trx('dossier_pages').where({ id: pageId }).update({ writing, writing_set_by: 'staff', changed_at: trx.fn.now() });
}

/** Martyrs a document is about: its own, or those lying in its grave. */
export async function martyrsOfDocument(db: Knex, documentId: number): Promise<number[]> {
  const { rows } = await db.raw<{ rows: { id: number }[] }>(
    `SELECT m.id::int FROM dossier_documents d JOIN martyrs m ON m.id = d.martyr_id OR (d.grave_id IS NOT NULL AND m.grave_id = d.grave_id) WHERE d.id = ?`,
    [documentId],
  );
  return rows.map((r) => r.id);
}

export async function martyrFields(db: Knex, martyrId: number): Promise<DossierMartyr | undefined> {
  const { rows } = await db.raw<{ rows: DossierMartyr[] }>(
    `SELECT ${MARTYR_COLUMNS}, 2 AS level FROM martyrs m LEFT JOIN graves g ON g.id = m.grave_id LEFT JOIN cemeteries c ON c.id = g.cemetery_id WHERE m.id = ?`,
    [martyrId],
  );
  return rows[0];
}

/**
 * The page's flags for this martyr become these: a flag still found keeps its state (checked stays
 * checked while the page says the same), one no longer found goes, a new one is open.
 */
export async function replacePageFlags(trx: Knex, pageId: number, martyrId: number, found: Contradiction[]): Promise<void> {
  const fields = found.map((f) => f.field);
  await trx.raw(`DELETE FROM dossier_flags WHERE page_id = ? AND martyr_id = ? AND state = 'open' AND NOT (field = ANY(?))`, [pageId, martyrId, fields]);
  for (const f of found) {
    await trx.raw(
      `INSERT INTO dossier_flags (martyr_id, page_id, field, record_value, document_value, evidence, word_indexes, confidence)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (page_id, field) DO UPDATE SET record_value = EXCLUDED.record_value, evidence = EXCLUDED.evidence,
         word_indexes = EXCLUDED.word_indexes, confidence = EXCLUDED.confidence,
         state = CASE WHEN dossier_flags.document_value = EXCLUDED.document_value AND dossier_flags.state = 'checked' THEN 'checked' ELSE 'open' END,
         document_value = EXCLUDED.document_value`,
      [martyrId, pageId, f.field, f.recordValue, f.documentValue, f.evidence, f.wordIndexes, f.confidence],
    );
  }
}

/** Flags of a page that is no longer printed (marked handwritten) feed no check. */
export async function dropOpenFlagsOfPage(trx: Knex, pageId: number): Promise<void> {
  await trx('dossier_flags').where({ page_id: pageId, state: 'open' }).del();
}

export type FlagRow = {
  id: number; martyr_id: number; page_id: number; field: string; record_value: string | null; document_value: string; evidence: string;
  word_indexes: number[]; confidence: number | null; state: 'open' | 'checked' | 'corrected'; resolved_at: Date | null; resolved_by_name: string | null;
  document_id: number; page_number: number; classification: Classification;
};

export async function flagsOf(db: Knex, martyrId: number, classifications: Classification[]): Promise<FlagRow[]> {
  const { rows } = await db.raw<{ rows: FlagRow[] }>(
    `SELECT f.id::int, f.martyr_id::int, f.page_id::int, f.field, f.record_value, f.document_value, f.evidence, f.word_indexes, f.confidence, f.state,
            f.resolved_at, u.display_name AS resolved_by_name, p.document_id::int, p.page_number, d.classification
     FROM dossier_flags f JOIN dossier_pages p ON p.id = f.page_id JOIN dossier_documents d ON d.id = p.document_id LEFT JOIN users u ON u.id = f.resolved_by
     WHERE f.martyr_id = ? AND d.classification = ANY(?) ORDER BY f.state = 'open' DESC, f.id`,
    [martyrId, classifications],
  );
  return rows;
}

export async function flagById(db: Knex, flagId: number): Promise<FlagRow | undefined> {
  const { rows } = await db.raw<{ rows: FlagRow[] }>(
    `SELECT f.id::int, f.martyr_id::int, f.page_id::int, f.field, f.record_value, f.document_value, f.evidence, f.word_indexes, f.confidence, f.state,
            f.resolved_at, NULL AS resolved_by_name, p.document_id::int, p.page_number, d.classification
     FROM dossier_flags f JOIN dossier_pages p ON p.id = f.page_id JOIN dossier_documents d ON d.id = p.document_id WHERE f.id = ?`,
    [flagId],
  );
  return rows[0];
}

export async function resolveFlags(trx: Knex, where: { id?: number; martyrId?: number; field?: string }, state: 'checked' | 'corrected', userId: number): Promise<void> {
  const q = trx('dossier_flags').where({ state: 'open' });
  if (where.id) q.andWhere({ id: where.id });
  if (where.martyrId) q.andWhere({ martyr_id: where.martyrId });
  if (where.field) q.andWhere({ field: where.field });
  await q.update({ state, resolved_by: userId, resolved_at: trx.fn.now() });
}

/** Whether this is the session's first look at the dossier (then it is audited). */
export async function firstViewInSession(trx: Knex, sessionHash: string, martyrId: number): Promise<boolean> {
  const { rows } = await trx.raw<{ rows: unknown[] }>(
    `INSERT INTO dossier_views (session_hash, martyr_id) VALUES (?, ?) ON CONFLICT DO NOTHING RETURNING 1`,
    [sessionHash, martyrId],
  );
  return rows.length > 0;
}

export type OpenRow = { at: Date; action: string; actor_name: string | null; actor_email: string | null; document_id: number | null };

/** Who opened, downloaded or exported the dossier, newest first. */
export async function dossierAccessLog(db: Knex, martyrId: number, limit = 50): Promise<OpenRow[]> {
  const { rows } = await db.raw<{ rows: OpenRow[] }>(
    `SELECT a.at, a.action, u.display_name AS actor_name, u.email AS actor_email, (a.after->>'documentId')::int AS document_id
     FROM audit_log a LEFT JOIN users u ON u.id = a.actor_user_id
     WHERE a.entity_type = 'martyr' AND a.entity_id = ? AND a.action IN ('dossier.opened', 'dossier.downloaded', 'dossier.exported')
     ORDER BY a.id DESC LIMIT ?`,
    [martyrId, limit],
  );
  return rows;
}

export type FieldSourceRow = { at: Date; action: string; after: Record<string, unknown> | null; submission_id: number | null; reason: string | null; actor_name: string | null };

/** The martyr's corrections from its dossier, newest first: which staff changes fieldSources shows as the dossier's. */
export async function martyrChanges(db: Knex, martyrId: number): Promise<FieldSourceRow[]> {
  const { rows } = await db.raw<{ rows: FieldSourceRow[] }>(
    `SELECT a.at, a.action, a.after, a.submission_id::int, a.reason, u.display_name AS actor_name
     FROM audit_log a LEFT JOIN users u ON u.id = a.actor_user_id
     WHERE a.entity_type = 'martyr' AND a.entity_id = ? AND a.action = 'martyr.corrected_from_dossier'
     ORDER BY a.id DESC LIMIT 500`,
    [martyrId],
  );
  return rows;
}

export async function updateMartyr(trx: Knex, martyrId: number, values: Record<string, unknown>): Promise<void> {
  await trx('martyrs').where({ id: martyrId }).update({ ...values, updated_at: trx.fn.now() });
  // Search shows the record: the change goes to the search outbox in the same transaction.
  await trx('search_outbox').insert({ entity_type: 'martyr', entity_id: martyrId });
  // The staff index carries the martyr's name and jurisdiction on every page of the dossier.
  await touchPagesOfMartyr(trx, martyrId);
}

export async function lockMartyr(trx: Knex, martyrId: number): Promise<void> {
  await trx.raw('SELECT 1 FROM martyrs WHERE id = ? FOR UPDATE', [martyrId]);
}

// --- The staff index ---------------------------------------------------------------------------

export type IndexedPage = {
  id: number; document_id: number; page_number: number; kind: string; classification: Classification; ocr_text: string | null; writing: string | null;
  ocr_confidence: number | null; martyr_ids: number[]; names: string[]; province_codes: string[]; cemetery_ids: number[]; commune_codes: string[];
  issued_year: number | null; changed_at: Date;
};

/** Pages whose index document is missing or older than the page. */
export async function pagesToIndex(db: Knex, limit: number): Promise<number[]> {
  const { rows } = await db.raw<{ rows: { id: number }[] }>(
    `SELECT id::int FROM dossier_pages WHERE (indexed_at IS NULL OR indexed_at < changed_at) AND ocr_state = 'done' ORDER BY id LIMIT ?`,
    [limit],
  );
  return rows.map((r) => r.id);
}

/**
 * What the staff index holds of each page, with the jurisdiction it is filtered by: the current
 * provinces of the martyrs' hometowns and of the grave's cemetery, the cemetery, and the 2025
 * communes a commune officer reaches it through (a whole old commune, the new commune written, or
 * a confirmation).
 */
export async function pagesForIndex(db: Knex, pageIds: number[]): Promise<IndexedPage[]> {
  const { rows } = await db.raw<{ rows: IndexedPage[] }>(
    `SELECT p.id::int, p.document_id::int, p.page_number, d.kind, d.classification, p.ocr_text, p.writing, p.ocr_confidence, d.issued_year, p.changed_at,
       COALESCE(array_agg(DISTINCT m.id::int) FILTER (WHERE m.id IS NOT NULL), '{}') AS martyr_ids,
       COALESCE(array_agg(DISTINCT m.full_name) FILTER (WHERE m.id IS NOT NULL), '{}') AS names,
       COALESCE(array_remove(array_agg(DISTINCT m.hometown_province_code) || array_agg(DISTINCT c.province_code) || array_agg(DISTINCT gc.province_code), NULL), '{}') AS province_codes,
       COALESCE(array_remove(array_agg(DISTINCT c.id::int) || array_agg(DISTINCT gc.id::int), NULL), '{}') AS cemetery_ids,
       COALESCE((SELECT array_agg(DISTINCT x.code) FROM (
          SELECT cm.new_commune_code AS code FROM martyrs m2 JOIN commune_mapping cm ON cm.old_code = m2.hometown_old_commune_code AND cm.old_level = 'ward' AND cm.merge_type = 'full'
            WHERE m2.id = ANY(array_agg(m.id))
          UNION SELECT m2.hometown_commune_code FROM martyrs m2 WHERE m2.id = ANY(array_agg(m.id)) AND m2.hometown_old_commune_code IS NULL AND m2.hometown_commune_code IS NOT NULL
          UNION SELECT cc.commune_code FROM dossier_commune_confirmations cc WHERE cc.martyr_id = ANY(array_agg(m.id))) x), '{}') AS commune_codes
     FROM dossier_pages p JOIN dossier_documents d ON d.id = p.document_id
     LEFT JOIN graves dg ON dg.id = d.grave_id LEFT JOIN cemeteries gc ON gc.id = dg.cemetery_id
     LEFT JOIN martyrs m ON m.id = d.martyr_id OR (d.grave_id IS NOT NULL AND m.grave_id = d.grave_id)
     LEFT JOIN graves g ON g.id = m.grave_id LEFT JOIN cemeteries c ON c.id = g.cemetery_id
     WHERE p.id = ANY(?)
     GROUP BY p.id, d.id`,
    [pageIds],
  );
  return rows;
}

/** Every page to be written to the staff index again (it was created empty). */
export async function markAllUnindexed(db: Knex): Promise<void> {
  await db('dossier_pages').whereNotNull('indexed_at').update({ indexed_at: null });
}

export async function markIndexed(db: Knex, pages: { id: number; changed_at: Date }[]): Promise<void> {
  for (const p of pages) await db('dossier_pages').where({ id: p.id }).update({ indexed_at: p.changed_at });
}

/** Marks the pages of a martyr's dossier for re-indexing (after a confirmation or a correction). */
export async function touchPagesOfMartyr(trx: Knex, martyrId: number): Promise<void> {
  await trx.raw(
    `UPDATE dossier_pages p SET changed_at = now() FROM dossier_documents d
     WHERE d.id = p.document_id AND (d.martyr_id = ? OR d.grave_id = (SELECT grave_id FROM martyrs WHERE id = ?))`,
    [martyrId, martyrId],
  );
}

/** Which of these pages the scope may read (the second check after the index's own filter). */
export async function readablePages(db: Knex, scope: Scope, pageIds: number[]): Promise<Map<number, PageRow & { martyr_id: number | null; kind: string }>> {
  if (!pageIds.length) return new Map();
  const m = dossierLevel(scope);
  const g = graveDossierLevel(scope);
  const { rows } = await db.raw<{ rows: (PageRow & { martyr_id: number | null; kind: string; level: number; classification: Classification })[] }>(
    `SELECT ${PAGE_COLUMNS}, d.kind, d.classification,
       (SELECT min(m.id)::int FROM martyrs m WHERE m.id = d.martyr_id OR (d.grave_id IS NOT NULL AND m.grave_id = d.grave_id)) AS martyr_id,
       GREATEST(
        COALESCE((SELECT max(${m.sql}) FROM martyrs m LEFT JOIN graves g ON g.id = m.grave_id LEFT JOIN cemeteries c ON c.id = g.cemetery_id
                  WHERE m.id = d.martyr_id OR (d.grave_id IS NOT NULL AND m.grave_id = d.grave_id)), 0),
        COALESCE((SELECT ${g.sql} FROM graves g JOIN cemeteries c ON c.id = g.cemetery_id WHERE g.id = d.grave_id), 0)) AS level
     FROM dossier_pages p JOIN dossier_documents d ON d.id = p.document_id WHERE p.id = ANY(?)`,
    [...m.bindings, ...g.bindings, pageIds],
  );
  return new Map(rows.filter((r) => classificationsFor(r.level).includes(r.classification)).map((r) => [r.id, r]));
}

// --- Delegation to communes ------------------------------------------------------------------------

export async function communeOf(db: Knex, code: string): Promise<{ code: string; name: string; province_code: string } | undefined> {
  return db('communes').where({ code }).first('code', 'full_name as name', 'province_code');
}

export async function communesOfProvinces(db: Knex, provinceCodes: string[]): Promise<{ code: string; name: string; province_code: string }[]> {
  return db('communes').whereIn('province_code', provinceCodes).orderBy('full_name').select('code', 'full_name as name', 'province_code');
}

export type CommuneOfficerRow = { user_id: number; display_name: string; email: string; commune_code: string; commune_name: string; granted_by_name: string | null; created_at: Date };

export async function communeOfficers(db: Knex, provinceCodes: string[] | 'all'): Promise<CommuneOfficerRow[]> {
  const q = db('user_roles as r')
    .join('users as u', 'u.id', 'r.user_id')
    .join('communes as co', 'co.code', 'r.commune_code')
    .leftJoin('users as gb', 'gb.id', 'r.granted_by')
    .where('r.role', 'commune_officer')
    .select(db.raw('r.user_id::int'), 'u.display_name', 'u.email', 'r.commune_code', 'co.full_name as commune_name', 'gb.display_name as granted_by_name', 'r.created_at')
    .orderBy(['co.full_name', 'u.display_name']);
  if (provinceCodes !== 'all') q.whereIn('co.province_code', provinceCodes);
  return q;
}

export async function userIdByEmail(db: Knex, email: string): Promise<number | undefined> {
  const row = await db('users').where({ email: email.trim().toLowerCase() }).whereNull('disabled_at').first('id');
  return row ? Number(row.id) : undefined;
}

export async function grantCommuneOfficer(trx: Knex, userId: number, communeCode: string, grantedBy: number): Promise<boolean> {
  const { rows } = await trx.raw<{ rows: unknown[] }>(
    `INSERT INTO user_roles (user_id, role, commune_code, granted_by) VALUES (?, 'commune_officer', ?, ?) ON CONFLICT DO NOTHING RETURNING 1`,
    [userId, communeCode, grantedBy],
  );
  return rows.length > 0;
}

export async function revokeCommuneOfficer(trx: Knex, userId: number, communeCode: string): Promise<boolean> {
  return (await trx('user_roles').where({ user_id: userId, role: 'commune_officer', commune_code: communeCode }).del()) > 0;
}

export type SplitRecordRow = { id: number; full_name: string; hometown_text: string | null; old_commune: string | null; confirmed: boolean; candidates: string[] };

/**
 * Martyrs of the province whose old hometown commune was split and one of whose parts went into
 * this commune: each needs a province officer's confirmation before the commune officer reads it.
 */
export async function splitRecords(db: Knex, provinceCodes: string[] | 'all', communeCode: string, limit = 200): Promise<SplitRecordRow[]> {
  const { rows } = await db.raw<{ rows: SplitRecordRow[] }>(
    `SELECT m.id::int, m.full_name, m.hometown_text, oc.full_name AS old_commune,
       EXISTS (SELECT 1 FROM dossier_commune_confirmations cc WHERE cc.martyr_id = m.id AND cc.commune_code = ?) AS confirmed,
       (SELECT array_agg(co.full_name ORDER BY co.full_name) FROM commune_mapping cm2 JOIN communes co ON co.code = cm2.new_commune_code
          WHERE cm2.old_code = m.hometown_old_commune_code AND cm2.old_level = 'ward') AS candidates
     FROM commune_mapping cm JOIN martyrs m ON m.hometown_old_commune_code = cm.old_code
     LEFT JOIN old_communes oc ON oc.code = m.hometown_old_commune_code
     WHERE cm.new_commune_code = ? AND cm.old_level = 'ward' AND cm.merge_type = 'partial' ${provinceCodes === 'all' ? '' : 'AND m.hometown_province_code = ANY(?)'}
     ORDER BY confirmed, m.full_name, m.id LIMIT ?`,
    provinceCodes === 'all' ? [communeCode, communeCode, limit] : [communeCode, communeCode, provinceCodes, limit],
  );
  return rows;
}

export async function isSplitCandidate(db: Knex, martyrId: number, communeCode: string): Promise<boolean> {
  const { rows } = await db.raw<{ rows: unknown[] }>(
    `SELECT 1 FROM martyrs m JOIN commune_mapping cm ON cm.old_code = m.hometown_old_commune_code AND cm.old_level = 'ward' AND cm.merge_type = 'partial'
     WHERE m.id = ? AND cm.new_commune_code = ?`,
    [martyrId, communeCode],
  );
  return rows.length > 0;
}

export async function setConfirmation(trx: Knex, martyrId: number, communeCode: string, userId: number, confirmed: boolean): Promise<boolean> {
  if (!confirmed) return (await trx('dossier_commune_confirmations').where({ martyr_id: martyrId, commune_code: communeCode }).del()) > 0;
  const { rows } = await trx.raw<{ rows: unknown[] }>(
    `INSERT INTO dossier_commune_confirmations (martyr_id, commune_code, confirmed_by) VALUES (?, ?, ?) ON CONFLICT DO NOTHING RETURNING 1`,
    [martyrId, communeCode, userId],
  );
  return rows.length > 0;
}

// --- Folder uploads -------------------------------------------------------------------------------

export type BatchItemRow = {
  id: number; file_name: string; media_type: string; content_hash: string; original_key: string; bytes: number; page_count: number;
  proposed_martyr_id: number | null; matched_by: string | null; kind: string; martyr_name: string | null; martyr_level: number | null;
};

export async function insertBatchItem(trx: Knex, row: Omit<BatchItemRow, 'id' | 'martyr_name' | 'martyr_level'> & { uploaded_by: number }): Promise<{ id: number; created: boolean }> {
  const { rows } = await trx.raw<{ rows: { id: number }[] }>(
    `INSERT INTO dossier_batch_items (uploaded_by, file_name, media_type, content_hash, original_key, bytes, page_count, proposed_martyr_id, matched_by, kind)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (uploaded_by, content_hash) DO NOTHING RETURNING id::int`,
    [row.uploaded_by, row.file_name, row.media_type, row.content_hash, row.original_key, row.bytes, row.page_count, row.proposed_martyr_id, row.matched_by, row.kind],
  );
  if (rows[0]) return { id: rows[0].id, created: true };
  const existing = await trx('dossier_batch_items').where({ uploaded_by: row.uploaded_by, content_hash: row.content_hash }).first('id');
  return { id: Number(existing!.id), created: false };
}

/** The uploader's waiting items with their proposed record, if the scope may still read it. */
export async function pendingBatchItems(db: Knex, scope: Scope, userId: number, limit = 200): Promise<BatchItemRow[]> {
  const level = dossierLevel(scope);
  const { rows } = await db.raw<{ rows: BatchItemRow[] }>(
    `SELECT b.id::int, b.file_name, b.media_type, b.content_hash, b.original_key, b.bytes, b.page_count, b.proposed_martyr_id::int, b.matched_by, b.kind,
       m.full_name AS martyr_name, (SELECT ${level.sql} FROM martyrs m LEFT JOIN graves g ON g.id = m.grave_id LEFT JOIN cemeteries c ON c.id = g.cemetery_id WHERE m.id = b.proposed_martyr_id) AS martyr_level
     FROM dossier_batch_items b LEFT JOIN martyrs m ON m.id = b.proposed_martyr_id
     WHERE b.uploaded_by = ? AND b.document_id IS NULL AND b.discarded_at IS NULL ORDER BY b.file_name, b.id LIMIT ?`,
    [...level.bindings, userId, limit],
  );
  return rows.map((r) => (r.martyr_level && r.martyr_level >= 2 ? r : { ...r, martyr_name: null, proposed_martyr_id: null, matched_by: null }));
}

export async function closeBatchItem(trx: Knex, itemId: number, outcome: { documentId: number } | 'discarded'): Promise<void> {
  await trx('dossier_batch_items').where({ id: itemId }).update(outcome === 'discarded' ? { discarded_at: trx.fn.now() } : { document_id: outcome.documentId });
}

/** The record a file name points at: its id ("12345.pdf", "12345_2.tif") or a certificate number. */
export async function martyrByFileKey(db: Knex, key: { id?: number; certificate?: string }): Promise<{ id: number; by: 'id' | 'certificate' } | undefined> {
  if (key.id) {
    const row = await db('martyrs').where({ id: key.id }).first('id');
    if (row) return { id: Number(row.id), by: 'id' };
  }
  if (key.certificate) {
    const rows = await db('martyrs').whereRaw('upper(certificate_number) = upper(?)', [key.certificate]).limit(2).select('id');
    if (rows.length === 1) return { id: Number(rows[0].id), by: 'certificate' };
  }
  return undefined;
}

