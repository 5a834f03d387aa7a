/**
 * The upkeep forms, one zod schema each: text trimmed and NFC-normalised, empty fields as null,
 * coordinates accepted with a decimal comma (a Vietnamese keyboard's), a reason always required.
 * Only the parsed output goes on to the services.
 */
import { z } from 'zod';
import { CEMETERY_LEVELS } from './cemetery-edit.service.js';

/** Optional text: trimmed, NFC, "" → null. */
const optional = (max: number) =>
  z.string().max(max * 2).optional()
    .transform((v) => (v ?? '').replace(/\r\n?/g, '\n').trim().normalize('NFC'))
    .refine((v) => v.length <= max, `at most ${max} characters`)
    .transform((v) => (v === '' ? null : v));

const required = (min: number, max: number) =>
  z.string({ message: 'required' }).max(max * 2)
    .transform((v) => v.replace(/\r\n?/g, '\n').trim().normalize('NFC'))
    .refine((v) => v.length >= min, 'required')
    .refine((v) => v.length <= max, `at most ${max} characters`);

const coordinate = (limit: number) =>
  z.string().max(40).optional()
    .transform((v) => (v ?? '').trim().replace(',', '.'))
    .refine((v) => v === '' || (/^-?\d{1,3}(\.\d{1,12})?$/.test(v) && Math.abs(Number(v)) <= limit), 'not a coordinate')
    .transform((v) => (v === '' ? null : Number(v)));

export const reasonField = required(3, 500);

export const graveEditSchema = z
  .object({
    _csrf: z.string().optional(),
    section: z.string().max(20).optional().transform((v) => (v && /^\d{1,18}$/.test(v) ? Number(v) : null)),
    row: optional(20),
    number: optional(20),
    state: z.enum(['identified', 'partial', 'unknown']),
    inscription: optional(2000),
    lat: coordinate(90),
    lng: coordinate(180),
    reason: reasonField,
  })
  .refine((v) => (v.lat === null) === (v.lng === null), { message: 'both or neither', path: ['lat'] })
  .transform((v) => ({
    sectionId: v.section,
    row: v.row,
    number: v.number,
    state: v.state,
    inscription: v.inscription,
    position: v.lat !== null && v.lng !== null ? { latitude: v.lat, longitude: v.lng } : null,
    reason: v.reason,
  }));

export const martyrLinkSchema = z.object({
  _csrf: z.string().optional(),
  martyr: z.string().trim().regex(/^\d{1,18}$/, 'a record number').transform(Number),
  action: z.enum(['link', 'unlink']).default('link'),
  reason: reasonField,
});

export const makeCurrentSchema = z.object({ _csrf: z.string().optional(), reason: optional(500) });

export const cemeteryEditSchema = z
  .object({
    _csrf: z.string().optional(),
    name: required(3, 300),
    level: z.enum(CEMETERY_LEVELS),
    address: optional(500),
    description: optional(5000),
    boundary: optional(90_000),
    boardPhone: optional(30).refine((v) => v === null || /^[+0-9 ().-]{6,30}$/.test(v), 'not a phone number'),
    openingHours: optional(300),
    gateLat: coordinate(90),
    gateLng: coordinate(180),
    reason: reasonField,
  })
  .refine((v) => (v.gateLat === null) === (v.gateLng === null), { message: 'both or neither', path: ['gateLat'] })
  .transform(({ gateLat, gateLng, ...v }) => ({ ...v, gate: gateLat !== null && gateLng !== null ? { lat: gateLat, lng: gateLng } : null }));

export const sectionEditSchema = z.object({
  _csrf: z.string().optional(),
  action: z.enum(['save', 'delete']).default('save'),
  kind: z.enum(['khu', 'lo']).default('khu'),
  code: required(1, 20),
  name: optional(200),
  boundary: optional(50_000),
  reason: reasonField,
});

export const walkQuerySchema = z.object({
  khu: z.string().trim().max(20).optional().transform((v) => v || null),
  hang: z.string().trim().max(20).optional().transform((v) => v || null),
  thieu: z.enum(['anh', 'vi-tri', 'so-mo', 'mot-phan', 'ngoai-ranh-gioi']).or(z.literal('')).optional().transform((v) => v || null),
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  lang: z.enum(['vi', 'en']).optional(),
}).strict();

/** The fields a failed parse names, for marking them on the form. */
export function fieldErrors(error: z.ZodError): Record<string, true> {
  return Object.fromEntries(error.issues.map((issue) => [String(issue.path[0] ?? 'form'), true]));
}
