/**
 * The one place a signed-in user becomes a scope: which provinces and cemeteries their roles reach.
 * Every staff query filters through the SQL fragments here, so a list shows, a count counts and a
 * lookup finds only what the scope covers (anything else is a 404, as if it did not exist).
 */
import type { Knex } from '../db/knex.js';

export const ROLES = ['admin', 'ministry_officer', 'province_officer', 'cemetery_staff'] as const;
export type Role = (typeof ROLES)[number];

export type RoleGrant = { role: Role; provinceCode: string | null; cemeteryId: number | null };

export type Scope = {
  /** Admins and ministry officers reach the whole country. */
  national: boolean;
  provinceCodes: string[];
  cemeteryIds: number[];
  roles: Role[];
};

export function scopeOf(grants: RoleGrant[]): Scope {
  const roles = [...new Set(grants.map((g) => g.role))];
  return {
    national: roles.includes('admin') || roles.includes('ministry_officer'),
    provinceCodes: [...new Set(grants.filter((g) => g.role === 'province_officer' && g.provinceCode).map((g) => g.provinceCode!))].sort(),
    cemeteryIds: [...new Set(grants.filter((g) => g.role === 'cemetery_staff' && g.cemeteryId).map((g) => Number(g.cemeteryId)))].sort((a, b) => a - b),
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
