import { describe, expect, it } from 'vitest';
import { ago } from './time';

describe('ago', () => {
  const now = new Date('2026-11-25T12:00:00Z');
  it('says how long ago in the largest whole unit', () => {
    expect(ago('2026-11-22T11:00:00Z', now)).toBe('3 days ago');
    expect(ago('2026-11-25T11:58:00Z', now)).toBe('2 minutes ago');
    expect(ago('2026-11-25T11:59:30Z', now)).toBe('just now');
    expect(ago('2026-11-24T11:00:00Z', now)).toBe('yesterday');
  });
  it('returns null for a missing or unreadable time', () => {
    expect(ago(undefined, now)).toBeNull();
    expect(ago('not a time', now)).toBeNull();
  });
});
