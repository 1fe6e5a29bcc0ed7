import { describe, expect, it } from 'vitest';
import { hasScope } from './scopes.js';

describe('hasScope', () => {
  it('lets admin do everything', () => {
    for (const required of ['admin', 'write', 'read', 'classify'] as const)
      expect(hasScope(['admin'], required)).toBe(true);
  });

  it('lets write read, but not classify or administer', () => {
    expect(hasScope(['write'], 'write')).toBe(true);
    expect(hasScope(['write'], 'read')).toBe(true);
    expect(hasScope(['write'], 'classify')).toBe(false);
    expect(hasScope(['write'], 'admin')).toBe(false);
  });

  it('keeps read to reading', () => {
    expect(hasScope(['read'], 'read')).toBe(true);
    expect(hasScope(['read'], 'write')).toBe(false);
    expect(hasScope(['read'], 'classify')).toBe(false);
  });

  it('keeps classify to classifying: it cannot read', () => {
    expect(hasScope(['classify'], 'classify')).toBe(true);
    expect(hasScope(['classify'], 'read')).toBe(false);
    expect(hasScope(['classify'], 'write')).toBe(false);
  });

  it('grants the union of the scopes held', () => {
    expect(hasScope(['read', 'classify'], 'read')).toBe(true);
    expect(hasScope(['read', 'classify'], 'classify')).toBe(true);
    expect(hasScope(['read', 'classify'], 'write')).toBe(false);
    expect(hasScope([], 'read')).toBe(false);
  });
});
