/**
 * Environment → typed configuration. Every variable the portal reads is declared here, with its
 * default; nothing else in the code reads process.env. A wrong value stops start-up with a
 * message naming the variable (ConfigError).
 */
import { isIP } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** The repository root, whatever the working directory. */
export const ROOT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The local PostgreSQL the project uses when DATABASE_URL is not set; host and port give way to the chosen Debian cluster's (POSTGRES_CLUSTER). */
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/mo_liet_si';

const bool = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no'], { message: 'must be true or false' })
  .transform((v) => v === '1' || v === 'true' || v === 'yes');

const port = z.coerce
  .number({ message: 'must be a port number' })
  .int('must be a whole number')
  .min(0, 'must be between 0 and 65535')
  .max(65535, 'must be between 0 and 65535');

const url = (protocols: string[]) =>
  z.string().refine((value) => {
    try {
      return protocols.includes(new URL(value).protocol);
    } catch {
      return false;
    }
  }, `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`);

/** Express's named address ranges, usable in TRUST_PROXY beside addresses and CIDRs. */
const PROXY_RANGE_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

const isProxyAddress = (entry: string) => {
  if (PROXY_RANGE_NAMES.includes(entry)) return true;
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (!family || rest.length) return false;
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
};

/** What Express's 'trust proxy' accepts: false, true, a number of hops, or addresses/CIDRs/range names. */
const trustProxy = z.string().transform((value, ctx): boolean | number | string[] => {
  const text = value.trim().toLowerCase();
  if (text === 'false' || text === '0') return false;
  if (text === 'true') return true;
  if (/^\d{1,2}$/.test(text)) return Number(text);
  const entries = text.split(',').map((e) => e.trim()).filter(Boolean);
  if (entries.length && entries.every(isProxyAddress)) return entries;
  ctx.addIssue({ code: 'custom', message: 'must be false, true, a number of proxy hops, or comma-separated addresses/CIDRs (loopback, linklocal, uniquelocal allowed)' });
  return z.NEVER;
});

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  /** Port the HTTP server listens on. */
  PORT: port.default(3000),
  /** Address the HTTP server binds. */
  HOST: z.string().min(1).default('0.0.0.0'),
  /** Public base URL used in canonical links, sitemaps and QR codes. */
  PUBLIC_BASE_URL: url(['http:', 'https:']).optional(),
  /** PostgreSQL connection; unset means the local default server, created and prepared by the project. */
  DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
  /** The Debian cluster ("15/main") the project uses and may start when DATABASE_URL is unset; unset: the one on port 5432, else the newest. */
  POSTGRES_CLUSTER: z.string().regex(/^\d+\/[A-Za-z0-9_.-]+$/, 'must be <version>/<name>, as pg_lsclusters lists it').optional(),
  /** Largest number of pooled PostgreSQL connections per process. */
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  /** Longest a request waits for a pooled connection before it is answered 503 (knex's own default is a minute). */
  DATABASE_ACQUIRE_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(3_000),
  /** PostgreSQL statement_timeout of the server's connections; a query running longer is cancelled and the request answered 503 (0: no limit). */
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).max(3_600_000).default(30_000),
  /** An already running Meilisearch; unset means the project starts its own child process. */
  MEILI_URL: url(['http:', 'https:']).optional(),
  /** Master key of MEILI_URL; with a project-started Meilisearch a key is generated and kept in DATA_DIR. */
  MEILI_MASTER_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Name of the live search index (a rebuild swaps a new one in under this name). */
  MEILI_INDEX: z.string().regex(/^[a-zA-Z0-9_-]{1,100}$/, 'must be letters, digits, - or _').default('records'),
  /** Name of the staff-only dossier index (OCR text of dossier pages); never the public index. */
  MEILI_DOSSIER_INDEX: z.string().regex(/^[a-zA-Z0-9_-]{1,100}$/, 'must be letters, digits, - or _').default('dossier-pages'),
  /** The heap of an import's thread (the dry run, the commit), in MB: a file that needs more is stopped with a message. */
  IMPORT_HEAP_MB: z.coerce.number().int().min(64).max(16_384).default(256),
  /** Cap on the memory the project-started Meilisearch may use for indexing (it shares the machine with PostgreSQL). */
  MEILI_MAX_INDEXING_MEMORY: z.string().regex(/^\d+\s*(B|KiB|MiB|GiB|KB|MB|GB)$/i, 'must be a size like 2GiB').default('4GiB'),
  /** Where the project keeps local state: Meilisearch data and key, stored photos. Git-ignored. */
  DATA_DIR: z.string().min(1).default('.data'),
  /** pino log level. */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Number of demo graves `npm start` loads into an empty database (0 to load none). */
  DEMO_GRAVES: z.coerce.number().int().min(0).max(2_000_000).default(50_000),
  /** Seed of the demo data generator: the same seed gives the same data. */
  DEMO_SEED: z.string().min(1).default('liet-si'),
  /** An online raster basemap under the offline one, as an XYZ template (https://.../{z}/{x}/{y}.png); off when unset. */
  MAP_ONLINE_BASEMAP_URL: url(['https:', 'http:']).refine((v) => v.includes('{z}') && v.includes('{x}') && v.includes('{y}'), 'must contain {z}, {x} and {y}').optional(),
  /** Minutes without a request after which a staff session ends. */
  SESSION_IDLE_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(60),
  /** Hours after sign-in at which a staff session ends, however active. */
  SESSION_ABSOLUTE_HOURS: z.coerce.number().int().min(1).max(24 * 30).default(12),
  /**
   * Which proxies in front of the portal are believed about the client's address and scheme
   * (X-Forwarded-For/-Proto): the submission limit keys on that address, and cookies get Secure
   * only when the proxy says the request came over https.
   */
  TRUST_PROXY: trustProxy.default(['loopback']),
  /** Attempts after which a search outbox row that keeps failing on its own is parked for an admin. */
  OUTBOX_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(1000).default(10),
  /** Days a staff session is kept after it ended (expired, idle or signed out), then deleted. */
  RETENTION_SESSION_DAYS: z.coerce.number().int().min(0).max(3650).default(7),
  /** Days a password reset link is kept once used or expired, then deleted. */
  RETENTION_RESET_TOKEN_DAYS: z.coerce.number().int().min(0).max(3650).default(7),
  /** Days a submission keeps its sender's address (kept for the hourly submission limit only). */
  RETENTION_SENDER_IP_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  /** Days the audit log keeps the identifier typed in a failed sign-in (often a mistyped password). */
  RETENTION_FAILED_SIGN_IN_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  /**
   * Days an uploaded provincial file, the rows its dry run staged and its rejects workbook are kept
   * after the batch last moved: the files hold every column of the province's export (relatives'
   * names, telephone numbers) that the records never store.
   */
  RETENTION_IMPORT_FILE_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  /** The SMTP server mail leaves through (smtp://user:pass@host:587, smtps://...); unset: mail waits, listed in the staff area. */
  SMTP_URL: url(['smtp:', 'smtps:']).optional(),
  /** The sender of the portal's mail: an address, or "Name <address>". */
  MAIL_FROM: z.string().trim().regex(/^(?:[^<>@\r\n]*<[^\s<>@]+@[^\s<>@]+\.[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+\.[^\s<>@]+)$/, 'must be an email address, or "Name <address>"').default('Tìm mộ liệt sĩ <khong-tra-loi@localhost.localdomain>'),
  /** Attempts after which a message the SMTP server keeps refusing is parked for staff. */
  MAIL_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(8),
  /** Whether the server may install missing Debian packages (PostGIS) when it runs as root. */
  AUTO_INSTALL: bool.default(true),
  /** Who runs the portal, named in every page's footer. */
  PORTAL_OPERATOR: z.string().min(1).max(200).optional(),
  /** How to reach them (an email address), in every page's footer. */
  PORTAL_CONTACT_EMAIL: z.email('must be an email address').optional(),
  /** And a phone number, in every page's footer. */
  PORTAL_CONTACT_PHONE: z.string().regex(/^[+\d\s().-]{6,30}$/, 'must be a phone number').optional(),
  /** The licence the open data (downloads, /ogc, the change feed) is published under: its name... */
  OPEN_DATA_LICENCE: z.string().min(2).max(100).default('CC BY 4.0'),
  /** ...and the address of its text. */
  OPEN_DATA_LICENCE_URL: url(['https:', 'http:']).default('https://creativecommons.org/licenses/by/4.0/'),
  /** Whether the province boundaries' licence is cleared for redistribution (seeds/data/SOURCES.md); until then /ogc serves centroids. */
  OPEN_DATA_BOUNDARIES: bool.default(false),
  /** Requests per minute one address may make to /ogc (GDAL and QGIS page quickly; a crawler must not hurt the portal). */
  OGC_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(1200),
  /** Downloads (files and ranges of them) per hour one address may start from /du-lieu-mo. */
  DOWNLOAD_RATE_LIMIT_PER_HOUR: z.coerce.number().int().min(1).max(100_000).default(300),
  /** Longest one /ogc page or change-feed page may query PostgreSQL (a tighter statement_timeout than the pool's). */
  OPEN_DATA_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  /**
   * Days of the change feed's log (public_changes) kept; the `change-feed-prune` job deletes older
   * rows and a cursor before them is answered 410 cursor_expired. More than the daily rebuild of
   * the national files, whose feedCursor is where a consumer that fell behind starts again.
   */
  CHANGE_FEED_RETENTION_DAYS: z.coerce.number().int().min(2, 'must be at least 2 (the national files, a consumer\'s way back, are rebuilt daily)').max(3650).default(90),
  /** When the national open-data files are rebuilt (cron, Vietnam time). */
  OPEN_DATA_BUILD_CRON: z.string().regex(/^(\S+\s+){4}\S+$/, 'must be a five-field cron expression').default('41 2 * * *'),
  /**
   * The DNA identification programmes a family is referred to, as `name|how to reach it` entries
   * separated by `;` (shown to the family when an officer refers a candidate grave to DNA testing).
   */
  DNA_REFERRAL_CONTACTS: z.string().max(4000)
    .default('Cục Người có công, Bộ Nội vụ|qua Sở Nội vụ tỉnh, thành phố nơi có mộ;Đề án xác định danh tính hài cốt liệt sĩ còn thiếu thông tin|hồ sơ nộp tại Sở Nội vụ tỉnh, thành phố quê quán của liệt sĩ')
    .transform((text, ctx) => {
      const entries = text.split(';').map((e) => e.trim()).filter(Boolean).map((e) => e.split('|').map((part) => part.trim()));
      if (!entries.length || entries.some((e) => e.length !== 2 || !e[0] || !e[1])) {
        ctx.addIssue({ code: 'custom', message: 'must be entries "name|how to reach it" separated by ";"' });
        return z.NEVER;
      }
      return entries.map(([name, contact]) => ({ name: name!, contact: contact! }));
    }),
});

