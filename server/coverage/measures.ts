/**
 * The measures of the coverage page (/quan-ly/tong-quan), in one list: the page, the table, the
 * downloads, the charts and the two materialized views (coverage_current, coverage_monthly) are all
 * built from it. Each measure is a column of both views, filled from its `facts`.
 *
 * A measure's facts are a SELECT returning one row per thing counted, with these columns:
 *   cemetery_id        bigint  the cemetery it belongs to (NULL: none; then it counts for provinces only)
 *   province_code      text    the current (34) province it counts for (NULL: none)
 *   old_province_code  text    the province of 2008-2025 (63) it counts for (NULL: none)
 *   since              timestamptz  from when it counts
 *   until              timestamptz  when it stops counting (NULL: still counts)
 *   value              double precision  1 for a count; the number a median or sum is taken of
 * A `sum` measure is the sum of `value` over the facts that count at a moment (now for the page, the
 * end of each month for the charts); a `median` measure is the median of `value` over the facts
 * counting now, and per month over the facts whose `since` falls in that month.
 * The facts may read the CTE `coverage_cemetery_areas (id, province_code, old_province_code)`: every
 * cemetery with its two provinces (the 2008-2025 one found from the position when not recorded).
 *
 * Adding a measure (for instance those marked "not yet available" below, once their tables exist):
 *   1. give it `facts` here (and `requires`: the tables it reads);
 *   2. add a migration `<timestamp>_coverage_<key>.ts` whose up() is
 *      `await rebuildCoverageViews(knex)` (server/coverage/coverage-views.queries.ts): the views are
 *      dropped and made again from this list, as a search index is rebuilt from its documents;
 *   3. add the labels to web/messages/{vi,en}/coverage.json if the measure is new (`coverage.measure.<key>`).
 *
 * The migration (say migrations/20261202001500_coverage_imports.ts):
 *   import type { Knex } from 'knex';
 *   import { rebuildCoverageViews } from '../server/coverage/coverage-views.queries.js';
 *   export const up = (knex: Knex) => rebuildCoverageViews(knex);
 *   export const down = (knex: Knex) => rebuildCoverageViews(knex);
 * A rebuild computes the views at once (about 20 s on a million graves, inside the migration).
 *
 * Keys are SQL column names: lower-case letters, digits and underscores. The SQL goes through knex's
 * raw(), where `?` is a binding: write jsonb's `?` operator as `jsonb_exists()` or `->` ... IS NOT NULL.
 */

export type MeasureKind = 'sum' | 'median';

export type Measure = {
  key: string;
  kind: MeasureKind;
  /** How a value reads: a number of things, or days. */
  unit: 'count' | 'days';
  /** When set, the map and table show the value as a share of this measure (a percentage). */
  shareOf?: string;
  /** Whether a higher value is better (the map's colours run from poor to good). */
  higherIsBetter: boolean;
  /** The tables the facts read; a measure whose tables do not exist yet is built as unavailable. */
  requires: string[];
  /** The SELECT of facts (see above); null: not yet available. */
  facts: string | null;
};

/** Graves as facts: what each grave-based measure filters. */
const graveFacts = (filter: string, since: string) => `
  SELECT g.cemetery_id, ca.province_code, ca.old_province_code, ${since} AS since, NULL::timestamptz AS until, 1::double precision AS value
  FROM graves g JOIN coverage_cemetery_areas ca ON ca.id = g.cemetery_id
  ${filter}`;

/**
 * A submission's cemetery: the one it names, else its grave's, else the grave of its martyr;
 * its province is the one it is routed to.
 */
const submissionFacts = (filter: string, since: string, until: string, value: string) => `
  SELECT ca.id AS cemetery_id, s.province_code, COALESCE(ca.old_province_code, m.hometown_old_province_code) AS old_province_code,
         ${since} AS since, ${until} AS until, ${value} AS value
  FROM submissions s
  LEFT JOIN graves sg ON sg.id = s.grave_id
  LEFT JOIN martyrs m ON m.id = s.martyr_id
  LEFT JOIN graves mg ON mg.id = m.grave_id
  LEFT JOIN coverage_cemetery_areas ca ON ca.id = COALESCE(s.cemetery_id, sg.cemetery_id, mg.cemetery_id)
  ${filter}`;

/** The first audit row of a grave whose `after` satisfies `condition`: when the grave first got it. */
const firstAudit = (condition: string) =>
  `(SELECT min(a.at) FROM audit_log a WHERE a.entity_type = 'grave' AND a.entity_id = g.id AND (${condition}))`;

/** A decided submission counts towards the median for a year after its decision. */
const DECIDED = `s.status IN ('accepted', 'rejected')`;
const decidedAt = 'COALESCE(s.decided_at, s.updated_at)';

