/**
 * The rules of dossiers: who may add, read, correct from, export and delegate them; what an upload
 * must be; and that every look (once per session), download and export is audited. No SQL here
 * (dossiers.queries.ts), no HTTP (dossiers.routes.ts).
 */
import { provenanceField, provenanceFor, writeProvenance } from '../provenance/provenance.queries.js';
import { keepsDossiers, type Scope } from '../accounts/scope.js';
import { changedFields, writeAudit } from '../audit/audit.js';
import { Conflict, InvalidInput, NotInScope } from '../http/errors.js';
import { parsePartialDate } from '../records/partial-date.js';
import { nfc } from '../text/vietnamese.js';
import { findContradictions } from './contradictions.js';
import { DOSSIER_INDEX_JOB, DOSSIER_OCR_JOB, DOSSIER_RENDER_JOB, type DossierDeps } from './dossier-deps.js';
import { checkDocument, dossierKeys, type CheckedDocument } from './dossier-files.js';
import {
  classificationsFor, closeBatchItem, communeOf, documentsOf, dossierMartyr, dropOpenFlagsOfPage, firstViewInSession, flagById, grantCommuneOfficer,
  insertBatchItem, insertDocument, isSplitCandidate, lockMartyr, martyrByFileKey, martyrFields, martyrsOfDocument, pendingBatchItems,
  readableDocument, readablePages, replacePageFlags, resetPage, resolveFlags, revokeCommuneOfficer, setConfirmation, setPageWriting, touchPagesOfMartyr,
  updateMartyr, userIdByEmail, type Classification, type DossierMartyr,
} from './dossiers.queries.js';

export type DossierActor = { userId: number; ip: string | null; scope: Scope; sessionHash: string; name: string };

export const DOCUMENT_KINDS = ['death_notice', 'certificate', 'reburial_minutes', 'extract', 'family_papers', 'letter', 'other'] as const;
export const CLASSIFICATIONS = ['internal', 'restricted'] as const;

/** The scope may not do this here: answered as if the record did not exist. */
const hidden = () => new NotInScope();

/** The martyr, readable in full (every classification) by someone who keeps dossiers. */
async function keptMartyr(deps: DossierDeps, actor: DossierActor, martyrId: number): Promise<DossierMartyr> {
  const martyr = await dossierMartyr(deps.db, actor.scope, martyrId);
  if (!martyr) throw hidden();
  if (!keepsDossiers(actor.scope) || martyr.level < 2) throw new InvalidInput('Your account reads this dossier but does not keep it.', undefined, 'dossier_read_only');
  return martyr;
}

export type DocumentMeta = { kind: string; classification: string; issued: string; issuingBody: string; number: string; onGrave: boolean };

function cleanMeta(meta: DocumentMeta) {
  const problems: Record<string, string> = {};
  if (!(DOCUMENT_KINDS as readonly string[]).includes(meta.kind)) problems.kind = 'kind';
  if (!(CLASSIFICATIONS as readonly string[]).includes(meta.classification)) problems.classification = 'classification';
  const issued = meta.issued.trim() ? parsePartialDate(meta.issued) : null;
  if (issued === undefined) problems.issued = 'date';
  const issuingBody = nfc(meta.issuingBody.trim()).slice(0, 300) || null;
  const number = nfc(meta.number.trim());
  if (number.length > 100) problems.number = 'length';
  if (Object.keys(problems).length) throw new InvalidInput('Some fields of the document are not valid.', problems, 'document_fields');
  return { kind: meta.kind, classification: meta.classification as Classification, issued: issued ?? null, issuingBody, number: number || null };
}

function requireQueue(deps: DossierDeps) {
  if (!deps.jobs) throw new Conflict('jobs_unavailable', 'Background work is not running in this process; documents cannot be read now.');
  return deps.jobs;
}

