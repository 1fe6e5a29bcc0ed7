import { describe, expect, it } from 'vitest';
import { OperationError } from './operations.js';
import { compileTextPreparation, textOperationsOf, validateTextOperations } from './text-preparation.js';

describe('textOperationsOf', () => {
  it('collects clean steps oldest first, back to the nearest import only', () => {
    const lineage = [
      { operation: 'derive', params: { operations: [{ op: 'split', train: 1, validation: 0, test: 0 }] } },
      { operation: 'review', params: { overrides: 2 } },
      {
        operation: 'derive',
        params: { operations: [{ op: 'clean', urls: false }, { op: 'dedupe' }, { op: 'clean' }] },
      },
      { operation: 'derive', params: { operations: [{ op: 'clean', mentions: false }] } },
      { operation: 'import', params: { mode: 'replace' } },
      // Before the import that replaced them: not this version's texts.
      { operation: 'derive', params: { operations: [{ op: 'clean', emails: false }] } },
    ];
    expect(textOperationsOf(lineage)).toEqual([
      { op: 'clean', mentions: false },
      { op: 'clean', urls: false },
      { op: 'clean' },
    ]);
  });
});

describe('compileTextPreparation', () => {
  it('is absent without operations and cleans as the dataset operation does', () => {
    expect(compileTextPreparation([])).toBeUndefined();
    const prepare = compileTextPreparation([{ op: 'clean' }])!;
    expect(prepare('<@U04ABCD12> how to   serve https://x.io/a.')).toBe('how to serve .');
  });

  it('sends an input it would empty as it is', () => {
    expect(compileTextPreparation([{ op: 'clean' }])!('https://x.io')).toBe('https://x.io');
  });
});

describe('validateTextOperations', () => {
  it('takes clean only, with boolean switches', () => {
    expect(() => validateTextOperations([{ op: 'dedupe' }])).toThrow(OperationError);
    expect(() => validateTextOperations([{ op: 'clean', urls: 1 }])).toThrow(/urls must be a boolean/);
    expect(validateTextOperations([{ op: 'clean', urls: false }])).toEqual([{ op: 'clean', urls: false }]);
  });
});
