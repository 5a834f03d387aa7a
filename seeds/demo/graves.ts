/**
 * Graves and the martyrs in them, cemetery by cemetery, plot by plot: about 80% identified (one
 * martyr each; 0.3% collective graves with 3-12) and 20% not, which carry clues by the model of
 * inscriptions.ts (a grave that draws none is "unknown", the rest "partial"). 30% of martyrs have
 * no known grave, and for half of those the true grave is one of the unidentified ones: the truth
 * is written to demo_unidentified_truth, so matching can be measured. Grave lines are yielded for
 * COPY; martyr lines go to a buffer, loaded once the graves they point to are in.
 */
import type { CemeteryPlan } from './cemeteries.js';
import { csvLine, type CsvBuffer, type CsvValue } from '../../server/db/copy.js';
import { collectiveInscription, hasClue, identifiedInscription, knownFacts, partialInscription, UNKNOWN_INSCRIPTION } from './inscriptions.js';
import type { CemeteryLayout } from './layout.js';
import type { Martyr, MartyrFactory, Resting } from './martyrs.js';
import { createRng } from './random.js';

export const GRAVE_COLUMNS = [
  'id', 'cemetery_id', 'section_id', 'row_label', 'plot_number', 'position', 'state', 'is_collective', 'inscription',
  'known_name', 'known_unit', 'known_hometown', 'known_place_of_death', 'known_death_year', 'known_death_month', 'known_death_day',
] as const;

export const MARTYR_COLUMNS = [
  'id', 'full_name', 'aliases', 'gender', 'birth_year', 'birth_month', 'birth_day', 'death_year', 'death_month', 'death_day',
  'hometown_text', 'hometown_old_commune_code', 'hometown_old_district_code', 'hometown_old_province_code',
  'hometown_commune_code', 'hometown_province_code', 'place_of_death', 'unit', 'rank', 'position',
  'certificate_number', 'certificate_date', 'grave_id', 'is_public', 'internal_notes', 'source',
] as const;

const COLLECTIVE_SHARE = 0.003;
/** Share of all martyrs with no known grave (issue 17). */
export const GRAVELESS_SHARE = 0.3;
/** Of those, the share whose true grave is an unidentified one. */
export const GRAVELESS_IN_UNIDENTIFIED = 0.5;

export type PlacedCemetery = { plan: CemeteryPlan; layout: CemeteryLayout; id: number; sectionIds: number[] };

/** A grave chosen for a headstone photo. */
export type PhotoSubject = { graveId: number; position: string; inscription: string; state: 'identified' | 'partial' | 'unknown' };

export type GraveStats = { graves: number; martyrs: number };

/** The demo's ground truth: the martyr on record who lies in an unidentified grave. */
export const TRUTH_COLUMNS = ['grave_id', 'martyr_id'] as const;

function martyrLine(id: number, m: Martyr, graveId: number | null): string {
  const h = m.hometown;
  const values: CsvValue[] = [
    id, m.name.full, m.aliases, m.gender, m.birth.year, m.birth.month, m.birth.day, m.death.year, m.death.month, m.death.day,
    h.text, h.oldCommuneCode, h.oldDistrictCode, h.oldProvinceCode, h.communeCode, h.provinceCode,
    m.placeOfDeath, m.unit, m.rank, m.position, m.certificateNumber, m.certificateDate, graveId, m.isPublic, m.internalNotes, 'import',
  ];
  return csvLine(values);
}

export type GraveRun = {
  cemeteries: PlacedCemetery[];
  factory: MartyrFactory;
  seed: string;
  firstGraveId: number;
  firstMartyrId: number;
  martyrs: CsvBuffer;
  truth: CsvBuffer;
  photos: { max: number; share: number; chosen: PhotoSubject[] };
  stats: GraveStats;
  onProgress?: (graves: number) => void;
};

