/** /api/changes parameters → a clean request (400 listing every problem otherwise). */
import { z } from 'zod';
import { CHANGES_DEFAULT_LIMIT, CHANGES_MAX_LIMIT } from './changes.service.js';

export const changesQuerySchema = z
  .object({
    since: z.string().max(100).optional(),
    limit: z.coerce.number({ message: 'must be a number' }).int('must be a whole number').min(1, 'must be 1 or more').max(CHANGES_MAX_LIMIT, `must be at most ${CHANGES_MAX_LIMIT}`).default(CHANGES_DEFAULT_LIMIT),
    lang: z.enum(['vi', 'en']).optional(),
  })
  .strict();
