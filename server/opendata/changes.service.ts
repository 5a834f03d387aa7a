/**
 * The change feed (/api/changes): public creations, changes and removals of martyrs, graves and
 * cemeteries in commit-safe order, each with the record as the public sees it now. Within one page
 * a record changed several times appears once, at its last position: its state is read at the
 * end anyway. An upsert whose record is no longer public (it turned confidential or went since)
 * is sent as a removal; the later removal in the log says the same, so applying both is harmless.
 */
import type { Db, Knex } from '../db/knex.js';
import { Gone, InvalidInput } from '../http/errors.js';
import { publicMartyr } from '../martyrs/martyr.view.js';
import { publicMartyrsByIds } from '../martyrs/martyrs.queries.js';
import { featureDocument } from '../ogc/ogc.documents.js';
import { featuresByIds } from '../ogc/ogc.queries.js';
import { withStatementTimeout, withoutStatementTimeout } from '../db/bounded.js';
import { changesAfter, pruneChanges, snapshotPosition, type ChangePosition, type ChangeRow } from './changes.queries.js';

export const CHANGES_DEFAULT_LIMIT = 1000;
export const CHANGES_MAX_LIMIT = 10_000;

/** Cursors are opaque to clients: base64url of "<txid>.<id>". */
export function encodeChangeCursor(position: ChangePosition): string {
  return Buffer.from(`${position.txid}.${position.id}`).toString('base64url');
}

/** The beginning of the log: everything ever logged follows it. */
export const START_CURSOR = encodeChangeCursor({ txid: '0', id: 0 });

export function decodeChangeCursor(cursor: string): ChangePosition {
  const text = /^[A-Za-z0-9_-]{1,64}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('latin1') : '';
  const match = /^(0|[1-9]\d{0,19})\.(0|[1-9]\d{0,17})$/.exec(text);
  if (!match || BigInt(match[1]!) > 2n ** 64n - 1n || !Number.isSafeInteger(Number(match[2]))) {
    throw new InvalidInput('since: not a cursor of this feed (use the next value of the page before, or a download\'s feedCursor)', { problems: [{ parameter: 'since', message: 'not a cursor of this feed' }] }, 'bad_cursor');
  }
  return { txid: match[1]!, id: Number(match[2]) };
}

export type FeedEntry = {
  cursor: string;
  type: ChangeRow['entity_type'];
  id: number;
  change: 'upsert' | 'remove';
  at: string;
  record: unknown;
};

export type FeedPage = { since: string; next: string; more: boolean; changes: FeedEntry[] };

/**
 * A cursor the log no longer holds the whole continuation of (the `change-feed-prune` job keeps
 * `keptDays`): answered 410 with a code of its own, never with a page that silently skips. The way
 * back is a national download and its feedCursor, built daily, so always within what is kept.
 */
export class CursorExpired extends Gone {
  constructor(keptDays: number) {
    super('cursor_expired', `since: the feed keeps ${keptDays} days of changes and this cursor is older; load a national download from /du-lieu-mo and continue from its feedCursor`, { keptDays });
  }
}

export async function readChanges(db: Db, options: { since: string | undefined; limit: number; base: string; boundaries: boolean; statementTimeoutMs: number; keptDays: number }): Promise<FeedPage> {
  const after = options.since === undefined ? undefined : decodeChangeCursor(options.since);
  return withStatementTimeout(db, options.statementTimeoutMs, async (trx) => {
    const { rows, more, expired } = await changesAfter(trx, after, options.limit);
    if (expired) throw new CursorExpired(options.keptDays);
    const last = new Map<string, ChangeRow>();
    for (const row of rows) {
      const key = `${row.entity_type}:${row.entity_id}`;
      last.delete(key);
      last.set(key, row);
    }
    const kept = [...last.values()].sort((a, b) => (BigInt(a.txid) === BigInt(b.txid) ? a.id - b.id : BigInt(a.txid) < BigInt(b.txid) ? -1 : 1));
    const idsOf = (type: ChangeRow['entity_type']) => kept.filter((r) => r.entity_type === type && r.change === 'upsert').map((r) => r.entity_id);
    const [martyrs, graves, cemeteries] = [
      await publicMartyrsByIds(trx, idsOf('martyr')),
      await featuresByIds(trx, 'graves', idsOf('grave'), options.boundaries, options.base),
      await featuresByIds(trx, 'cemeteries', idsOf('cemetery'), options.boundaries, options.base),
    ];
    const records = new Map<string, unknown>([
      ...martyrs.map((m) => [`martyr:${m.id}`, publicMartyr(m)] as const),
      ...graves.map((g) => [`grave:${g.id}`, featureDocument(g)] as const),
      ...cemeteries.map((c) => [`cemetery:${c.id}`, featureDocument(c)] as const),
    ]);
    const changes = kept.map((row): FeedEntry => {
      const record = row.change === 'upsert' ? (records.get(`${row.entity_type}:${row.entity_id}`) ?? null) : null;
      return {
        cursor: encodeChangeCursor(row),
        type: row.entity_type,
        id: row.entity_id,
        change: record === null ? 'remove' : 'upsert',
        at: row.at.toISOString(),
        record,
      };
    });
    const lastRow = rows.at(-1);
    return { since: options.since ?? START_CURSOR, next: lastRow ? encodeChangeCursor(lastRow) : (options.since ?? START_CURSOR), more, changes };
  });
}

/** Where a consumer that has just loaded everything this transaction's snapshot holds continues from. */
export async function feedCursorOfSnapshot(db: Knex): Promise<string> {
  return encodeChangeCursor(await snapshotPosition(db));
}

/** Deletes the log's changes older than `keptDays` (a first prune of a long log outlasts any request's timeout). */
export function pruneChangeFeed(db: Db, keptDays: number) {
  return withoutStatementTimeout(db, (trx) => pruneChanges(trx, keptDays));
}
