/**
 * One natural order for labels people count (rows, plots, sections): "2" before "10", "10" before
 * "10a", letters after digits. Three hand-written expressions had diverged (one cast a leading
 * number to int and overflowed past nine digits, turning a cemetery page into a 500 for everyone);
 * ICU's numeric collation orders any length of digits as a number.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`CREATE COLLATION IF NOT EXISTS natural_order (provider = icu, locale = 'und-u-kn-true')`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP COLLATION IF EXISTS natural_order');
}
