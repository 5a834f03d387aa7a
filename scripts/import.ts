/**
 * `npm run import -- --province <code> [--dry-run] [--source <name>] FILE`: imports a provincial
 * export (.xlsx or .csv) into the province <code> (a current province code, e.g. 33 for Hưng Yên):
 * a dry run first, printed; then, unless --dry-run, the commit.
 */
import { parseArgs } from 'node:util';
import { createDb } from '../server/db/knex.js';
import { preparePostgresFor } from '../server/setup/postgres.js';
import { importFromCli, rejectedLines } from '../server/imports/import-cli.js';
import { importThreadOf } from '../server/imports/import-thread.js';
import { translate } from '../server/i18n/messages.js';
import { runMain } from '../server/setup/run-main.js';
import { importFilesOf } from '../server/storage/file-stores.js';

runMain(async (config, logger) => {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { province: { type: 'string' }, source: { type: 'string', default: 'Dòng lệnh' }, 'dry-run': { type: 'boolean', default: false } },
  });
  if (!values.province || !/^\d{2}$/.test(values.province) || positionals.length !== 1) {
    console.error('usage: npm run import -- --province <code> [--dry-run] [--source <name>] FILE');
    process.exit(2);
  }
  const databaseUrl = await preparePostgresFor(config, logger);
  const db = createDb(databaseUrl, 4, logger);
  try {
    const started = Date.now();
    const result = await importFromCli(db, importFilesOf(config), logger, { provinceCode: values.province, sourceName: values.source!, file: positionals[0]!, dryRun: values['dry-run']!, thread: importThreadOf({ ...config, databaseUrl }) });
    for (const p of result.problems) console.error(translate('vi', `imports.error.${p.split(':')[0]}`, { field: p.split(':')[1] ?? '' }));
    console.log(JSON.stringify({ batch: result.batchId, state: result.state, counts: result.counts, seconds: (Date.now() - started) / 1000 }, null, 2));
    for (const line of await rejectedLines(db, result.batchId, 20)) console.log(line);
    if (result.rejectsFile) console.log(`rejected rows with a "Lỗi" column: ${result.rejectsFile}`);
    if (result.problems.length) process.exitCode = 1;
  } catch (error) {
    const reason = (error as { reason?: string }).reason;
    if (reason) {
      console.error(translate('vi', `imports.error.${reason}`, { maxMb: 200 }));
      process.exitCode = 1;
      return;
    }
    throw error;
  } finally {
    await db.destroy();
  }
});
