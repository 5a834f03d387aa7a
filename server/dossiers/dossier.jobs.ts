/**
 * The dossier work on the job queue: rendering a document's pages, reading each page with
 * Tesseract, and writing pages to the staff index. Each step's result and the job for the next are
 * written in one transaction; each step can run twice without doubling anything (pages are keyed by
 * document and number, OCR text is overwritten, index documents are replaced), so a kill -9 at any
 * point only means a step is done again when its job expires and is retried.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type PgBoss from 'pg-boss';
import { findContradictions } from './contradictions.js';
import {
  DOSSIER_INDEX_JOB, DOSSIER_INDEX_SWEEP_JOB, DOSSIER_OCR_JOB, DOSSIER_RENDER_JOB, MAX_OCR_ATTEMPTS, MAX_RENDER_ATTEMPTS, type DossierDeps,
} from './dossier-deps.js';
import { DocumentRejected, dossierKeys, renderPages, type DocumentType, type PageSize } from './dossier-files.js';
import { ensureDossierIndex, indexPages } from './dossier-index.js';
import {
  claimPage, claimRender, dropOpenFlagsOfPage, insertPages, markAllUnindexed, martyrFields, martyrsOfDocument, pagesToIndex, replacePageFlags, savePageText,
  setDocumentState, setPageFailure, type NewPage,
} from './dossiers.queries.js';
import { ocrImage, writingOf } from './ocr.js';

async function bufferOf(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 1000);

/** Renders every page of a document and queues each new page's OCR. */
export async function renderDocument(deps: DossierDeps, documentId: number): Promise<void> {
  const doc = await claimRender(deps.db, documentId);
  if (!doc) return; // ready or failed already: a repeated job does nothing
  try {
    const data = await bufferOf(deps.store.read(doc.original_key));
    const pages: NewPage[] = [];
    await renderPages(data, doc.media_type as DocumentType, doc.page_count, async (page) => {
      const keys = Object.fromEntries((['full', 'page', 'thumb'] as PageSize[]).map((size) => [size, dossierKeys.page(documentId, page.pageNumber, size)])) as Record<PageSize, string>;
      for (const size of ['full', 'page', 'thumb'] as PageSize[]) await deps.store.put(keys[size], page.copies[size]);
      pages.push({ document_id: documentId, page_number: page.pageNumber, width: page.width, height: page.height, full_key: keys.full, page_key: keys.page, thumb_key: keys.thumb });
    });
    await deps.db.transaction(async (trx) => {
      const added = await insertPages(trx, pages);
      await setDocumentState(trx, documentId, 'ready');
      for (const pageId of added) await deps.jobs!.send(trx, DOSSIER_OCR_JOB, { pageId });
    });
  } catch (error) {
    // A corrupt scan is a message on the dossier, not a job retried for ever.
    if (error instanceof DocumentRejected || doc.render_attempts >= MAX_RENDER_ATTEMPTS) {
      await setDocumentState(deps.db, documentId, 'failed', error instanceof DocumentRejected ? `${error.reason}: ${error.message}` : `unreadable: ${messageOf(error)}`);
      deps.logger.warn({ documentId, err: error }, 'dossier document could not be rendered');
      return;
    }
    throw error;
  }
}