async function storeOriginal(deps: DossierDeps, data: Buffer, checked: CheckedDocument): Promise<string> {
  const key = dossierKeys.original(checked.contentHash, checked.extension);
  // Content-addressed: the same bytes are one file, kept unchanged, whoever sends them.
  if (!(await deps.store.exists(key))) await deps.store.put(key, data);
  return key;
}

type StoredFile = { fileName: string; checked: CheckedDocument; originalKey: string; bytes: number };

async function createDocument(deps: DossierDeps, actor: DossierActor, martyr: DossierMartyr, file: StoredFile, meta: ReturnType<typeof cleanMeta>, onGrave: boolean) {
  const jobs = requireQueue(deps);
  if (onGrave && !martyr.grave_id) throw new InvalidInput('This martyr has no grave in the records.', { onGrave: 'no_grave' }, 'document_no_grave');
  return deps.db.transaction(async (trx) => {
    const { id, created } = await insertDocument(trx, {
      martyr_id: onGrave ? null : martyr.id,
      grave_id: onGrave ? martyr.grave_id : null,
      kind: meta.kind,
      classification: meta.classification,
      issued_year: meta.issued?.year ?? null,
      issued_month: meta.issued?.month ?? null,
      issued_day: meta.issued?.day ?? null,
      issuing_body: meta.issuingBody,
      document_number: meta.number,
      file_name: nfc(file.fileName).slice(0, 255) || 'scan',
      media_type: file.checked.mediaType,
      content_hash: file.checked.contentHash,
      original_key: file.originalKey,
      bytes: file.bytes,
      page_count: file.checked.pageCount,
      uploaded_by: actor.userId,
    });
    if (created) {
      await writeAudit(trx, {
        actorUserId: actor.userId, action: 'dossier.document_added', entityType: onGrave ? 'grave' : 'martyr', entityId: onGrave ? martyr.grave_id : martyr.id,
        after: { documentId: id, kind: meta.kind, classification: meta.classification, fileName: file.fileName, pages: file.checked.pageCount, martyrId: martyr.id }, ip: actor.ip,
      });
      await jobs.send(trx, DOSSIER_RENDER_JOB, { documentId: id });
    }
    return { documentId: id, created };
  });
}

/** One scanned document onto a martyr's record (or their grave). Nothing is written unless every check passed. */
export async function receiveDocument(deps: DossierDeps, actor: DossierActor, martyrId: number, input: { data: Buffer; fileName: string; meta: DocumentMeta }) {
  const martyr = await keptMartyr(deps, actor, martyrId);
  const meta = cleanMeta(input.meta);
  requireQueue(deps);
  const checked = await checkDocument(input.data);
  const originalKey = await storeOriginal(deps, input.data, checked);
  return createDocument(deps, actor, martyr, { fileName: input.fileName, checked, originalKey, bytes: input.data.length }, meta, input.meta.onGrave);
}

export type DossierView = Awaited<ReturnType<typeof openDossier>>;

/** The dossier as its reader may see it; the first look of a session is written to the audit log. */
export async function openDossier(deps: DossierDeps, actor: DossierActor, martyrId: number) {
  const martyr = await dossierMartyr(deps.db, actor.scope, martyrId);
  if (!martyr) throw hidden();
  await deps.db.transaction(async (trx) => {
    if (await firstViewInSession(trx, actor.sessionHash, martyrId)) {
      await writeAudit(trx, { actorUserId: actor.userId, action: 'dossier.opened', entityType: 'martyr', entityId: martyrId, after: { level: martyr.level }, ip: actor.ip });
    }
  });
  const documents = await documentsOf(deps.db, martyr);
  return { martyr, documents, keeps: keepsDossiers(actor.scope) && martyr.level >= 2, classifications: classificationsFor(martyr.level) };
}

