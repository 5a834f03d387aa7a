// Temporary: in-process CPU profile of search() on the bench queries (not committed).
import { runMain } from '../../server/setup/run-main.js';
import { startServices } from '../../server/portal.js';
import { search } from '../../server/search/search.service.js';
import { searchSchema } from '../../server/search/search.schema.js';
import { buildQueryList } from '../bench/queries.js';

runMain(async (config, logger) => {
  const services = await startServices(config, logger, { reuseRunningMeili: true });
  const deps = { db: services.db, meili: services.meili, indexUid: config.meiliIndex, provinces: services.provinces, logger };
  const list = await buildQueryList(services.db, Number(process.env.N ?? 600), 'liet-si', 'prof');
  for (const q of list.queries.slice(0, 100)) await search(deps, searchSchema.parse({ q: q.q }));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let engineMs = 0, calls = 0;
  for (const q of list.queries) {
    const meter = { calls: 0, engineMs: 0 };
    const r = await search(deps, searchSchema.parse({ q: q.q }), meter);
    JSON.stringify(r);
    engineMs += meter.engineMs; calls += meter.calls;
  }
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const n = list.queries.length;
  console.log(`per search: wall ${(wall / n).toFixed(2)} ms, engine wait ${(engineMs / n).toFixed(2)} ms, own CPU ${((cpu.user + cpu.system) / 1000 / n).toFixed(2)} ms, calls ${(calls / n).toFixed(3)}`);
  await services.close();
});