export type Config = {
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  publicBaseUrl: string | undefined;
  databaseUrl: string;
  /** True when DATABASE_URL was not given: the project may start and prepare the local server. */
  databaseIsLocalDefault: boolean;
  /** The Debian cluster to use when databaseIsLocalDefault; undefined: found with pg_lsclusters. */
  postgresCluster: string | undefined;
  databasePoolMax: number;
  databaseAcquireTimeoutMs: number;
  databaseStatementTimeoutMs: number;
  meiliUrl: string | undefined;
  meiliMasterKey: string | undefined;
  meiliMaxIndexingMemory: string;
  importHeapMb: number;
  meiliIndex: string;
  /** The staff-only dossier index (server/dossiers/dossier-index.ts). */
  meiliDossierIndex: string;
  dataDir: string;
  logLevel: string;
  demoGraves: number;
  demoSeed: string;
  autoInstall: boolean;
  session: { idleMinutes: number; absoluteHours: number };
  mapOnlineBasemapUrl: string | undefined;
  /** Express's 'trust proxy' setting. */
  trustProxy: boolean | number | string[];
  outboxMaxAttempts: number;
  retention: RetentionPeriods;
  /** Outgoing mail: unset smtpUrl means nothing is sent and the messages wait. */
  mail: { smtpUrl: string | undefined; from: string; maxAttempts: number };
  /** Who runs the portal and how to reach them, for the footer; unset parts are left out. */
  portal: { operator: string | undefined; contactEmail: string | undefined; contactPhone: string | undefined };
  openData: OpenDataConfig;
  /** DNA identification programmes families are referred to. */
  dnaReferralContacts: Array<{ name: string; contact: string }>;
};