/** The record's fields a document can correct, each with how a typed value becomes column values. */
export const CORRECTABLE_FIELDS = ['full_name', 'birth_date', 'death_date', 'hometown_text', 'place_of_death', 'unit', 'rank', 'certificate_number'] as const;
export type CorrectableField = (typeof CORRECTABLE_FIELDS)[number];

function columnsFor(field: CorrectableField, value: string): Record<string, unknown> {
  const text = nfc(value.trim());
  if (field === 'birth_date' || field === 'death_date') {
    const date = text ? parsePartialDate(text) : null;
    if (date === undefined) throw new InvalidInput('The date is not a real (partial) date: write 1972, 03/1972 or 12/03/1972.', { value: 'date' }, 'correction_value');
    const prefix = field === 'birth_date' ? 'birth' : 'death';
    return { [`${prefix}_year`]: date?.year ?? null, [`${prefix}_month`]: date?.month ?? null, [`${prefix}_day`]: date?.day ?? null };
  }
  if (field === 'full_name' && !text) throw new InvalidInput('A name cannot be empty.', { value: 'required' }, 'correction_value');
  if (text.length > 300) throw new InvalidInput('The value is too long.', { value: 'length' }, 'correction_value');
  return { [field]: text || null };
}

/** Corrects a field of the record from a document of its dossier: audited, with the document as the reason. */
export async function correctFromDossier(deps: DossierDeps, actor: DossierActor, martyrId: number, input: { field: string; value: string; documentId: number; note: string }) {
  const martyr = await keptMartyr(deps, actor, martyrId);
  if (!(CORRECTABLE_FIELDS as readonly string[]).includes(input.field)) throw new InvalidInput('This field cannot be corrected here.', { field: 'unknown' }, 'correction_field');
  const field = input.field as CorrectableField;
  const document = await readableDocument(deps.db, actor.scope, input.documentId);
  if (!document || !(await martyrsOfDocument(deps.db, document.id)).includes(martyrId)) throw new InvalidInput('Choose the document of this dossier that shows the value.', { documentId: 'unknown' }, 'correction_document');
  const values = columnsFor(field, input.value);
  const note = nfc(input.note.trim()).slice(0, 500);
  await deps.db.transaction(async (trx) => {
    await lockMartyr(trx, martyrId);
    const before = (await martyrFields(trx, martyrId)) as unknown as Record<string, unknown>;
    const diff = changedFields(before, values);
    if (!Object.keys(diff.after).length) throw new InvalidInput('The record already has this value.', { value: 'same' }, 'correction_same');
    await updateMartyr(trx, martyrId, values);
    await writeAudit(trx, {
      actorUserId: actor.userId, action: 'martyr.corrected_from_dossier', entityType: 'martyr', entityId: martyrId,
      before: diff.before, after: { ...diff.after },
      reason: `Hồ sơ: tài liệu #${document.id} (${document.kind}${document.document_number ? `, số ${document.document_number}` : ''})${note ? ` — ${note}` : ''}`,
      ip: actor.ip,
    });
    // The field is staff's from now on: a later import lists a different value as a conflict.
    await writeProvenance(trx, provenanceFor('martyr', martyrId, [...new Set(Object.keys(diff.after).map(provenanceField))], { sourceKind: 'staff', changedBy: actor.userId }));
    const flagField = field === 'birth_date' ? 'birth_year' : field;
    await resolveFlags(trx, { martyrId, field: flagField }, 'corrected', actor.userId);
  });
  return { martyrId: martyr.id };
}

/** The officer looked at a flag and found the record right: it stays, marked checked. */
export async function markFlagChecked(deps: DossierDeps, actor: DossierActor, flagId: number) {
  const flag = await flagById(deps.db, flagId);
  if (!flag) throw hidden();
  const martyr = await dossierMartyr(deps.db, actor.scope, flag.martyr_id);
  if (!martyr || !classificationsFor(martyr.level).includes(flag.classification)) throw hidden();
  await keptMartyr(deps, actor, flag.martyr_id);
  await deps.db.transaction(async (trx) => {
    await resolveFlags(trx, { id: flagId }, 'checked', actor.userId);
    await writeAudit(trx, { actorUserId: actor.userId, action: 'dossier.flag_checked', entityType: 'martyr', entityId: flag.martyr_id, after: { flagId, field: flag.field, documentValue: flag.document_value }, ip: actor.ip });
  });
  return { martyrId: flag.martyr_id };
}

