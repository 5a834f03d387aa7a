/**
 * `npm run matching:rebuild`: parses every unidentified grave again into grave_clues (the family
 * matching's read model), e.g. after the unit or place parsing changed. The seed runs it itself;
 * in between, the grave-change job keeps grave_clues in step. Safe beside a running server.
 */
import { createDb } from '../server/db/knex.js';
import { preparePostgresFor } from '../server/setup/postgres.js';
import { rebuildGraveClues } from '../server/families/matching.service.js';
import { runMain } from '../server/setup/run-main.js';

runMain(async (config, logger) => {
  const db = createDb(await preparePostgresFor(config, logger), 2, logger);
  try {
    const started = Date.now();
    const n = await rebuildGraveClues(db);
    console.log(`grave clues: ${n.toLocaleString('en')} unidentified graves parsed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await db.destroy();
  }
});
