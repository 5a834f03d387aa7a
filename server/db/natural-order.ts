/**
 * The one ordering for labels people count (sections, rows, plot numbers): 1, 2, 10, 10a, 11, A,
 * B. It is the ICU collation made by migration 20261201000400 (numbers of any length compare as
 * numbers), so every list that walks a cemetery agrees with every other. `column` is an SQL
 * column reference written by the caller, never request text.
 */
export function naturalOrder(column: string, descending = false): string {
  return `${column} COLLATE natural_order${descending ? ' DESC' : ''} NULLS LAST`;
}
