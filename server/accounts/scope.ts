/**
 * The one place a signed-in user becomes a scope: which provinces and cemeteries their roles reach.
 * Every staff query filters through the SQL fragments here, so a list shows, a count counts and a
 * lookup finds only what the scope covers (anything else is a 404, as if it did not exist).
 */
import type { Knex } from '../db/knex.js';

export const ROLES = ['admin', 'ministry_officer', 'province_officer', 'cemetery_staff', 'commune_officer'] as const;
export type Role = (typeof ROLES)[number];

/** `communeCode`: the 2025 commune of a commune officer (who reads dossiers by delegation, nothing else). */
export type RoleGrant = { role: Role; provinceCode: string | null; cemeteryId: number | null; communeCode?: string | null };

export type Scope = {
  /** Admins and ministry officers reach the whole country. */
  national: boolean;
  provinceCodes: string[];
  cemeteryIds: number[];
  /** Communes whose martyrs' dossiers a commune officer may read (dossiers only). */
  communeCodes: string[];
  roles: Role[];
};

export function scopeOf(grants: RoleGrant[]): Scope {
  const roles = [...new Set(grants.map((g) => g.role))];
  return {
    national: roles.includes('admin') || roles.includes('ministry_officer'),
    provinceCodes: [...new Set(grants.filter((g) => g.role === 'province_officer' && g.provinceCode).map((g) => g.provinceCode!))].sort(),
    cemeteryIds: [...new Set(grants.filter((g) => g.role === 'cemetery_staff' && g.cemeteryId).map((g) => Number(g.cemeteryId)))].sort((a, b) => a - b),
    communeCodes: [...new Set(grants.filter((g) => g.role === 'commune_officer' && g.communeCode).map((g) => g.communeCode!))].sort(),
    roles,
  };
}

export const hasRole = (scope: Scope, ...roles: Role[]) => roles.some((r) => scope.roles.includes(r));

/** Officers review submissions; cemetery staff keep graves. */
export const canReview = (scope: Scope) => hasRole(scope, 'admin', 'ministry_officer', 'province_officer');

export type SqlFilter = { sql: string; bindings: Knex.Value[] };

const everything: SqlFilter = { sql: 'TRUE', bindings: [] };

/** Cemeteries in scope; `c` is the cemetery's alias. A province officer reaches every cemetery of the province. */
export function cemeteryInScope(scope: Scope, c = 'c'): SqlFilter {
  if (scope.national) return everything;
  return { sql: `(${c}.province_code = ANY(?) OR ${c}.id = ANY(?))`, bindings: [scope.provinceCodes, scope.cemeteryIds] };
}

/**
 * Martyrs in scope: by the current province of their hometown (records written with old or
 * historical names were mapped to it) or the cemetery of their grave (`c`, may be NULL).
 */
export function martyrInScope(scope: Scope, m = 'm', c = 'c'): SqlFilter {
  if (scope.national) return everything;
  return {
    sql: `(${m}.hometown_province_code = ANY(?) OR ${c}.province_code = ANY(?) OR ${c}.id = ANY(?))`,
    bindings: [scope.provinceCodes, scope.provinceCodes, scope.cemeteryIds],
  };
}

/** Submissions in scope: routed to a province the officer covers. */
export function submissionInScope(scope: Scope, s = 's'): SqlFilter {
  if (scope.national) return everything;
  if (!canReview(scope)) return { sql: 'FALSE', bindings: [] };
  return { sql: `${s}.province_code = ANY(?)`, bindings: [scope.provinceCodes] };
}

/**
 * How much of a martyr's dossier the scope may read, as an SQL expression over the martyr `m` and
 * the cemetery of their grave `c` (may be NULL): 2 every document (national, or the province of the
 * hometown or of the grave), 1 internal documents only (cemetery staff of the grave's cemetery, a
 * commune officer by delegation), 0 nothing.
 *
 * A commune officer reaches a martyr whose old hometown commune went whole into their 2025 commune
 * (commune_mapping 'full'), whose hometown was written with the 2025 commune itself, or whom a
 * province officer confirmed for the commune (an old commune split across several new ones).
 */
export function dossierLevel(scope: Scope, m = 'm', c = 'c'): SqlFilter {
  if (scope.national) return { sql: '2', bindings: [] };
  return {
    sql: `(CASE
      WHEN ${m}.hometown_province_code = ANY(?::text[]) OR ${c}.province_code = ANY(?::text[]) THEN 2
      WHEN ${c}.id = ANY(?::bigint[]) THEN 1
      WHEN cardinality(?::text[]) > 0 AND (
        EXISTS (SELECT 1 FROM commune_mapping cm WHERE cm.old_code = ${m}.hometown_old_commune_code AND cm.old_level = 'ward'
                AND cm.merge_type = 'full' AND cm.new_commune_code = ANY(?::text[]))
        OR (${m}.hometown_old_commune_code IS NULL AND ${m}.hometown_commune_code = ANY(?::text[]))
        OR EXISTS (SELECT 1 FROM dossier_commune_confirmations cc WHERE cc.martyr_id = ${m}.id AND cc.commune_code = ANY(?::text[]))
      ) THEN 1
      ELSE 0 END)`,
    bindings: [scope.provinceCodes, scope.provinceCodes, scope.cemeteryIds, scope.communeCodes, scope.communeCodes, scope.communeCodes, scope.communeCodes],
  };
}

/** Who may add documents to a dossier they can read fully, correct the record from it and confirm commune records. */
export const keepsDossiers = (scope: Scope) => hasRole(scope, 'admin', 'ministry_officer', 'province_officer');

/** The same for a document on a grave, through the grave's cemetery `c`. */
export function graveDossierLevel(scope: Scope, c = 'c'): SqlFilter {
  if (scope.national) return { sql: '2', bindings: [] };
  return { sql: `(CASE WHEN ${c}.province_code = ANY(?::text[]) THEN 2 WHEN ${c}.id = ANY(?::bigint[]) THEN 1 ELSE 0 END)`, bindings: [scope.provinceCodes, scope.cemeteryIds] };
}
