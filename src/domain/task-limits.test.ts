import { describe, expect, it } from 'vitest';
import { allowsTaskId, allowsTaskRef, taskLimitOf } from './task-limits.js';

const A = { id: '01890a5d-ac96-774b-bcce-b302099a8057', slug: 'titles' };
const B = '01890a5d-ac96-774b-bcce-b302099a8058';

describe('task limits', () => {
  const limit = taskLimitOf([A]);

  it('allows a limited task by slug or id, in either case', () => {
    expect(allowsTaskRef(limit, 'titles')).toBe(true);
    expect(allowsTaskRef(limit, A.id)).toBe(true);
    expect(allowsTaskRef(limit, A.id.toUpperCase())).toBe(true);
    expect(allowsTaskId(limit, A.id)).toBe(true);
  });

  it('refuses every other task', () => {
    expect(allowsTaskRef(limit, 'reviews')).toBe(false);
    expect(allowsTaskRef(limit, B)).toBe(false);
    expect(allowsTaskId(limit, B)).toBe(false);
    // A slug is not an id: an id written where a slug would be still needs to be an id of the limit.
    expect(allowsTaskRef(taskLimitOf([{ id: B, slug: A.id }]), A.id)).toBe(false);
  });

  it('allows everything without a limit, and nothing with an empty one', () => {
    expect(allowsTaskRef(undefined, 'anything')).toBe(true);
    expect(allowsTaskId(undefined, B)).toBe(true);
    expect(allowsTaskRef(taskLimitOf([]), 'titles')).toBe(false);
  });
});
