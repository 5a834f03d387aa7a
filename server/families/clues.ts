/**
 * Turns what a grave's stone says, and what a death notice says, into the parsed form the score
 * compares (score.ts): units parsed, places resolved, names folded into words.
 */
import { foldVietnamese } from '../text/vietnamese.js';
import type { LooseDate } from './dates.js';
import { resolvePlace, type Gazetteer, type ResolvedPlace } from './places.js';
import type { Clues, Notice } from './score.js';
import { fineKeys, frontsOf, parseUnit, unitKeys } from './units.js';

const nameWords = (text: string | null | undefined) => (text ? foldVietnamese(text.normalize('NFC')).split(/[^a-z0-9]+/).filter(Boolean) : []);

/** A public grave's clue columns (public_graves: withheld headstones read as NULL). */
export type GraveClueSource = {
  id: number; cemetery_id: number; known_name: string | null; known_unit: string | null; known_hometown: string | null;
  known_place_of_death: string | null; known_death_year: number | null; known_death_month: number | null; known_death_day: number | null;
};

/** The row grave_clues stores for a grave. */
export type GraveClueRow = {
  grave_id: number; cemetery_id: number; unit: string; unit_keys: string[]; fine_keys: string[]; death_year: number | null; death_month: number | null; death_day: number | null;
  place_key: string | null; place_label: string | null; fronts: string[]; name_words: string[]; hometown_keys: string[];
};

export function graveClueRow(gazetteer: Gazetteer, g: GraveClueSource): GraveClueRow {
  const unit = parseUnit(g.known_unit);
  const place = resolvePlace(gazetteer, g.known_place_of_death);
  const hometown = resolvePlace(gazetteer, g.known_hometown);
  return {
    grave_id: Number(g.id), cemetery_id: Number(g.cemetery_id), unit: JSON.stringify(unit), unit_keys: unitKeys(unit), fine_keys: fineKeys(unit),
    death_year: g.known_death_year, death_month: g.known_death_month, death_day: g.known_death_day,
    place_key: place?.key ?? null, place_label: place?.label ?? null,
    fronts: [...new Set([...unit.fronts, ...frontsOf(g.known_place_of_death)])],
    name_words: nameWords(g.known_name), hometown_keys: hometown?.provinceKeys ?? [],
  };
}

/** A stored clue row back in the score's terms. */
export function cluesOf(row: Omit<GraveClueRow, 'unit'> & { unit: unknown }): Clues {
  return {
    unit: (typeof row.unit === 'string' ? JSON.parse(row.unit) : row.unit) as Clues['unit'],
    death: { year: row.death_year, month: row.death_month, day: row.death_day },
    placeKey: row.place_key, placeLabel: row.place_label, fronts: row.fronts, nameWords: row.name_words, hometownProvinceKeys: row.hometown_keys,
  };
}

export type NoticeInput = { fullName: string; hometown: string | null; unit: string | null; death: LooseDate; placeOfDeath: string | null };

export type ParsedNotice = { notice: Notice; place: ResolvedPlace | null; home: ResolvedPlace | null };

export function parseNotice(gazetteer: Gazetteer, input: NoticeInput): ParsedNotice {
  const unit = parseUnit(input.unit);
  const hometown = resolvePlace(gazetteer, input.hometown);
  // "Hy sinh tại quê nhà": the place of death is the hometown.
  const atHome = /\bque (nha|huong)\b|\btai que\b/.test(foldVietnamese(input.placeOfDeath ?? ''));
  const place = atHome ? hometown : resolvePlace(gazetteer, input.placeOfDeath);
  return {
    place,
    home: hometown,
    notice: {
      homeLabel: hometown?.label ?? null,
      nameWords: nameWords(input.fullName), unit, death: input.death,
      placeKey: place?.key ?? null, placeLabel: place?.label ?? null, placeGiven: Boolean(input.placeOfDeath?.trim()),
      fronts: [...new Set([...unit.fronts, ...frontsOf(input.placeOfDeath)])],
      hometownProvinceKeys: hometown?.provinceKeys ?? [],
    },
  };
}
