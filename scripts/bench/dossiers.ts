/**
 * `npm run bench:dossiers [-- --ocr-pages N] [--texts N] [--loads N] [--queries N]`
 *
 * Digital dossiers on this machine, four figures written to bench/results/dossiers.json:
 *  - OCR pages per minute: generated A4 pages at 300 dpi (Vietnamese death notices and
 *    certificates, half clean, half with scanner speckles (0.5% of pixels) and up to 2° of skew), read one at a
 *    time by Tesseract `vie` exactly as the job queue's worker reads them (server/dossiers/ocr.ts);
 *  - `accuracy`: character accuracy of that OCR against the known text (1 - edit distance / length,
 *    whitespace collapsed), on the clean pages; `accuracyNoisy` on the others;
 *  - the check page (/quan-ly/ho-so/:id) of a 40-page dossier: p95 of the HTML, and of the whole
 *    load a browser makes (the HTML, then its 40 page images, six at a time);
 *  - staff search p95 over N (100,000) synthetic page texts indexed directly into a staff index
 *    with the dossier settings (not OCR'd: that would take days here), through the function the
 *    route calls, with a province officer's jurisdiction filter and with none.
 *
 * Uses DATABASE_URL (default: its own database mo_liet_si_dossier_bench, created and migrated) and
 * the Meilisearch of DATA_DIR; the 40-page dossier it makes is removed at the end, the search index
 * is kept for the next run (bench-dossier-pages-<N>).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createApp } from '../../server/app.js';
import { createUser } from '../../server/accounts/users.service.js';
import { loadConfig, ROOT_DIR } from '../../server/config.js';
import { findContradictions } from '../../server/dossiers/contradictions.js';
import { renderPages } from '../../server/dossiers/dossier-files.js';
import { DOSSIER_INDEX_SETTINGS, searchDossierIndex, type DossierPageDocument } from '../../server/dossiers/dossier-index.js';
import { ocrImage, writingOf, type OcrResult } from '../../server/dossiers/ocr.js';
import { scopeOf } from '../../server/accounts/scope.js';
import { createLogger } from '../../server/logger.js';
import { startServices } from '../../server/portal.js';
import { indexExists, settled } from '../../server/search/index-writer.js';
import { createFileStores } from '../../server/storage/file-stores.js';
import { dossierText, random, scanPage } from '../../seeds/demo/scan-pages.js';
import { round, summarize } from './stats.js';

const RESULTS_FILE = path.join(ROOT_DIR, 'bench', 'results', 'dossiers.json');
const { values: args } = parseArgs({ options: { 'ocr-pages': { type: 'string' }, texts: { type: 'string' }, loads: { type: 'string' }, queries: { type: 'string' } } });
const OCR_PAGES = Number(args['ocr-pages'] ?? 16);
const TEXTS = Number(args.texts ?? 100_000);
const LOADS = Number(args.loads ?? 60);
const QUERIES = Number(args.queries ?? 300);
const DOSSIER_PAGES = 40;
const PROVINCES = ['01', '04', '08', '11', '12', '14', '15', '19', '20', '22', '24', '25', '31', '33', '37', '38', '40', '42', '44', '46', '48', '51', '52', '56', '66', '68', '75', '79', '80', '82', '86', '91', '92', '96'];

/** Levenshtein distance, two rows. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length]!;
}
const collapse = (s: string) => s.normalize('NFC').replace(/\s+/g, ' ').trim();
const accuracyOf = (read: string, truth: string) => Math.max(0, 1 - editDistance(collapse(read), collapse(truth)) / collapse(truth).length);

async function ocrPhase(dir: string) {
  const next = random(1972);
  const pages: { png: Buffer; truth: string; noisy: boolean; result?: OcrResult; ms?: number; accuracy?: number }[] = [];
  for (let i = 0; i < OCR_PAGES; i += 1) {
    const text = dossierText(next, i % 3 === 2 ? 'certificate' : 'death_notice');
    const noisy = i % 2 === 1;
    const png = await scanPage(text.lines, noisy ? { noise: 0.005, skewDegrees: (next() * 2 - 1) * 2, seed: i + 1 } : {});
    pages.push({ png, truth: text.lines.join('\n'), noisy });
  }
  const started = Date.now();
  for (const [i, page] of pages.entries()) {
    const file = path.join(dir, `page-${i}.png`);
    await writeFile(file, page.png);
    const t0 = performance.now();
    page.result = await ocrImage(file);
    page.ms = performance.now() - t0;
    page.accuracy = accuracyOf(page.result.text, page.truth);
    console.log(`  page ${i + 1}/${pages.length}${page.noisy ? ' (noisy)' : ''}: ${Math.round(page.ms)} ms, accuracy ${round(page.accuracy * 100, 1)}%, confidence ${page.result.confidence}`);
  }
  const wallMs = Date.now() - started;
  const mean = (list: number[]) => list.reduce((a, b) => a + b, 0) / list.length;
  return {
    pages,
    figures: {
      pages: pages.length,
      pagesPerMinute: round((pages.length / wallMs) * 60_000, 1),
      msPerPage: round(wallMs / pages.length, 0),
      accuracy: round(mean(pages.filter((p) => !p.noisy).map((p) => p.accuracy!)), 4),
      accuracyNoisy: round(mean(pages.filter((p) => p.noisy).map((p) => p.accuracy!)), 4),
      meanConfidence: round(mean(pages.map((p) => p.result!.confidence)), 1),
    },
  };
}

async function main() {
  const logger = createLogger('warn');
  const config = loadConfig({ ...process.env, DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/mo_liet_si_dossier_bench', DEMO_GRAVES: '0' });
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'mls-bench-dossiers-'));
  console.log(`OCR: ${OCR_PAGES} pages at 300 dpi, Tesseract vie, one at a time`);
  const ocr = await ocrPhase(tmp);
  console.log(ocr.figures);

  const services = await startServices(config, logger, { reuseRunningMeili: true });
  const { db, meili } = services;
  const store = createFileStores(config).dossiers;
  const marker = `bench-${Date.now()}`;
  let martyrId = 0;
  let documentId = 0;
  try {
    // --- A 40-page dossier and its check page ----------------------------------------------------
    martyrId = Number((await db('martyrs').insert({ full_name: 'Nguyễn Văn Thắng', death_year: 1973, hometown_province_code: '42', hometown_text: 'xã Thạch Kim, huyện Thạch Hà, tỉnh Hà Tĩnh', unit: 'Trung đoàn 141', internal_notes: marker }).returning('id'))[0]!.id);
    documentId = Number((await db('dossier_documents').insert({ martyr_id: martyrId, kind: 'death_notice', file_name: `${marker}.pdf`, media_type: 'image/png', content_hash: 'e'.repeat(64), original_key: `originals/${marker}.png`, bytes: 1, page_count: DOSSIER_PAGES, state: 'ready' }).returning('id'))[0]!.id);
    for (let n = 1; n <= DOSSIER_PAGES; n += 1) {
      const source = ocr.pages[(n - 1) % ocr.pages.length]!;
      await renderPages(source.png, 'image/png', 1, async (page) => {
        const keys = { full: `pages/${documentId}/${n}.full.jpg`, page: `pages/${documentId}/${n}.page.jpg`, thumb: `pages/${documentId}/${n}.thumb.jpg` };
        for (const size of ['full', 'page', 'thumb'] as const) await store.put(keys[size], page.copies[size]);
        const [row] = await db('dossier_pages').insert({
          document_id: documentId, page_number: n, width: page.width, height: page.height, full_key: keys.full, page_key: keys.page, thumb_key: keys.thumb,
          ocr_state: 'done', ocr_text: source.result!.text, ocr_words: JSON.stringify(source.result!.words), ocr_confidence: source.result!.confidence, writing: writingOf(source.result!), writing_set_by: 'ocr',
        }).returning('id');
        const record = { full_name: 'Nguyễn Văn Thắng', birth_year: null, death_year: 1973, death_month: null, death_day: null, hometown_text: 'xã Thạch Kim, huyện Thạch Hà, tỉnh Hà Tĩnh', unit: 'Trung đoàn 141', certificate_number: null };
        for (const f of findContradictions(record, source.result!.text, source.result!.words, 'death_notice')) {
          await db('dossier_flags').insert({ martyr_id: martyrId, page_id: row!.id, field: f.field, record_value: f.recordValue, document_value: f.documentValue, evidence: f.evidence, word_indexes: f.wordIndexes, confidence: f.confidence }).onConflict(['page_id', 'field']).ignore();
        }
      });
    }
    const email = `${marker}@bench.example.vn`;
    const password = 'mùa thu lá vàng rơi trên phố cổ bench';
    await createUser(db, { userId: null, ip: null }, { email, displayName: 'Bench officer', grants: [{ role: 'province_officer', provinceCode: '42', cemeteryId: null }], password });
    const app = createApp({ config, db, meili, provinces: services.provinces, logger });
    const server = await new Promise<import('node:http').Server>((resolve) => { const s = app.listen(0, '127.0.0.1', () => resolve(s)); });
    const base = `http://127.0.0.1:${(server.address() as import('node:net').AddressInfo).port}`;
    const signInPage = await fetch(`${base}/quan-ly/dang-nhap`);
    const cookie0 = signInPage.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const token = /name="_csrf" value="([^"]+)"/.exec(await signInPage.text())![1]!;
    const signedIn = await fetch(`${base}/quan-ly/dang-nhap`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookie0 }, body: new URLSearchParams({ identifier: email, password, _csrf: token }) });
    const cookie = signedIn.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const htmlTimes: number[] = [];
    const fullTimes: number[] = [];
    let errors = 0;
    const t0 = Date.now();
    for (let i = 0; i < LOADS; i += 1) {
      const start = performance.now();
      const res = await fetch(`${base}/quan-ly/ho-so/${martyrId}`, { headers: { cookie } });
      const html = await res.text();
      const htmlMs = performance.now() - start;
      if (res.status !== 200) { errors += 1; continue; }
      const images = [...html.matchAll(/href="(\/quan-ly\/ho-so\/trang\/\d+\/page)"/g)].map((m) => m[1]!);
      for (let j = 0; j < images.length; j += 6) await Promise.all(images.slice(j, j + 6).map(async (u) => (await fetch(`${base}${u}`, { headers: { cookie } })).arrayBuffer()));
      if (i > 0) { htmlTimes.push(htmlMs); fullTimes.push(performance.now() - start); } // the first load warms caches
    }
    const pageLoad = { pages: DOSSIER_PAGES, html: summarize(htmlTimes, errors, Date.now() - t0), withImages: summarize(fullTimes, errors, Date.now() - t0) };
    console.log('40-page dossier check page:', { htmlP95: pageLoad.html.p95, withImagesP95: pageLoad.withImages.p95 });
    server.close();

    // --- Staff search over N synthetic page texts ---------------------------------------------
    const uid = `bench-dossier-pages-${TEXTS}`;
    const next = random(141);
    const samples: { name: string; unit: string; year: number; province: string }[] = [];
    const have = (await indexExists(meili, uid)) ? (await meili.index(uid).getStats()).numberOfDocuments : 0;
    let indexingMs: number | null = null;
    if (have < TEXTS) {
      if (have) await settled(meili, meili.deleteIndex(uid));
      await settled(meili, meili.createIndex(uid, { primaryKey: 'id' }));
      await settled(meili, meili.index(uid).updateSettings(DOSSIER_INDEX_SETTINGS), 600_000);
      const started = Date.now();
      for (let from = 0; from < TEXTS; from += 10_000) {
        const batch: DossierPageDocument[] = [];
        for (let i = from; i < Math.min(TEXTS, from + 10_000); i += 1) batch.push(syntheticDocument(i, next, samples));
        await settled(meili, meili.index(uid).addDocuments(batch, { primaryKey: 'id' }), 1_800_000);
        console.log(`  indexed ${Math.min(TEXTS, from + 10_000)} page texts`);
      }
      indexingMs = Date.now() - started;
    } else {
      for (let i = 0; i < 2000; i += 1) syntheticDocument(i, next, samples);
    }
    const fold = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').replace(/đ/g, 'd').replace(/Đ/g, 'D').toLowerCase();
    const queries = Array.from({ length: QUERIES }, (_, i) => {
      const s = samples[Math.floor(next() * samples.length)]!;
      const kinds = [`giấy báo tử ${s.unit.split(',')[0]} ${s.year}`, fold(`${s.name} ${s.year}`), fold(`giay bao tu ${s.unit.split(',')[0]}`), `${s.name.replace(/.$/, '')} hy sinh ${s.year}`];
      return { q: kinds[i % kinds.length]!, province: s.province };
    });
    const timesFor = async (national: boolean) => {
      const times: number[] = [];
      let hits = 0;
      const start = Date.now();
      for (const { q, province } of queries) {
        const scope = scopeOf(national ? [{ role: 'ministry_officer', provinceCode: null, cemeteryId: null }] : [{ role: 'province_officer', provinceCode: province, cemeteryId: null }]);
        const t = performance.now();
        const found = await searchDossierIndex(meili, uid, scope, q, 20, 0);
        times.push(performance.now() - t);
        if (found.hits.length) hits += 1;
      }
      return { ...summarize(times, 0, Date.now() - start), queriesWithHits: hits };
    };
    const search = { texts: TEXTS, indexingMs, province: await timesFor(false), national: await timesFor(true) };
    console.log('staff search:', { provinceP95: search.province.p95, nationalP95: search.national.p95 });

    const results = {
      at: new Date().toISOString(),
      machine: { cpus: os.cpus().length, loadavg: os.loadavg().map((l) => round(l, 2)), note: 'shared with five other engineers\' work: figures taken on a loaded machine' },
      ocr: ocr.figures,
      accuracy: ocr.figures.accuracy,
      pagesPerMinute: ocr.figures.pagesPerMinute,
      dossierPageLoad: pageLoad,
      dossierPageLoadP95Ms: pageLoad.html.p95,
      staffSearch: search,
      staffSearchP95Ms: search.province.p95,
    };
    await mkdir(path.dirname(RESULTS_FILE), { recursive: true });
    await writeFile(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
    console.log(`written to ${path.relative(ROOT_DIR, RESULTS_FILE)}`);
  } finally {
    if (documentId) {
      await db('dossier_flags').where({ martyr_id: martyrId }).del();
      await db('dossier_documents').where({ id: documentId }).del();
      for (let n = 1; n <= DOSSIER_PAGES; n += 1) for (const size of ['full', 'page', 'thumb']) await store.remove(`pages/${documentId}/${n}.${size}.jpg`);
    }
    if (martyrId) {
      await db('dossier_views').where({ martyr_id: martyrId }).del();
      await db('search_outbox').where({ entity_type: 'martyr', entity_id: martyrId }).del();
      // The audit log is append-only: the bench officer's rows stay; the martyr and account stay with them.
    }
    await services.close();
    await rm(tmp, { recursive: true, force: true });
  }
}

function syntheticDocument(i: number, next: () => number, samples: { name: string; unit: string; year: number; province: string }[]): DossierPageDocument {
  const text = dossierText(next);
  const province = PROVINCES[Math.floor(next() * PROVINCES.length)]!;
  if (samples.length < 2000) samples.push({ name: text.name, unit: text.unit, year: text.deathYear, province });
  return {
    id: `page-${i + 1}`, pageId: i + 1, documentId: Math.floor(i / 3) + 1, pageNumber: (i % 3) + 1, kind: text.kind, classification: next() < 0.8 ? 'internal' : 'restricted',
    text: text.lines.join('\n'), names: [text.name], martyrIds: [Math.floor(i / 3) + 1], provinceCodes: [province], cemeteryIds: [1 + Math.floor(next() * 3000)], communeCodes: [],
    writing: 'printed', year: text.deathYear,
  };
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