/** Yields one CSV line per grave; fills run.martyrs, run.photos.chosen and run.stats as it goes. */
export function* graveLines(run: GraveRun): Generator<string> {
  const states = createRng(run.seed, 'grave-states');
  const facts = createRng(run.seed, 'known-facts');
  const stones = createRng(run.seed, 'inscriptions');
  const photoPick = createRng(run.seed, 'photos');
  let graveId = run.firstGraveId;
  let martyrId = run.firstMartyrId;
  // Martyrs of unidentified graves waiting to be written as records without a grave.
  const hidden: Array<{ martyr: Martyr; graveId: number }> = [];
  let buried = 0;
  let graveless = 0;
  let hiddenOnRecord = 0;

  const addMartyr = (m: Martyr, grave: number | null) => {
    run.martyrs.push(martyrLine(martyrId++, m, grave));
    run.stats.martyrs++;
  };
  /** Keeps graveless martyrs at their share of all, half of them the martyrs of unidentified graves. */
  const topUp = (flush: boolean) => {
    const wanted = (GRAVELESS_SHARE / (1 - GRAVELESS_SHARE)) * buried;
    while (hidden.length && hiddenOnRecord < wanted * GRAVELESS_IN_UNIDENTIFIED) {
      const h = hidden.shift()!;
      run.truth.push(csvLine([h.graveId, martyrId]));
      addMartyr(h.martyr, null);
      hiddenOnRecord++;
    }
    while (graveless < wanted * (1 - GRAVELESS_IN_UNIDENTIFIED) || (flush && graveless + hiddenOnRecord < wanted)) {
      addMartyr(run.factory.make(null), null);
      graveless++;
    }
  };
  const addBuried = (m: Martyr, grave: number) => {
    addMartyr(m, grave);
    buried++;
    topUp(false);
  };

  for (const { plan, layout, id: cemeteryId, sectionIds } of run.cemeteries) {
    const resting: Resting = { profile: plan.profile, near: plan.near, provinceName: plan.province.name };
    for (const [s, section] of layout.sections.entries()) {
      for (let k = 0; k < section.graves; k++) {
        const row = Math.floor(k / section.columns) + 1;
        const plot = (k % section.columns) + 1;
        const position = layout.plotPosition(section, row, plot);
        let state: 'identified' | 'partial' | 'unknown' = states.next() < plan.profile.nonIdentified ? 'unknown' : 'identified';
        const collective = state === 'identified' && !plan.profile.together && states.chance(COLLECTIVE_SHARE);
        let inscription: string;
        let known: CsvValue[] = [null, null, null, null, null, null, null];
        if (state === 'identified') {
          const first = run.factory.make(resting);
          if (collective) {
            const group = [first];
            const size = 3 + Math.floor(9 * states.next() ** 2);
            while (group.length < size) group.push(run.factory.companion(first, resting));
            inscription = collectiveInscription(group);
            for (const m of group) addBuried(m, graveId);
          } else {
            inscription = identifiedInscription(first, stones);
            addBuried(first, graveId);
          }
        } else {
          const martyr = run.factory.make(resting);
          const f = knownFacts(martyr, facts);
          state = hasClue(f) ? 'partial' : 'unknown';
          inscription = state === 'partial' ? partialInscription(f) : UNKNOWN_INSCRIPTION;
          if (state === 'partial') known = [f.name, f.unit, f.hometown, f.placeOfDeath, f.death.year, f.death.month, f.death.day];
          hidden.push({ martyr, graveId });
        }
        if (run.photos.chosen.length < run.photos.max && photoPick.chance(run.photos.share)) {
          run.photos.chosen.push({ graveId, position, inscription, state });
        }
        yield csvLine([graveId, cemeteryId, sectionIds[s]!, String(row), String(plot), position, state, collective, inscription, ...known]);
        graveId++;
        run.stats.graves++;
        if (run.stats.graves % 100_000 === 0) run.onProgress?.(run.stats.graves);
      }
    }
  }
  topUp(true);
}
