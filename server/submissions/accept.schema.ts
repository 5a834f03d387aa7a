/**
 * What an officer may change on accepting: one zod schema per kind of accept form, so that an
 * adjusted value is checked as strictly as the citizen's form and the database's own rules
 * (lengths of the plot columns, whole-number ids, coordinates on the Earth and in the portal's
 * area). Only the parsed output reaches the step that writes the records.
 */
import { z } from 'zod';
import { InvalidInput, NotFound } from '../http/errors.js';
import { FIELD_LIMITS, MARTYR_FIELDS, type Proposal, type SubmissionKind } from './proposal.js';

/** The land and islands the portal's graves lie in: Vietnam with Hoàng Sa and Trường Sa, and the
 * neighbouring parts of Laos and Cambodia where martyrs were first buried. A point outside is a
 * typing mistake (swapped lat/lng, a missing decimal point), not a grave. */
export const SERVICE_AREA = { minLat: 5, maxLat: 24, minLng: 100, maxLng: 118 } as const;

/** Plot columns of graves and cemetery_sections: 1 to 20 characters (their CHECK constraints). */
const PLOT_MAX = 20;

export type AdjustedProblem = 'too_long' | 'not_a_number' | 'not_a_cemetery' | 'outside_area' | 'both_or_neither';

/** An adjusted value the records cannot take; nothing has been written. */
export class AdjustedValueInvalid extends InvalidInput {
  constructor(readonly field: string, readonly problem: AdjustedProblem) {
    super(`${field}: ${problem.replace(/_/g, ' ')}`, { field, problem }, 'invalid_value');
  }
}

/** The cemetery named on accepting does not exist or lies outside the officer's jurisdiction (alike, as for reads). */
export class CemeteryNotInScope extends NotFound {
  constructor() {
    super('No cemetery with this number in your jurisdiction.', 'cemetery_not_found');
  }
}

const text = (max: number) =>
  z.string().optional()
    .transform((v) => (v === undefined ? undefined : v.trim().normalize('NFC')))
    .refine((v) => v === undefined || [...v].length <= max, { message: 'too_long' });

const coordinate = (min: number, max: number) =>
  text(40)
    .transform((v) => (v === undefined ? undefined : v.replace(',', '.')))
    .refine((v) => !v || /^-?\d{1,3}(\.\d{1,12})?$/.test(v), { message: 'not_a_number' })
    .refine((v) => !v || (Number(v) >= min && Number(v) <= max), { message: 'outside_area' });

const burialSchema = z
  .object({
    cemeteryId: text(18).refine((v) => !v || /^[1-9]\d{0,15}$/.test(v), { message: 'not_a_cemetery' }),
    section: text(PLOT_MAX),
    row: text(PLOT_MAX),
    number: text(PLOT_MAX),
    lat: coordinate(SERVICE_AREA.minLat, SERVICE_AREA.maxLat),
    lng: coordinate(SERVICE_AREA.minLng, SERVICE_AREA.maxLng),
  })
  .refine((v) => Boolean(v.lat) === Boolean(v.lng), { message: 'both_or_neither', path: ['lat'] });

const martyrSchema = z.object(Object.fromEntries(MARTYR_FIELDS.map((f) => [f, text(FIELD_LIMITS[f])])) as Record<(typeof MARTYR_FIELDS)[number], ReturnType<typeof text>>);

/** The adjusted values of an accept form, checked for its kind; only the fields the kind uses. */
export function parseAdjusted(kind: SubmissionKind, adjusted: Proposal): Proposal {
  if (kind === 'headstone_photo') return {};
  const schema = kind === 'martyr_grave_info' ? burialSchema : martyrSchema;
  const parsed = schema.safeParse(adjusted);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new AdjustedValueInvalid(String(issue.path[0] ?? ''), issue.message as AdjustedProblem);
  }
  return Object.fromEntries(Object.entries(parsed.data).filter(([, v]) => v !== undefined)) as Proposal;
}