async function keptPage(deps: DossierDeps, actor: DossierActor, pageId: number) {
  const page = (await readablePages(deps.db, actor.scope, [pageId])).get(pageId);
  if (!page || page.martyr_id === null) throw hidden();
  await keptMartyr(deps, actor, page.martyr_id);
  return page;
}

/** Staff say a page is printed or handwritten; only printed pages feed the checks. */
export async function setWriting(deps: DossierDeps, actor: DossierActor, pageId: number, writing: 'printed' | 'handwritten') {
  const page = await keptPage(deps, actor, pageId);
  const jobs = requireQueue(deps);
  await deps.db.transaction(async (trx) => {
    await setPageWriting(trx, pageId, writing);
    if (writing === 'handwritten') await dropOpenFlagsOfPage(trx, pageId);
    else if (page.ocr_text) {
      for (const martyrId of await martyrsOfDocument(trx, page.document_id)) {
        const record = await martyrFields(trx, martyrId);
        if (record) await replacePageFlags(trx, pageId, martyrId, findContradictions(record, page.ocr_text, page.ocr_words ?? [], page.kind));
      }
    }
    await writeAudit(trx, { actorUserId: actor.userId, action: 'dossier.page_writing', entityType: 'martyr', entityId: page.martyr_id, after: { pageId, writing }, ip: actor.ip });
    await jobs.send(trx, DOSSIER_INDEX_JOB, { pageIds: [pageId] });
  });
  return { martyrId: page.martyr_id! };
}

/** A parked page is read again from its first attempt. */
export async function retryPage(deps: DossierDeps, actor: DossierActor, pageId: number) {
  const page = await keptPage(deps, actor, pageId);
  const jobs = requireQueue(deps);
  await deps.db.transaction(async (trx) => {
    await resetPage(trx, pageId);
    await jobs.send(trx, DOSSIER_OCR_JOB, { pageId });
  });
  return { martyrId: page.martyr_id! };
}

/** A page image's storage key, if the scope may read the page. */
export async function pageImageKey(deps: DossierDeps, scope: Scope, pageId: number, size: 'thumb' | 'page' | 'full'): Promise<string> {
  const page = (await readablePages(deps.db, scope, [pageId])).get(pageId);
  if (!page) throw hidden();
  return size === 'thumb' ? page.thumb_key : size === 'page' ? page.page_key : page.full_key;
}

/** The unchanged original for download; audited. */
export async function downloadOriginal(deps: DossierDeps, actor: DossierActor, documentId: number) {
  const document = await readableDocument(deps.db, actor.scope, documentId);
  if (!document) throw hidden();
  const martyrs = await martyrsOfDocument(deps.db, documentId);
  await deps.db.transaction(async (trx) => {
    await writeAudit(trx, {
      actorUserId: actor.userId, action: 'dossier.downloaded', entityType: martyrs.length ? 'martyr' : 'grave', entityId: martyrs[0] ?? document.grave_id,
      after: { documentId, fileName: document.file_name, contentHash: document.content_hash }, ip: actor.ip,
    });
  });
  return document;
}

/** What an export holds, after it is audited: the martyr and their readable pages in order. */
export async function exportContents(deps: DossierDeps, actor: DossierActor, martyrId: number) {
  const martyr = await dossierMartyr(deps.db, actor.scope, martyrId);
  if (!martyr) throw hidden();
  const documents = (await documentsOf(deps.db, martyr)).filter((d) => d.state === 'ready');
  await deps.db.transaction(async (trx) => {
    await writeAudit(trx, { actorUserId: actor.userId, action: 'dossier.exported', entityType: 'martyr', entityId: martyrId, after: { documents: documents.map((d) => d.id) }, ip: actor.ip });
  });
  return { martyr, documents };
}

