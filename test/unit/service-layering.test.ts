/**
 * Keeps the layering rule kept: a *.service.ts holds the rules, never SQL (that is the *.queries.ts
 * beside it) and never Express (that is the *.routes.ts). Read as text, so a new service breaking
 * the rule fails here with its file and line named.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const SERVER = new URL('../../server/', import.meta.url);

/** What gives SQL or HTTP away in a service: knex's query builder called on a connection, raw SQL, knex helpers, Express. */
const FORBIDDEN: { what: string; pattern: RegExp }[] = [
  { what: 'raw SQL', pattern: /\.raw\s*\(/ },
  { what: 'a knex query on db/trx', pattern: /\b(db|trx)\s*\(/ },
  { what: 'a knex helper', pattern: /\b(db|trx)\.(fn|ref|schema)\b/ },
  { what: 'Express', pattern: /from\s+['"]express['"]|import\(\s*['"]express['"]\s*\)/ },
];

/** Each line of the source that breaks the rule, as "line: what". */
function offences(source: string): string[] {
  return source.split('\n').flatMap((line, i) => FORBIDDEN.filter((f) => f.pattern.test(line)).map((f) => `${i + 1}: ${f.what}`));
}

const serviceFiles = () =>
  (readdirSync(SERVER, { recursive: true }) as string[]).filter((path) => path.endsWith('.service.ts')).sort();

describe('service modules', () => {
  it('hold no SQL and no Express: every query lives in a queries module', () => {
    const files = serviceFiles();
    // The scan must see the services it guards, or it proves nothing.
    expect(files).toEqual(expect.arrayContaining(['accounts/users.service.ts', 'submissions/review.service.ts', 'submissions/submissions.service.ts', 'upkeep/grave-edit.service.ts']));
    const found = files.flatMap((path) => offences(readFileSync(new URL(path, SERVER), 'utf8')).map((o) => `server/${path}:${o}`));
    expect(found).toEqual([]);
  });

  it('names each line that runs SQL or takes Express', () => {
    const source = [
      "import { Router } from 'express';",
      'const user = await trx(\'users\').where({ id }).first();',
      "await db.raw('SELECT 1');",
      'await update({ at: trx.fn.now() });',
      'const rows = await userById(trx, id);',
    ].join('\n');
    expect(offences(source)).toEqual(['1: Express', '2: a knex query on db/trx', '3: raw SQL', '4: a knex helper']);
  });
});
