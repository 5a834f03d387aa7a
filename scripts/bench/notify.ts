/**
 * `npm run bench:notify`: one cemetery change fanned out to 10,000 confirmed followers (--followers
 * N), through a running server: its job queue is nudged by the change, fans it out and hands every
 * message to a local SMTP server (smtp-server, in this process). Measures the time until every
 * message is queued (target < 10 s) and until every one was accepted by the SMTP server (target
 * < 2 min), and the server's memory before, during and after (target: flat). The bench followers
 * are removed at the end. Printed, and written to bench/results/notify.json.
 */
import os from 'node:os';
import path from 'node:path';
import { mkdir, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { SMTPServer } from 'smtp-server';
import { scopeOf } from '../../server/accounts/scope.js';
import { ROOT_DIR } from '../../server/config.js';
import { startServices } from '../../server/portal.js';
import { runMain } from '../../server/setup/run-main.js';
import { updateCemetery, type CemeteryLevel } from '../../server/upkeep/cemetery-edit.service.js';
import { staffCemetery } from '../../server/upkeep/upkeep.queries.js';
import { startServer } from './server-process.js';

const TARGETS = { queuedMs: 10_000, deliveredMs: 120_000, memoryGrowthMb: 100 };
const BENCH_DOMAIN = 'notify-bench.invalid';

runMain(async (config, logger) => {
  const { values } = parseArgs({ options: { followers: { type: 'string', default: '10000' } }, strict: true });
  const followers = Number(values.followers);
  const services = await startServices(config, logger, { reuseRunningMeili: true });
  const { db } = services;

  // The local SMTP server: counts what it accepted, and which Message-IDs.
  const messageIds = new Set<string>();
  let accepted = 0;
  const smtp = new SMTPServer({
    authOptional: true, disabledCommands: ['STARTTLS', 'AUTH'], logger: false,
    onData(stream, session, callback) {
      const ours = session.envelope.rcptTo.every((r) => r.address.endsWith(`@${BENCH_DOMAIN}`));
      let head = '';
      stream.on('data', (c: Buffer) => {
        if (head.length < 4000) head += c.toString('utf8');
      });
      stream.on('end', () => {
        const id = /^Message-ID:\s*(\S+)/im.exec(head)?.[1];
        if (ours && id) messageIds.add(id);
        if (ours) accepted++;
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', () => resolve()));
  const address = smtp.server.address();
  const smtpUrl = `smtp://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  const cleanUp = () => db('follows').where('email', 'like', `%@${BENCH_DOMAIN}`).del();
  try {
    const cemetery = await db('cemeteries').orderBy('id').first('id');
    if (!cemetery) throw new Error('the database has no cemetery: npm run seed first');
    const cemeteryId = Number(cemetery.id);
    await cleanUp();
    await db.raw(
      `INSERT INTO follows (email, locale, target_type, target_id, target_key, target_path, label, cadence, status, confirm_token, unsubscribe_token, confirmed_at)
       SELECT 'bench-' || g || '@${BENCH_DOMAIN}', CASE WHEN g % 5 = 0 THEN 'en' ELSE 'vi' END, 'cemetery', ?, 'cemetery:' || ?, '/nghia-trang/' || ?, 'Nghĩa trang thử tải',
              'immediate', 'active', 'bc' || g || md5(random()::text), 'bu' || g || md5(random()::text), now()
       FROM generate_series(1, ?) g`,
      [cemeteryId, cemeteryId, cemeteryId, followers],
    );

    server = await startServer({
      rootDir: ROOT_DIR,
      env: { ...process.env, DATABASE_URL: services.databaseUrl, MEILI_URL: services.meiliUrl, MEILI_MASTER_KEY: services.meiliKey ?? '', MEILI_INDEX: config.meiliIndex, SMTP_URL: smtpUrl, LOG_LEVEL: 'warn', NODE_ENV: process.env.NODE_ENV || 'production', MALLOC_ARENA_MAX: '2' },
    });
    await new Promise((r) => setTimeout(r, 3000));
    server.memory.enter('idle');
    await new Promise((r) => setTimeout(r, 2000));
    const idleMb = Math.round(server.memory.lastRssKb / 102.4) / 10;

    const admin = scopeOf([{ role: 'admin', provinceCode: null, cemeteryId: null }]);
    const c = (await staffCemetery(db, admin, cemeteryId))!;
    const adminUser = await db('users').first('id');
    const started = Date.now();
    server.memory.enter('fan-out');
    await updateCemetery(db, { userId: adminUser ? Number(adminUser.id) : (null as unknown as number), ip: null, scope: admin }, cemeteryId, {
      name: c.name, level: c.level as CemeteryLevel, address: c.address, description: `${c.description ?? ''} (bench ${new Date().toISOString()})`.trim().slice(0, 2000),
      boundary: c.boundary, boardPhone: c.board_phone, openingHours: c.opening_hours, gate: c.gate_lat === null || c.gate_lng === null ? null : { lat: Number(c.gate_lat), lng: Number(c.gate_lng) },
      reason: 'bench:notify',
    });

    let queuedMs: number | null = null;
    let deliveredMs: number | null = null;
    const queuedCount = async () => Number((await db('outgoing_mail as m').join('follows as f', 'f.id', 'm.follow_id').where('f.email', 'like', `%@${BENCH_DOMAIN}`).count<{ n: string }[]>('m.id as n').first())?.n ?? 0);
    while (Date.now() - started < TARGETS.deliveredMs * 2) {
      if (queuedMs === null && (await queuedCount()) >= followers) {
        queuedMs = Date.now() - started;
        server.memory.enter('sending');
      }
      if (messageIds.size >= followers) {
        deliveredMs = Date.now() - started;
        break;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    server.memory.enter('after');
    await new Promise((r) => setTimeout(r, 3000));
    const afterMb = Math.round(server.memory.lastRssKb / 102.4) / 10;
    const peak = (phase: string) => Math.round((server!.memory.peakRssKbByPhase[phase] ?? 0) / 102.4) / 10;
    const memory = { idleMb, fanOutPeakMb: peak('fan-out'), sendingPeakMb: peak('sending'), afterMb };
    const growth = Math.max(memory.fanOutPeakMb, memory.sendingPeakMb) - idleMb;
    const load = os.loadavg().map((l) => Math.round(l * 10) / 10);
    const result = {
      at: new Date().toISOString(),
      machine: { cpus: os.cpus().length, memoryGiB: Math.round(os.totalmem() / 2 ** 30), loadAverage: load },
      dataset: { followers, graves: Number((await db('graves').count<{ n: string }[]>('id as n').first())?.n ?? 0) },
      results: { queuedMs, deliveredMs, accepted, distinctMessageIds: messageIds.size, memory, memoryGrowthMb: Math.round(growth * 10) / 10 },
      targets: { ...TARGETS, met: queuedMs !== null && queuedMs < TARGETS.queuedMs && deliveredMs !== null && deliveredMs < TARGETS.deliveredMs && growth < TARGETS.memoryGrowthMb },
    };
    console.log(`followers ${followers}: all queued in ${queuedMs ?? '—'} ms (target < ${TARGETS.queuedMs}), all accepted by SMTP in ${deliveredMs ?? '—'} ms (target < ${TARGETS.deliveredMs})`);
    console.log(`SMTP accepted ${accepted} messages, ${messageIds.size} distinct Message-IDs`);
    console.log(`server RSS: idle ${memory.idleMb} MB, fan-out peak ${memory.fanOutPeakMb} MB, sending peak ${memory.sendingPeakMb} MB, after ${memory.afterMb} MB; load average ${load.join(' ')}`);
    console.log(`targets: ${JSON.stringify(result.targets)}`);
    await mkdir(path.join(ROOT_DIR, 'bench', 'results'), { recursive: true });
    await writeFile(path.join(ROOT_DIR, 'bench', 'results', 'notify.json'), `${JSON.stringify(result, null, 2)}\n`);
    console.log('written to bench/results/notify.json');
  } finally {
    await server?.stop();
    await cleanUp().catch(() => undefined);
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
    await services.close();
  }
});
