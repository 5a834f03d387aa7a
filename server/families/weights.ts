/**
 * Every weight of the family-request matching, in one reviewable place. A candidate's score is the
 * sum of the points below for each clue it shares with the death notice (and the penalties for
 * each clue that contradicts it); the reasons shown to families and officers name each term.
 * Change a number here and `npm run bench:matching` says what it did to the ranking.
 */
export const WEIGHTS = {
  // Points are roughly 8 per natural log of how much likelier a clue is on the true grave than on
  // any grave (the demo's clue model and the fronts' order of battle set the odds): a shared
  // company number (1 of ~20) says more than a shared year, and a grave that names only the
  // division loses to one naming the regiment only by what the regiment adds.
  unit: {
    /** Same company inside the same battalion. */
    company: 22,
    /** Same battalion inside the same regiment, or with no regiment on either side to say otherwise. */
    battalion: 16,
    /** Same regiment (Trung đoàn, E), when the division is compared too (it scored already). */
    regimentInDivision: 10,
    /** Same regiment, where one side names no division. */
    regiment: 30,
    /** Same division (Sư đoàn, Đại đoàn, F). */
    division: 24,
    /**
     * Same cover name or formation that is not a numbered division (Đoàn 559, Binh trạm 14, Quân khu 5,
     * a province's local force), when how many stones carry it is not measured (a grave scored as it
     * changes). A family search measures it (`coverPerNat`): on the 1,000,000-grave demo set Đoàn
     * 559 is on 3,336 of the 79,332 stones naming a unit (15 points by rarity), Quân khu 9 on 1,183
     * (24), a province's "Bộ đội địa phương" on about 200 (38), a commune's guerrillas on one or two
     * (capped): one flat number cannot be right for all of them. 24 is about the middle of that spread.
     */
    cover: 24,
    /**
     * Points per natural log of how much rarer the shared cover is than a stone naming any unit (the
     * scale of every weight here), less `coverOffset`: fitted, with the other weights held, by a
     * conditional logit of the true grave among its candidates on 1,500 demo notices outside the
     * benchmark's sample (7.3 per nat, less 13; rounded to the scale). Kept between `coverMin` and
     * `coverMax`: a cover on a third of all stones still says something, and no one unit clue, however
     * rare (a commune's guerrillas), counts for more than the same day of death.
     */
    coverPerNat: 8,
    coverOffset: 10,
    coverMin: 10,
    coverMax: 44,
    /** Both name a regiment, and not the same one (a wrong number on a stone happens: kept milder than the match). */
    differentRegiment: -16,
    /** Both name a unit, and no level or cover name of it is shared (a Quân khu against a Sư đoàn). */
    differentUnit: -12,
    /** Both name a division, and not the same one. */
    differentDivision: -14,
    /** Both name a battalion of the same regiment (or neither names a regiment), and not the same one. */
    differentBattalion: -16,
    /** Both name a company of the same battalion, and not the same one. */
    differentCompany: -14,
  },
  date: {
    /** The same day of death. */
    sameDay: 44,
    /** Inside the same month (one side gives only the month). */
    sameMonth: 36,
    /** Inside the same year (one side gives only the year). */
    sameYear: 18,
    /**
     * Outside, but within the window (a stone a year off, a month misread): neither for nor against.
     * One stone in ten has the year off by one, so a near date is about as common on the true
     * grave as on the others of its unit.
     */
    near: 0,
    /** Further apart than the window. */
    apart: -25,
  },
  /**
   * How far two partial dates may be apart and still count as near, by the coarser precision of
   * the two: the window widens with less precision.
   */
  dateWindowDays: { day: 92, month: 183, year: 400 },
  /**
   * Distances, calibrated on identified graves (whose martyr and cemetery are both known), against
   * the cemeteries of unidentified graves at large: about 29% of the identified lie inside the
   * resolved place of death (4% of graves at large), 22% more than 300 km from it (59%).
   */
  place: {
    /** The cemetery lies in the place of death. */
    inside: 16,
    /** Points fall linearly from this, at the boundary, to 0 at `maxKm`: a neighbouring province counts, the far end of the country not. */
    near: 9,
    maxKm: 150,
    /** Beyond this the place of death counts against (a grave of the same unit buried at the far end of the country). */
    farKm: 300,
    far: -4,
    /** The grave itself says it was a death at the same place (the unit or the cemetery's place often says so already: see `sameWrittenPlaceAlone`). */
    sameWrittenPlace: 8,
    /** The same, for a grave that shares no unit and is not buried in the place: the written place is its own evidence. */
    sameWrittenPlaceAlone: 14,
  },
  /**
   * Remains were often brought home: a cemetery in or near the hometown is a clue of its own. On
   * identified graves, 21% lie inside the resolved hometown (0.2% of graves at large) and 11% more
   * within 30 km (2%): the strongest clue a cemetery gives.
   */
  hometown: {
    inside: 34,
    near: 15,
    maxKm: 80,
  },
  /** Same front or battlefield (Mặt trận, Chiến trường, B-fronts, Laos, Cambodia). */
  front: 5,
  /** A name fragment on the stone that is part of the name on the notice. */
  nameFragment: 28,
  /**
   * The stone's hometown fragment names the notice's hometown province: telling far from the
   * hometown (about 1 stone in 60 names any one province), much less so in or near it, where most
   * stones name it.
   */
  hometownFragment: { elsewhere: 28, nearHometown: 6 },
  /** A grave scoring below this is not proposed. */
  minimumScore: 20,
  /** Candidates kept per request. */
  keep: 20,
} as const;
