/** The check page's and search page's view models: values as shown, labels in the page's language, boxes in page pixels. */
import { translate, type Locale } from '../i18n/messages.js';
import { displayPartialDate } from '../records/partial-date.js';
import { localDateTime } from '../views/local-time.js';
import type { DossierMartyr, DocumentRow, FlagRow, OpenRow, PageRow } from './dossiers.queries.js';
import type { FieldSource } from './field-sources.js';
import type { OcrWord } from './ocr.js';

export const SHOWN_FIELDS = ['full_name', 'aliases', 'birth_date', 'death_date', 'hometown_text', 'place_of_death', 'unit', 'rank', 'certificate_number'] as const;

/** Which flag fields a shown field carries. */
const FLAG_FIELDS: Record<string, string[]> = { full_name: ['full_name'], birth_date: ['birth_year'], death_date: ['death_date'], hometown_text: ['hometown_text'], unit: ['unit'], certificate_number: ['certificate_number'] };

export function fieldValue(m: DossierMartyr, field: (typeof SHOWN_FIELDS)[number]): string {
  switch (field) {
    case 'aliases': return m.aliases.join(', ');
    case 'birth_date': return displayPartialDate(m.birth_year, m.birth_month, m.birth_day) ?? '';
    case 'death_date': return displayPartialDate(m.death_year, m.death_month, m.death_day) ?? '';
    default: return (m[field] as string | null) ?? '';
  }
}

export type Box = { x: number; y: number; w: number; h: number };

export const boxesOf = (words: OcrWord[] | null, indexes: number[]): Box[] =>
  indexes.map((i) => words?.[i]).filter((w): w is OcrWord => Boolean(w)).map((w) => ({ x: w.x - 4, y: w.y - 4, w: w.w + 8, h: w.h + 8 }));

/** Word indexes of the words a set of character ranges of the page text touches. */
export const wordsInRanges = (words: OcrWord[] | null, ranges: { start: number; end: number }[]) =>
  (words ?? []).flatMap((w, i) => (ranges.some((r) => w.s < r.end && w.s + w.t.length > r.start) ? [i] : []));

function sourceLabel(locale: Locale, s: FieldSource) {
  const label = translate(locale, `dossiers.source.${s.kind}`);
  const detail = [s.actor, s.at ? localDateTime(s.at) : null, s.submissionId ? `#${s.submissionId}` : null].filter(Boolean).join(' · ');
  return { label, detail, reason: s.detail };
}

export function pageUrl(pageId: number, size: 'thumb' | 'page' | 'full') {
  return `/quan-ly/ho-so/trang/${pageId}/${size}`;
}

export function dossierPageView(locale: Locale, input: {
  martyr: DossierMartyr; documents: DocumentRow[]; pages: PageRow[]; flags: FlagRow[]; sources: Record<string, FieldSource>; access: OpenRow[] | null; keeps: boolean;
}) {
  const t = (key: string, params?: Record<string, unknown>) => translate(locale, key, params);
  const pagesByDoc = new Map<number, PageRow[]>();
  for (const p of input.pages) pagesByDoc.set(p.document_id, [...(pagesByDoc.get(p.document_id) ?? []), p]);
  const pageById = new Map(input.pages.map((p) => [p.id, p]));
  const flagsByPage = new Map<number, FlagRow[]>();
  for (const f of input.flags) flagsByPage.set(f.page_id, [...(flagsByPage.get(f.page_id) ?? []), f]);
  const documentLabel = (d: DocumentRow) => `${t(`dossiers.kind.${d.kind}`)}${d.document_number ? ` số ${d.document_number}` : ''}`;
  const flagView = (f: FlagRow) => {
    const page = pageById.get(f.page_id);
    return {
      id: f.id, field: f.field, fieldLabel: t(`dossiers.flagField.${f.field}`), recordValue: f.record_value ?? '—', documentValue: f.document_value, evidence: f.evidence,
      confidence: f.confidence === null ? '—' : Math.round(f.confidence), lowConfidence: (f.confidence ?? 0) < 70,
      open: f.state === 'open', stateLabel: t(`dossiers.flagState.${f.state}`), resolvedBy: f.resolved_by_name, resolvedAt: f.resolved_at ? localDateTime(f.resolved_at) : null,
      pageId: f.page_id, pageNumber: f.page_number, documentId: f.document_id,
      documentLabel: documentLabel(input.documents.find((d) => d.id === f.document_id)!),
      width: page?.width, height: page?.height, image: pageUrl(f.page_id, 'page'), boxes: boxesOf(page?.ocr_words ?? null, f.word_indexes),
    };
  };
  const flags = input.flags.map(flagView);
  return {
    fields: SHOWN_FIELDS.map((field) => ({
      field,
      label: t(`dossiers.field.${field}`),
      value: fieldValue(input.martyr, field),
      source: input.sources[field] ? sourceLabel(locale, input.sources[field]!) : null,
      flags: flags.filter((f) => (FLAG_FIELDS[field] ?? []).includes(f.field)),
      correctable: input.keeps && field !== 'aliases',
    })),
    openFlags: flags.filter((f) => f.open).length,
    documents: input.documents.map((d) => ({
      id: d.id,
      label: documentLabel(d),
      kind: d.kind,
      onGrave: d.grave_id !== null,
      classification: d.classification,
      classificationLabel: t(`dossiers.classification.${d.classification}`),
      restricted: d.classification === 'restricted',
      issued: displayPartialDate(d.issued_year, d.issued_month, d.issued_day),
      issuingBody: d.issuing_body,
      fileName: d.file_name,
      pageCount: d.page_count,
      uploadedBy: d.uploaded_by_name,
      uploadedAt: localDateTime(d.created_at),
      rendering: d.state === 'rendering',
      failed: d.state === 'failed',
      error: d.render_error ? `${t(`dossiers.rejected.${d.render_error.split(':')[0]}`, { name: d.file_name })} (${d.render_error.split(':').slice(1).join(':').trim()})` : null,
      pages: (pagesByDoc.get(d.id) ?? []).map((p) => ({
        id: p.id,
        number: p.page_number,
        width: p.width,
        height: p.height,
        thumb: pageUrl(p.id, 'thumb'),
        image: pageUrl(p.id, 'page'),
        full: pageUrl(p.id, 'full'),
        state: p.ocr_state,
        stateLabel: t(`dossiers.ocr.${p.ocr_state}`, { attempts: p.ocr_attempts }),
        done: p.ocr_state === 'done',
        parked: p.ocr_state === 'parked',
        error: p.ocr_error,
        confidence: p.ocr_confidence === null ? null : Math.round(p.ocr_confidence),
        writing: p.writing,
        writingLabel: p.writing ? t(`dossiers.writing.${p.writing}`) : null,
        writingBy: p.writing_set_by ? t(`dossiers.writingBy.${p.writing_set_by}`) : null,
        handwritten: p.writing === 'handwritten',
        text: p.ocr_text,
        boxes: (flagsByPage.get(p.id) ?? []).filter((f) => f.state === 'open').flatMap((f) => boxesOf(p.ocr_words, f.word_indexes)),
      })),
    })),
    access: input.access?.map((a) => ({ at: localDateTime(a.at), datetime: a.at.toISOString(), action: t(`dossiers.access.${a.action.split('.')[1]}`), actor: a.actor_name ?? a.actor_email ?? '—', documentId: a.document_id })) ?? null,
  };
}
