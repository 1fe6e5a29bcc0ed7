import { decode, encode } from 'gpt-tokenizer/encoding/o200k_base';
import { describe, expect, it } from 'vitest';
import type { PromptConfig } from './prompt-config.js';
import { chatMessages, legacyPrompt, maxAnswerTokens, pickFewShot, pickFewShotRows } from './prompt.js';

const tokenize = (text: string): string[] => encode(text).map((id) => decode([id]));

describe('chatMessages', () => {
  const prompt: PromptConfig = {
    instructions: 'Classify the support ticket.\n',
    labels: [{ name: 'billing', description: 'payments, invoices, refunds' }, { name: 'Not sure' }],
    fewShot: [
      { text: 'I was charged twice', label: 'billing' },
      { text: 'hmm', label: 'Not sure' },
    ],
  };

  it('lists the labels exactly in the system message, then few-shot turns, then the text', () => {
    expect(chatMessages(prompt, 'Where is my invoice?')).toEqual([
      {
        role: 'system',
        content:
          'Classify the support ticket.\n\nAllowed labels:\n- billing: payments, invoices, refunds\n- Not sure\nAnswer with the label only.',
      },
      { role: 'user', content: 'I was charged twice' },
      { role: 'assistant', content: 'billing' },
      { role: 'user', content: 'hmm' },
      { role: 'assistant', content: 'Not sure' },
      { role: 'user', content: 'Where is my invoice?' },
    ]);
  });

  it('works without instructions or examples', () => {
    const messages = chatMessages(
      { instructions: '  ', labels: [{ name: 'a', description: '' }], fewShot: [] },
      'text',
    );
    expect(messages).toEqual([
      { role: 'system', content: 'Allowed labels:\n- a\nAnswer with the label only.' },
      { role: 'user', content: 'text' },
    ]);
  });
});

describe('maxAnswerTokens', () => {
  it('is the longest label in tokens plus one', () => {
    expect(tokenize('Not spam')).toHaveLength(2);
    expect(maxAnswerTokens(['spam', 'Not spam'], tokenize)).toBe(3);
    expect(maxAnswerTokens(['positive'], tokenize)).toBe(2);
  });

  it('is at least 1', () => {
    expect(maxAnswerTokens([], tokenize)).toBe(1);
  });
});

describe('legacyPrompt', () => {
  it('appends the separator the legacy fine-tunes were trained with', () => {
    expect(legacyPrompt('hello')).toBe('hello\n\n###\n\n');
    expect(legacyPrompt('hello', ' ->')).toBe('hello ->');
  });
});

describe('pickFewShot', () => {
  const rows = [
    ...Array.from({ length: 6 }, (_, i) => ({ exampleId: `p${i}`, text: `good ${i}`, label: 'positive' })),
    ...Array.from({ length: 3 }, (_, i) => ({ exampleId: `n${i}`, text: `bad ${i}`, label: 'negative' })),
    { exampleId: 'u0', text: 'meh', label: 'neutral' },
  ];

  it('takes labels in turn, in sorted label order', () => {
    const picked = pickFewShotRows(rows, 7, 42);
    expect(picked.map((example) => example.label)).toEqual([
      'negative',
      'neutral',
      'positive',
      'negative',
      'positive',
      'negative',
      'positive',
    ]);
    expect(new Set(picked.map((example) => example.exampleId)).size).toBe(7);
    expect(pickFewShot(rows, 7, 42)).toEqual(picked.map(({ text, label }) => ({ text, label })));
  });

  it('is deterministic and independent of row order', () => {
    const first = pickFewShot(rows, 5, 7);
    expect(pickFewShot([...rows].reverse(), 5, 7)).toEqual(first);
    const others = [1, 2, 3, 4, 5].map((seed) => JSON.stringify(pickFewShot(rows, 5, seed)));
    expect(new Set(others).size).toBeGreaterThan(1);
  });

  it('returns min(k, rows) examples', () => {
    expect(pickFewShot(rows, 50, 1)).toHaveLength(rows.length);
    expect(pickFewShot(rows, 0, 1)).toEqual([]);
    expect(pickFewShot([], 3, 1)).toEqual([]);
    expect(pickFewShot([{ exampleId: 'x', text: 't', label: 'l' }], 1, 1)).toEqual([{ text: 't', label: 'l' }]);
    expect(pickFewShotRows([{ exampleId: 'x', text: 't', label: 'l', extra: 1 }], 1, 1)).toEqual([
      { exampleId: 'x', text: 't', label: 'l', extra: 1 },
    ]);
  });
});