export const MEASURES: readonly Measure[] = [
  {
    key: 'graves',
    kind: 'sum',
    unit: 'count',
    higherIsBetter: true,
    requires: ['graves'],
    facts: graveFacts('', 'g.created_at'),
  },
  {
    key: 'graves_with_position',
    kind: 'sum',
    unit: 'count',
    shareOf: 'graves',
    higherIsBetter: true,
    requires: ['graves', 'audit_log'],
    // Since the first edit that gave it a position, else since it was recorded (an import with positions).
    facts: graveFacts('WHERE g.position IS NOT NULL', `COALESCE(${firstAudit(`jsonb_typeof(a.after -> 'position') = 'string' OR (a.after -> 'lat') IS NOT NULL`)}, g.created_at)`),
  },
  {
    key: 'graves_with_photo',
    kind: 'sum',
    unit: 'count',
    shareOf: 'graves',
    higherIsBetter: true,
    requires: ['graves', 'photos'],
    // Graves with a current headstone photo, since their first photo.
    facts: `
      SELECT g.cemetery_id, ca.province_code, ca.old_province_code, p.first_at AS since, NULL::timestamptz AS until, 1::double precision AS value
      FROM (SELECT grave_id, min(created_at) AS first_at FROM photos GROUP BY grave_id HAVING bool_or(is_current)) p
      JOIN graves g ON g.id = p.grave_id JOIN coverage_cemetery_areas ca ON ca.id = g.cemetery_id`,
  },
  {
    key: 'graves_identified',
    kind: 'sum',
    unit: 'count',
    shareOf: 'graves',
    higherIsBetter: true,
    requires: ['graves', 'audit_log'],
    facts: graveFacts(`WHERE g.state = 'identified'`, `COALESCE(${firstAudit(`a.after ->> 'state' = 'identified'`)}, g.created_at)`),
  },
  {
    key: 'submissions_waiting',
    kind: 'sum',
    unit: 'count',
    higherIsBetter: false,
    requires: ['submissions'],
    facts: submissionFacts('', 's.created_at', `CASE WHEN ${DECIDED} THEN ${decidedAt} END`, '1::double precision'),
  },
  {
    key: 'days_to_decide',
    kind: 'median',
    unit: 'days',
    higherIsBetter: false,
    requires: ['submissions'],
    facts: submissionFacts(`WHERE ${DECIDED}`, decidedAt, `${decidedAt} + interval '365 days'`, `extract(epoch FROM ${decidedAt} - s.created_at) / 86400`),
  },
  {
    key: 'imports_90_days',
    kind: 'sum',
    unit: 'count',
    higherIsBetter: true,
    requires: ['import_batches'],
    // A committed import batch counts for its province for 90 days.
    facts: `
      SELECT NULL::bigint AS cemetery_id, b.province_code, NULL::text AS old_province_code,
             b.committed_at AS since, b.committed_at + interval '90 days' AS until, 1::double precision AS value
      FROM import_batches b WHERE b.state = 'committed' AND b.committed_at IS NOT NULL`,
  },
  {
    key: 'family_requests_waiting',
    kind: 'sum',
    unit: 'count',
    higherIsBetter: false,
    requires: ['family_requests'],
    // A family's request waits, in its hometown province, until its grave is found or it is closed.
    facts: `
      SELECT NULL::bigint AS cemetery_id, r.province_code, NULL::text AS old_province_code,
             r.created_at AS since, CASE WHEN r.status <> 'searching' THEN r.updated_at END AS until, 1::double precision AS value
      FROM family_requests r`,
  },
  {
    key: 'records_with_dossier',
    kind: 'sum',
    unit: 'count',
    higherIsBetter: true,
    requires: ['dossier_documents'],
    // A martyr counts where the grave is, else in the hometown province, from the dossier's first file.
    facts: `
      SELECT ca.id AS cemetery_id, COALESCE(ca.province_code, m.hometown_province_code) AS province_code,
             COALESCE(ca.old_province_code, m.hometown_old_province_code) AS old_province_code,
             d.first_at AS since, NULL::timestamptz AS until, 1::double precision AS value
      FROM (SELECT martyr_id, min(created_at) AS first_at FROM dossier_documents WHERE martyr_id IS NOT NULL GROUP BY martyr_id) d
      JOIN martyrs m ON m.id = d.martyr_id
      LEFT JOIN graves g ON g.id = m.grave_id
      LEFT JOIN coverage_cemetery_areas ca ON ca.id = g.cemetery_id`,
  },
  {
    key: 'dossier_pages_read',
    kind: 'sum',
    unit: 'count',
    higherIsBetter: true,
    requires: ['dossier_documents', 'dossier_pages'],
    // Pages read by OCR, since their reading; a grave's reburial papers count at its cemetery.
    facts: `
      SELECT ca.id AS cemetery_id, COALESCE(ca.province_code, m.hometown_province_code) AS province_code,
             COALESCE(ca.old_province_code, m.hometown_old_province_code) AS old_province_code,
             p.ocr_at AS since, NULL::timestamptz AS until, 1::double precision AS value
      FROM dossier_pages p
      JOIN dossier_documents d ON d.id = p.document_id
      LEFT JOIN martyrs m ON m.id = d.martyr_id
      LEFT JOIN graves g ON g.id = COALESCE(d.grave_id, m.grave_id)
      LEFT JOIN coverage_cemetery_areas ca ON ca.id = g.cemetery_id
      WHERE p.ocr_state = 'done' AND p.ocr_at IS NOT NULL`,
  },
];

export const MEASURE_KEY = /^[a-z][a-z0-9_]{0,62}$/;

export function measureByKey(key: string): Measure | undefined {
  return MEASURES.find((m) => m.key === key);
}
