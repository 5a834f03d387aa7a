import { describe, expect, it } from 'vitest';
import { localDateTime } from '../../server/views/local-time.js';

describe('localDateTime', () => {
  it("writes 08:11 UTC as 15:11 on Vietnam's clock, day first", () => {
    expect(localDateTime(new Date('2026-12-01T08:11:00Z'))).toBe('01/12/2026 15:11');
  });
  it('moves to the next day in Vietnam after 17:00 UTC', () => {
    expect(localDateTime(new Date('2026-12-31T17:30:00Z'))).toBe('01/01/2027 00:30');
  });
  it('writes nothing for a missing or invalid time', () => {
    expect(localDateTime(null)).toBe('');
    expect(localDateTime('not a date')).toBe('');
  });
});
