/**
 * One martyr's record: name and aliases, dates, hometown, front, unit, rank, position,
 * certificate, and whether the dossier is public. Each concern draws from its own stream.
 */
import { birthDate, certificateDate, deathDate, recordedBirth, recordedDeath, type FullDate, type PartialDate } from './dates.js';
import { certificateNumber, placeOfDeath, serviceOf, womanServiceOf } from './military.js';
import type { PersonName, NameSource } from './names.js';
import type { Hometown, Hometowns, Near } from './places.js';
import { ALL_THEATRES, type Profile } from './profiles.js';
import { createRng, type Rng } from './random.js';
import type { Region } from './reference.js';
import type { Theatre } from './theatres.js';

export type Martyr = {
  name: PersonName;
  gender: 'male' | 'female';
  aliases: string[];
  birth: PartialDate;
  death: PartialDate;
  /** The true date, of which `death` keeps what the record knows. */
  died: FullDate;
  theatre: Theatre;
  hometown: Hometown;
  placeOfDeath: string;
  unit: string;
  rank: string | null;
  position: string;
  certificateNumber: string | null;
  certificateDate: string | null;
  isPublic: boolean;
  internalNotes: string | null;
};

/** Where a martyr is buried, as far as drawing the record is concerned; null for martyrs without a known grave. */
export type Resting = { profile: Profile; near: Near; provinceName: string } | null;

const SOUTHERN_REGIONS = new Set<Region>(['southeast', 'mekong', 'highlands']);
const SOUTHERN_FRONTS = new Set(['mien-dong', 'tay-nam-bo', 'nam-bo-1']);

const INTERNAL_NOTES = [
  'Hồ sơ đang xác minh lại thông tin thân nhân.',
  'Thông tin trên bia mộ chưa khớp với hồ sơ gốc; chờ đối chiếu.',
  'Hồ sơ thuộc diện hạn chế công bố theo đề nghị của đơn vị quản lý.',
  'Đang đề nghị cấp lại Bằng Tổ quốc ghi công.',
];

export type MartyrFactory = {
  make(resting: Resting): Martyr;
  /** Another martyr of a collective grave: fell on the same day, at the same place, in the same formation. */
  companion(first: Martyr, resting: Resting): Martyr;
};

export function createMartyrFactory(seed: string, hometowns: Hometowns, names: NameSource): MartyrFactory {
  const rng = {
    fronts: createRng(seed, 'fronts'),
    names: createRng(seed, 'names'),
    hometowns: createRng(seed, 'hometowns'),
    dates: createRng(seed, 'dates'),
    military: createRng(seed, 'military'),
    records: createRng(seed, 'records'),
  } satisfies Record<string, Rng>;

  function build(resting: Resting, theatre: Theatre, died: FullDate, shared?: Martyr): Martyr {
    const together = resting?.profile.together;
    const gender = together?.female || rng.names.chance(0.03) ? 'female' : 'male';
    const name = names.person(gender, rng.names);
    const home = hometowns.pick(rng.hometowns, resting?.near, resting?.profile.localShare ?? 0);
    const hometown = hometowns.describe(home, died.year, rng.hometowns);
    const southern = SOUTHERN_REGIONS.has(home.province.region) || (SOUTHERN_FRONTS.has(theatre.key) && rng.names.chance(0.5));
    const fellIn = resting?.provinceName ?? hometown.provinceName;
    const service = gender === 'female'
      ? womanServiceOf(theatre, hometown.provinceName, rng.military)
      : serviceOf(theatre, hometown.provinceName, home.commune.name, rng.military);
    const unit = together?.unit ?? (shared && rng.military.chance(0.8) ? shared.unit : service.unit);
    const place = together?.place ?? shared?.placeOfDeath
      ?? (resting?.profile.places && rng.military.chance(0.7) ? rng.military.pick(resting.profile.places) : placeOfDeath(theatre, fellIn, rng.military));
    const born = birthDate(died, service.officer, rng.dates);
    const certified = rng.records.chance(0.85);
    const isPublic = !rng.records.chance(0.02);
    return {
      name, gender, aliases: names.aliases(name, southern, rng.names),
      birth: recordedBirth(born, rng.dates), death: shared?.death ?? (together ? { ...died } : recordedDeath(died, rng.dates)), died,
      theatre, hometown, placeOfDeath: place, unit, rank: service.rank, position: service.position,
      certificateNumber: certified ? certificateNumber(rng.records) : null,
      certificateDate: certified ? certificateDate(died, rng.records) : null,
      isPublic,
      internalNotes: !isPublic && rng.records.chance(0.6) ? rng.records.pick(INTERNAL_NOTES) : null,
    };
  }

  return {
    make(resting) {
      const theatre = (resting?.profile.theatres ?? ALL_THEATRES).draw(rng.fronts);
      const died = resting?.profile.together?.date ?? deathDate(theatre, rng.dates);
      return build(resting, theatre, died);
    },
    companion(first, resting) {
      return build(resting, first.theatre, first.died, first);
    },
  };
}
