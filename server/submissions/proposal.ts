/**
 * The record fields a submission may propose, their form names, and how they map onto columns.
 * Shared by the form, the officer's side-by-side view and the step that applies an accepted one.
 */
import { displayPartialDate, parsePartialDate, type PartialDate } from '../records/partial-date.js';

export const SUBMISSION_KINDS = ['martyr_correction', 'martyr_grave_info', 'grave_identity', 'headstone_photo', 'new_person'] as const;
export type SubmissionKind = (typeof SUBMISSION_KINDS)[number];

/** Fields of a martyr's record a citizen may correct or propose, in display order. */
export const MARTYR_FIELDS = ['fullName', 'aliases', 'birthDate', 'deathDate', 'hometown', 'placeOfDeath', 'unit', 'rank', 'position'] as const;
export type MartyrField = (typeof MARTYR_FIELDS)[number];

/** Where a grave is: a cemetery and plot, or a point picked on the map. */
export const BURIAL_FIELDS = ['cemeteryId', 'section', 'row', 'number', 'lat', 'lng'] as const;
export type BurialField = (typeof BURIAL_FIELDS)[number];

export type Proposal = Partial<Record<MartyrField | BurialField, string>>;

export const FIELD_LIMITS: Record<MartyrField | BurialField, number> = {
  fullName: 200, aliases: 300, birthDate: 20, deathDate: 20, hometown: 300, placeOfDeath: 300, unit: 300, rank: 100, position: 100,
  cemeteryId: 18, section: 20, row: 20, number: 20, lat: 20, lng: 20,
};

export type MartyrSnapshot = Record<MartyrField, string>;

type MartyrColumns = {
  full_name: string; aliases: string[];
  birth_year: number | null; birth_month: number | null; birth_day: number | null;
  death_year: number | null; death_month: number | null; death_day: number | null;
  hometown_text: string | null; place_of_death: string | null; unit: string | null; rank: string | null; position: string | null;
};

/** A martyr row as the form shows it: every field as text, dates as records write them. */
export function martyrSnapshot(row: MartyrColumns): MartyrSnapshot {
  return {
    fullName: row.full_name,
    aliases: (row.aliases ?? []).join(', '),
    birthDate: displayPartialDate(row.birth_year, row.birth_month, row.birth_day) ?? '',
    deathDate: displayPartialDate(row.death_year, row.death_month, row.death_day) ?? '',
    hometown: row.hometown_text ?? '',
    placeOfDeath: row.place_of_death ?? '',
    unit: row.unit ?? '',
    rank: row.rank ?? '',
    position: row.position ?? '',
  };
}

export class ProposalError extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
    this.name = 'ProposalError';
  }
}

function date(field: MartyrField, text: string | undefined): PartialDate | null | undefined {
  if (text === undefined) return undefined;
  if (text.trim() === '') return null;
  const parsed = parsePartialDate(text);
  if (!parsed) throw new ProposalError(field, `${field}: not a date (write 1948, 05/1948 or 12/05/1948)`);
  return parsed;
}

/** Proposed martyr fields → columns to write; only the fields present in the proposal. */
export function martyrColumns(proposal: Proposal): Partial<MartyrColumns> {
  const columns: Partial<MartyrColumns> = {};
  const text = (v: string | undefined) => (v === undefined ? undefined : v.trim().normalize('NFC') || null);
  if (proposal.fullName !== undefined) {
    const name = proposal.fullName.trim().normalize('NFC');
    if (!name) throw new ProposalError('fullName', 'fullName: a name is needed');
    columns.full_name = name;
  }
  if (proposal.aliases !== undefined) columns.aliases = proposal.aliases.split(/[,;]/).map((a) => a.trim().normalize('NFC')).filter(Boolean);
  const birth = date('birthDate', proposal.birthDate);
  if (birth !== undefined) Object.assign(columns, { birth_year: birth?.year ?? null, birth_month: birth?.month ?? null, birth_day: birth?.day ?? null });
  const death = date('deathDate', proposal.deathDate);
  if (death !== undefined) Object.assign(columns, { death_year: death?.year ?? null, death_month: death?.month ?? null, death_day: death?.day ?? null });
  if (proposal.hometown !== undefined) columns.hometown_text = text(proposal.hometown) ?? null;
  if (proposal.placeOfDeath !== undefined) columns.place_of_death = text(proposal.placeOfDeath) ?? null;
  if (proposal.unit !== undefined) columns.unit = text(proposal.unit) ?? null;
  if (proposal.rank !== undefined) columns.rank = text(proposal.rank) ?? null;
  if (proposal.position !== undefined) columns.position = text(proposal.position) ?? null;
  if (columns.birth_year && columns.death_year && columns.birth_year > columns.death_year) throw new ProposalError('birthDate', 'birthDate: after the date of death');
  return columns;
}

/**
 * Validates a correction against the record it changes: a date it leaves alone still counts, so a
 * birth year after the recorded death year is refused here, not by the table's CHECK when an
 * officer accepts it.
 */
export function checkCorrection(current: MartyrSnapshot, changed: Proposal): void {
  martyrColumns({ birthDate: current.birthDate, deathDate: current.deathDate, ...changed });
}

/** Only what differs from the record: a correction proposes changes, not a copy. */
export function changedMartyrFields(current: MartyrSnapshot, proposed: Proposal): Proposal {
  const changed: Proposal = {};
  for (const field of MARTYR_FIELDS) {
    const value = proposed[field];
    if (value !== undefined && value.trim().normalize('NFC') !== current[field]) changed[field] = value.trim().normalize('NFC');
  }
  return changed;
}
