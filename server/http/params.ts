import type { z } from 'zod';
import { BadRequestError } from './errors.js';

/** Parses query parameters with a schema; every problem becomes one 400 listing them all. */
export function parseParams<T extends z.ZodType>(schema: T, params: unknown): z.output<T> {
  const parsed = schema.safeParse(params);
  if (parsed.success) return parsed.data;
  const given = (params ?? {}) as Record<PropertyKey, unknown>;
  const problems = parsed.error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') return { parameter: issue.keys.join(', '), message: 'unknown parameter' };
    // A parameter sent twice arrives as an array where the schema wants one value.
    if (issue.code === 'invalid_type' && issue.path.length === 1 && Array.isArray(given[issue.path[0]!])) return { parameter: String(issue.path[0]), message: 'given more than once' };
    return { parameter: String(issue.path[0] ?? ''), message: issue.message };
  });
  throw new BadRequestError(problems.map((p) => `${p.parameter}: ${p.message}`).join('; '), { problems });
}