// --- Delegation to communes ------------------------------------------------------------------------

/** The province officer (or an admin) who may delegate this commune: it lies in their province. */
async function delegableCommune(deps: DossierDeps, actor: DossierActor, communeCode: string) {
  const commune = await communeOf(deps.db, communeCode);
  const allowed = commune && (actor.scope.roles.includes('admin') || actor.scope.provinceCodes.includes(commune.province_code));
  if (!allowed) throw hidden();
  return commune;
}

export async function grantCommune(deps: DossierDeps, actor: DossierActor, input: { email: string; communeCode: string }) {
  const commune = await delegableCommune(deps, actor, input.communeCode);
  const userId = await userIdByEmail(deps.db, input.email);
  if (!userId) throw new InvalidInput('No active account has this email address. An administrator creates the account first.', { email: 'unknown' }, 'delegation_unknown_user');
  await deps.db.transaction(async (trx) => {
    if (await grantCommuneOfficer(trx, userId, commune.code, actor.userId)) {
      await writeAudit(trx, { actorUserId: actor.userId, action: 'user.commune_granted', entityType: 'user', entityId: userId, after: { role: 'commune_officer', communeCode: commune.code }, ip: actor.ip });
    }
  });
  return { communeCode: commune.code };
}

export async function revokeCommune(deps: DossierDeps, actor: DossierActor, input: { userId: number; communeCode: string }) {
  const commune = await delegableCommune(deps, actor, input.communeCode);
  await deps.db.transaction(async (trx) => {
    if (await revokeCommuneOfficer(trx, input.userId, commune.code)) {
      await writeAudit(trx, { actorUserId: actor.userId, action: 'user.commune_revoked', entityType: 'user', entityId: input.userId, before: { role: 'commune_officer', communeCode: commune.code }, ip: actor.ip });
    }
  });
  return { communeCode: commune.code };
}

/** A split old commune's record confirmed (or not) for one new commune, by an officer of the martyr's province. */
export async function confirmForCommune(deps: DossierDeps, actor: DossierActor, input: { martyrId: number; communeCode: string; confirmed: boolean }) {
  const commune = await delegableCommune(deps, actor, input.communeCode);
  await keptMartyr(deps, actor, input.martyrId);
  if (!(await isSplitCandidate(deps.db, input.martyrId, commune.code))) throw new InvalidInput('This record’s old commune did not go partly into this commune.', { martyrId: 'not_split' }, 'delegation_not_split');
  await deps.db.transaction(async (trx) => {
    if (await setConfirmation(trx, input.martyrId, commune.code, actor.userId, input.confirmed)) {
      await touchPagesOfMartyr(trx, input.martyrId);
      await writeAudit(trx, { actorUserId: actor.userId, action: input.confirmed ? 'dossier.commune_confirmed' : 'dossier.commune_unconfirmed', entityType: 'martyr', entityId: input.martyrId, after: { communeCode: commune.code }, ip: actor.ip });
    }
  });
  return { communeCode: commune.code };
}

// --- Folder uploads -------------------------------------------------------------------------------

