/**
 * What the portal needs of the PostgreSQL server and its PostGIS, and the Debian package that
 * brings PostGIS to a given server.
 */
import { SetupError } from './setup-error.js';

/**
 * PostGIS 3 gives ST_TileEnvelope and ST_AsMVT with the options tiles rely on; PostgreSQL 15 gives
 * UNIQUE NULLS NOT DISTINCT, which plot uniqueness relies on.
 */
export const MINIMUM_POSTGRES_VERSION_NUM = 150000;
export const MINIMUM_POSTGIS_MAJOR = 3;

/** `server_version_num` (e.g. "150020") as a number; anything else is a server we do not understand. */
export function parseServerVersionNum(text: unknown): number {
  const value = typeof text === 'string' && /^\d{5,7}$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!Number.isInteger(value)) throw new SetupError(`PostgreSQL reported server_version_num ${JSON.stringify(text)}, which is not a version number.`);
  return value;
}

/** "15.2" from 150002, as people write it (since PostgreSQL 10 the number is major * 10000 + minor). */
export function formatVersionNum(versionNum: number): string {
  return `${Math.floor(versionNum / 10000)}.${versionNum % 10000}`;
}

/** Throws when the server is older than the portal needs. */
export function checkServerVersion(versionNum: number): void {
  if (versionNum < MINIMUM_POSTGRES_VERSION_NUM) {
    throw new SetupError(
      `PostgreSQL ${formatVersionNum(versionNum)} is too old: the portal needs ${formatVersionNum(MINIMUM_POSTGRES_VERSION_NUM).replace(/\.0$/, '')} or newer.`,
    );
  }
}

/** Debian's PostGIS package for the server's major version. */
export function postgisPackageFor(versionNum: number): string {
  return `postgresql-${Math.floor(versionNum / 10000)}-postgis-${MINIMUM_POSTGIS_MAJOR}`;
}

/** Throws when the installed PostGIS extension is older than the portal needs. */
export function checkPostgisVersion(extversion: string | undefined): void {
  const major = Number(extversion?.split('.')[0]);
  if (!(major >= MINIMUM_POSTGIS_MAJOR)) {
    throw new SetupError(`PostGIS ${extversion ?? '(none)'} is too old: the portal needs ${MINIMUM_POSTGIS_MAJOR} or newer.`);
  }
}
