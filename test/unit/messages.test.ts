import { describe, expect, it } from 'vitest';
import { messageKeys, translate } from '../../server/i18n/messages.js';

describe('interface messages', () => {
  it('has every Vietnamese string in English too, and no English string without a Vietnamese one', () => {
    const vi = new Set(messageKeys('vi'));
    const en = new Set(messageKeys('en'));
    expect([...vi].filter((k) => !en.has(k))).toEqual([]);
    expect([...en].filter((k) => !vi.has(k))).toEqual([]);
  });
  it('fills placeholders', () => {
    expect(translate('en', 'home.detail', { unidentified: 5, withoutGrave: 2, provinces: 3 })).toContain('5 graves');
  });
});