/** Reads one page; a failure is retried, and the third is parked with its error for staff to see. */
export async function ocrPage(deps: DossierDeps, pageId: number): Promise<void> {
  const page = await claimPage(deps.db, pageId);
  if (!page) return; // done or parked: a repeated job does nothing
  if (page.ocr_attempts > MAX_OCR_ATTEMPTS) {
    await setPageFailure(deps.db, pageId, 'parked', page.ocr_error ?? 'stopped during OCR too many times');
    return;
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'mls-ocr-'));
  try {
    const file = path.join(dir, 'page.jpg');
    await writeFile(file, await bufferOf(deps.store.read(page.full_key)));
    const result = await ocrImage(file);
    await deps.db.transaction(async (trx) => {
      const guessed = writingOf(result);
      await savePageText(trx, pageId, result, guessed);
      const writing = page.writing_set_by === 'staff' ? page.writing : guessed;
      for (const martyrId of await martyrsOfDocument(trx, page.document_id)) {
        const record = await martyrFields(trx, martyrId);
        if (!record) continue;
        if (writing === 'printed') await replacePageFlags(trx, pageId, martyrId, findContradictions(record, result.text, result.words, page.kind));
        else await dropOpenFlagsOfPage(trx, pageId);
      }
      await deps.jobs!.send(trx, DOSSIER_INDEX_JOB, { pageIds: [pageId] });
    });
  } catch (error) {
    if (page.ocr_attempts >= MAX_OCR_ATTEMPTS) {
      await setPageFailure(deps.db, pageId, 'parked', messageOf(error));
      deps.logger.warn({ pageId, err: error }, 'dossier page parked after failing OCR');
      return;
    }
    await setPageFailure(deps.db, pageId, 'retrying', messageOf(error));
    throw error;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Writes what the staff index lacks: the pages named, or every page changed since it was indexed. */
export async function indexDossierPages(deps: DossierDeps, pageIds?: number[]): Promise<number> {
  const ids = pageIds ?? (await pagesToIndex(deps.db, 500));
  return indexPages(deps.db, deps.meili, deps.indexUid, ids);
}

type Data<T> = PgBoss.Job<T>[];

export async function registerDossierJobs(boss: PgBoss, deps: DossierDeps): Promise<void> {
  // A new (or dropped, or new Meilisearch) staff index is empty: every page is written again by the sweep.
  if (await ensureDossierIndex(deps.meili, deps.indexUid)) await markAllUnindexed(deps.db);
  // Expiry well above a page's longest OCR (180 s) and a 200-page render: a job still active past it was cut off (kill -9) and is retried.
  await boss.createQueue(DOSSIER_RENDER_JOB, { name: DOSSIER_RENDER_JOB, retryLimit: MAX_RENDER_ATTEMPTS + 1, retryDelay: 10, expireInSeconds: 1800 });
  await boss.createQueue(DOSSIER_OCR_JOB, { name: DOSSIER_OCR_JOB, retryLimit: MAX_OCR_ATTEMPTS + 2, retryDelay: 5, expireInSeconds: 600 });
  await boss.createQueue(DOSSIER_INDEX_JOB, { name: DOSSIER_INDEX_JOB, retryLimit: 20, retryDelay: 10, retryBackoff: true, expireInSeconds: 300 });
  await boss.createQueue(DOSSIER_INDEX_SWEEP_JOB, { name: DOSSIER_INDEX_SWEEP_JOB, retryLimit: 0, expireInSeconds: 300 });
  // Every minute: pages whose index document is behind (a correction, a confirmation, a failed write).
  await boss.schedule(DOSSIER_INDEX_SWEEP_JOB, '* * * * *');
  await boss.work(DOSSIER_RENDER_JOB, { pollingIntervalSeconds: 1 }, async (jobs: Data<{ documentId: number }>) => {
    for (const job of jobs) await renderDocument(deps, job.data.documentId);
  });
  // One page at a time per process: Tesseract is given one thread, and two cores are shared.
  await boss.work(DOSSIER_OCR_JOB, { pollingIntervalSeconds: 1 }, async (jobs: Data<{ pageId: number }>) => {
    for (const job of jobs) await ocrPage(deps, job.data.pageId);
  });
  await boss.work(DOSSIER_INDEX_JOB, { pollingIntervalSeconds: 1 }, async (jobs: Data<{ pageIds: number[] }>) => {
    for (const job of jobs) await indexDossierPages(deps, job.data.pageIds);
  });
  await boss.work(DOSSIER_INDEX_SWEEP_JOB, async () => {
    await indexDossierPages(deps);
  });
}
