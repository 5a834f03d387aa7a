import { pino, type Logger } from 'pino';

export type { Logger };

/** One structured logger for the process; secrets are redacted wherever they appear. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'mo-liet-si' },
    redact: {
      paths: ['req.headers.cookie', 'req.headers.authorization', 'res.headers["set-cookie"]', '*.password', '*.masterKey', '*.apiKey'],
      censor: '[redacted]',
    },
  });
}