/** What a file name says: the record's id ("12345.pdf", "12345_2.tif") or certificate number, and the kind of paper. */
export function fileNameKey(fileName: string): { id?: number; certificate?: string; kind: string } {
  const base = fileName.split(/[\\/]/).pop()!.replace(/\.[A-Za-z0-9]{1,5}$/, '').normalize('NFC').trim();
  const lower = base.toLowerCase();
  const kind = /bao[-_ ]?tu|báo[-_ ]?tử|gbt/.test(lower) ? 'death_notice' : /bang|bằng|btq|ghi[-_ ]?cong/.test(lower) ? 'certificate' : /quy[-_ ]?tap|quy[-_ ]?tập/.test(lower) ? 'reburial_minutes' : 'other';
  const id = /^(\d{1,15})(?:[_\- .].*)?$/.exec(base)?.[1];
  if (id && Number.isSafeInteger(Number(id))) return { id: Number(id), certificate: base.replace(/[_ ]\d{1,3}$/, ''), kind };
  const certificate = base.replace(/[_ ](?:\d{1,3}|bao[-_ ]?tu|bang|quy[-_ ]?tap)$/i, '').trim();
  return { certificate: certificate.slice(0, 100) || undefined, kind };
}

/** One file of a folder upload: checked, kept, matched by its name, waiting for review. */
export async function receiveBatchFile(deps: DossierDeps, actor: DossierActor, input: { data: Buffer; fileName: string }) {
  if (!keepsDossiers(actor.scope)) throw new InvalidInput('Your account does not keep dossiers.', undefined, 'dossier_read_only');
  const checked = await checkDocument(input.data);
  const originalKey = await storeOriginal(deps, input.data, checked);
  const key = fileNameKey(input.fileName);
  const match = await martyrByFileKey(deps.db, key);
  // A match outside the scope is no match: the uploader learns nothing of records they cannot read.
  const readable = match ? await dossierMartyr(deps.db, actor.scope, match.id) : undefined;
  const proposed = readable && readable.level >= 2 ? match : undefined;
  return deps.db.transaction((trx) => insertBatchItem(trx, {
    uploaded_by: actor.userId, file_name: nfc(input.fileName).slice(0, 255), media_type: checked.mediaType, content_hash: checked.contentHash,
    original_key: originalKey, bytes: input.data.length, page_count: checked.pageCount, proposed_martyr_id: proposed?.id ?? null, matched_by: proposed?.by ?? null, kind: key.kind,
  }));
}

export function batchItems(deps: DossierDeps, actor: DossierActor) {
  return pendingBatchItems(deps.db, actor.scope, actor.userId);
}

export type BatchDecision = { itemId: number; action: 'attach' | 'discard' | 'later'; martyrId: number | null; kind: string; classification: string };

/** Applies the review screen's choices; returns how many became documents and the problems per item. */
export async function decideBatch(deps: DossierDeps, actor: DossierActor, decisions: BatchDecision[]) {
  const items = new Map((await pendingBatchItems(deps.db, actor.scope, actor.userId, 1000)).map((i) => [i.id, i]));
  const problems = new Map<number, string>();
  let attached = 0;
  for (const d of decisions) {
    const item = items.get(d.itemId);
    if (!item || d.action === 'later') continue;
    if (d.action === 'discard') {
      await deps.db.transaction((trx) => closeBatchItem(trx, item.id, 'discarded'));
      continue;
    }
    try {
      if (!d.martyrId) throw new InvalidInput('Choose the record.', undefined, 'batch_no_record');
      const martyr = await keptMartyr(deps, actor, d.martyrId);
      const meta = cleanMeta({ kind: d.kind, classification: d.classification, issued: '', issuingBody: '', number: '', onGrave: false });
      const checked: CheckedDocument = { mediaType: item.media_type as CheckedDocument['mediaType'], extension: item.original_key.split('.').pop()!, pageCount: item.page_count, contentHash: item.content_hash };
      const { documentId } = await createDocument(deps, actor, martyr, { fileName: item.file_name, checked, originalKey: item.original_key, bytes: item.bytes }, meta, false);
      await deps.db.transaction((trx) => closeBatchItem(trx, item.id, { documentId }));
      attached += 1;
    } catch (error) {
      if (error instanceof InvalidInput || error instanceof NotInScope) problems.set(item.id, error.code);
      else throw error;
    }
  }
  return { attached, problems };
}