/** What the open-data surfaces (/ogc, /du-lieu-mo, /api/changes) are published under and limited by. */
export type OpenDataConfig = {
  licence: { name: string; url: string };
  boundaries: boolean;
  ogcPerMinute: number;
  downloadsPerHour: number;
  statementTimeoutMs: number;
  buildCron: string;
  /** Days of the change feed kept (CHANGE_FEED_RETENTION_DAYS). */
  changeFeedDays: number;
};

/** How long personal data kept for a purpose is kept, in days (the retention job applies them). */
export type RetentionPeriods = { sessionDays: number; resetTokenDays: number; senderIpDays: number; failedSignInDays: number; importFileDays: number };

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment; throws ConfigError naming every wrong variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings count as unset, as a shell `VAR= npm start` means.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message} (got ${JSON.stringify(present[String(issue.path[0])] ?? null)})`),
    );
  }
  const v = parsed.data;
  // The staff-only dossier pages must never land in the index the public searches.
  if (v.MEILI_DOSSIER_INDEX === v.MEILI_INDEX) throw new ConfigError([`MEILI_DOSSIER_INDEX: must differ from MEILI_INDEX, the public index (got ${JSON.stringify(v.MEILI_DOSSIER_INDEX)})`]);
  return {
    env: v.NODE_ENV,
    port: v.PORT,
    host: v.HOST,
    publicBaseUrl: v.PUBLIC_BASE_URL?.replace(/\/+$/, ''),
    databaseUrl: v.DATABASE_URL ?? DEFAULT_DATABASE_URL,
    databaseIsLocalDefault: v.DATABASE_URL === undefined,
    postgresCluster: v.POSTGRES_CLUSTER,
    databasePoolMax: v.DATABASE_POOL_MAX,
    databaseAcquireTimeoutMs: v.DATABASE_ACQUIRE_TIMEOUT_MS,
    databaseStatementTimeoutMs: v.DATABASE_STATEMENT_TIMEOUT_MS,
    meiliUrl: v.MEILI_URL?.replace(/\/+$/, ''),
    meiliMasterKey: v.MEILI_MASTER_KEY,
    meiliMaxIndexingMemory: v.MEILI_MAX_INDEXING_MEMORY.replace(/\s+/g, ''),
    importHeapMb: v.IMPORT_HEAP_MB,
    meiliIndex: v.MEILI_INDEX,
    meiliDossierIndex: v.MEILI_DOSSIER_INDEX,
    dataDir: path.resolve(ROOT_DIR, v.DATA_DIR),
    logLevel: v.LOG_LEVEL,
    demoGraves: v.DEMO_GRAVES,
    demoSeed: v.DEMO_SEED,
    autoInstall: v.AUTO_INSTALL,
    session: { idleMinutes: v.SESSION_IDLE_MINUTES, absoluteHours: v.SESSION_ABSOLUTE_HOURS },
    mapOnlineBasemapUrl: v.MAP_ONLINE_BASEMAP_URL,
    trustProxy: v.TRUST_PROXY,
    outboxMaxAttempts: v.OUTBOX_MAX_ATTEMPTS,
    retention: {
      sessionDays: v.RETENTION_SESSION_DAYS,
      resetTokenDays: v.RETENTION_RESET_TOKEN_DAYS,
      senderIpDays: v.RETENTION_SENDER_IP_DAYS,
      failedSignInDays: v.RETENTION_FAILED_SIGN_IN_DAYS,
      importFileDays: v.RETENTION_IMPORT_FILE_DAYS,
    },
    mail: { smtpUrl: v.SMTP_URL, from: v.MAIL_FROM, maxAttempts: v.MAIL_MAX_ATTEMPTS },
    portal: { operator: v.PORTAL_OPERATOR, contactEmail: v.PORTAL_CONTACT_EMAIL, contactPhone: v.PORTAL_CONTACT_PHONE },
    openData: {
      licence: { name: v.OPEN_DATA_LICENCE, url: v.OPEN_DATA_LICENCE_URL },
      boundaries: v.OPEN_DATA_BOUNDARIES,
      ogcPerMinute: v.OGC_RATE_LIMIT_PER_MINUTE,
      downloadsPerHour: v.DOWNLOAD_RATE_LIMIT_PER_HOUR,
      statementTimeoutMs: v.OPEN_DATA_STATEMENT_TIMEOUT_MS,
      buildCron: v.OPEN_DATA_BUILD_CRON,
      changeFeedDays: v.CHANGE_FEED_RETENTION_DAYS,
    },
    dnaReferralContacts: v.DNA_REFERRAL_CONTACTS,
  };
}
