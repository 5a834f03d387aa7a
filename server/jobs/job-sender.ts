/**
 * Sending a job inside the caller's transaction: the job row commits with the change that causes
 * it, or not at all, so a crash between the two can neither lose the work nor run it for nothing.
 * pg-boss takes a `db` with `executeSql(text, values)`; this one runs pg-boss's `$n` SQL on the
 * knex transaction (knex binds `?`, so each `$n` becomes a `?` with its value, repeats included).
 */
import type PgBoss from 'pg-boss';
import type { Knex } from '../db/knex.js';

export type JobSender = {
  send(trx: Knex, name: string, data: object, options?: PgBoss.SendOptions): Promise<void>;
};

export function knexExecutor(trx: Knex): PgBoss.Db {
  return {
    async executeSql(text: string, values: unknown[]) {
      const bindings: Knex.Value[] = [];
      const sql = text.replace(/\$(\d+)/g, (_, n: string) => {
        const value = values[Number(n) - 1];
        bindings.push((value === undefined ? null : value) as Knex.Value);
        return '?';
      });
      const result = await trx.raw<{ rows: unknown[] }>(sql, bindings);
      return { rows: result.rows };
    },
  };
}

export function jobSenderOf(boss: PgBoss): JobSender {
  return {
    async send(trx, name, data, options = {}) {
      await boss.send(name, data, { ...options, db: knexExecutor(trx) });
    },
  };
}
