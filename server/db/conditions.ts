/**
 * AND-ed SQL conditions with their bound values, kept in step: the one way list queries build their
 * filters (before, each kept a `where` array and a `bindings` array by hand, easy to let drift).
 */
import type { Knex } from './knex.js';

export class Conditions {
  private readonly parts: string[] = [];
  private readonly values: Knex.Value[] = [];

  /** Adds `sql`, whose `?` placeholders take `values` in order. */
  add(sql: string, ...values: Knex.Value[]): this {
    this.parts.push(sql);
    this.values.push(...values);
    return this;
  }

  /** The conditions joined with AND (`true` when there are none). */
  get sql(): string {
    return this.parts.length ? this.parts.join(' AND ') : 'true';
  }

  /** `WHERE …`, or nothing when there are no conditions. */
  get where(): string {
    return this.parts.length ? `WHERE ${this.parts.join(' AND ')}` : '';
  }

  get bindings(): Knex.Value[] {
    return [...this.values];
  }

  /** A copy that can take more conditions without changing this one. */
  copy(): Conditions {
    const other = new Conditions();
    other.parts.push(...this.parts);
    other.values.push(...this.values);
    return other;
  }
}
