/**
 * `npm run user:create -- --email a@b.vn --role admin [--name "Nguyễn Văn A"] [--username a]
 *  [--province 44] [--cemetery 12]`: creates an account (the first admin, typically) and prints a
 * one-time link to set its password. No password ever goes on the command line.
 */
import { parseArgs } from 'node:util';
import { createUser, parseRole } from '../server/accounts/users.service.js';
import { createDb } from '../server/db/knex.js';
import { migrateLatest } from '../server/db/migrate.js';
import { runMain } from '../server/setup/run-main.js';
import { preparePostgresFor } from '../server/setup/postgres.js';
import { DomainError } from '../server/http/errors.js';
import { SetupError } from '../server/setup/setup-error.js';
import { loadReferenceData } from '../seeds/reference/load-reference.js';

runMain(async (config, logger) => {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        email: { type: 'string' },
        role: { type: 'string', multiple: true },
        name: { type: 'string' },
        username: { type: 'string' },
        province: { type: 'string' },
        cemetery: { type: 'string' },
      },
      strict: true,
    }));
  } catch (error) {
    throw new SetupError(`${(error as Error).message}. Usage: npm run user:create -- --email you@example.vn --role admin`);
  }
  if (!values.email || !values.role?.length) throw new SetupError('Usage: npm run user:create -- --email you@example.vn --role admin [--name "..."] [--province 44] [--cemetery 12]');
  const grants = values.role.map((r) => {
    const role = parseRole(r);
    return {
      role,
      provinceCode: role === 'province_officer' ? (values.province ?? null) : null,
      cemeteryId: role === 'cemetery_staff' && values.cemetery ? Number(values.cemetery) : null,
    };
  });

  const databaseUrl = await preparePostgresFor(config, logger);
  const db = createDb(databaseUrl, 2, logger);
  try {
    await migrateLatest(db);
    await loadReferenceData(db, logger);
    const { user, resetToken } = await createUser(db, { userId: null, ip: null }, {
      email: values.email,
      username: values.username ?? null,
      displayName: values.name ?? values.email.split('@')[0]!,
      grants,
    });
    const base = config.publicBaseUrl ?? `http://localhost:${config.port}`;
    console.log(`created account #${user.id} ${user.email} (${grants.map((g) => g.role).join(', ')})`);
    console.log(`set its password within 24 hours at: ${base}/quan-ly/dat-lai-mat-khau/${resetToken}`);
  } catch (error) {
    // A refusal (an account that exists, a grant without its province) is one line, not a stack.
    if (error instanceof DomainError || (error instanceof Error && 'status' in error && Number((error as { status: number }).status) < 500)) throw new SetupError(error.message);
    throw error;
  } finally {
    await db.destroy();
  }
});
