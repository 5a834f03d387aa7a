/**
 * What a visit to a cemetery needs beyond its address: the management board's phone, the opening
 * hours as the board states them (free text: "7:00–17:00 hằng ngày, trừ ngày 27/7"), and where
 * the gate is, for "directions to the gate" (a cemetery's own point may be its middle, or a guess).
 * All optional: most cemeteries have none of these yet; staff fill them in on the edit page.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE cemeteries
      ADD COLUMN board_phone text CHECK (board_phone ~ '^[+0-9 ().-]{6,30}$'),
      ADD COLUMN opening_hours text CHECK (char_length(opening_hours) <= 300),
      ADD COLUMN gate geometry(Point, 4326);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE cemeteries DROP COLUMN gate, DROP COLUMN opening_hours, DROP COLUMN board_phone');
}
