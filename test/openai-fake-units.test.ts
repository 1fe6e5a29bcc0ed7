import { describe, expect, it } from 'vitest';
import { goDuration, labelsIn } from './fakes/openai/index.js';

/** The pure parts of the OpenAI fake that tests elsewhere lean on. */

describe('goDuration', () => {
  it.each([
    [0, '0s'],
    [20, '20ms'],
    [999.2, '1s'],
    [1_000, '1s'],
    [8_640, '8.64s'],
    [9_816, '9.816s'],
    [360_000, '6m0s'],
    [5_535_000, '1h32m15s'],
  ])('%d ms → %s', (ms, text) => {
    expect(goDuration(ms)).toBe(text);
  });
});

describe('labelsIn (the default answer is the first of these)', () => {
  it.each([
    ['Classify the text.\nLabels: positive, negative, neutral', ['positive', 'negative', 'neutral']],
    ['Answer with one of: billing | shipping | other.', ['billing', 'shipping', 'other']],
    ['Categories: "spam" or "ham"', ['spam', 'ham']],
    ['Pick a label.\n- urgent: needs action today\n- routine: can wait\n- spam', ['urgent', 'routine', 'spam']],
    ['Choose exactly one of "yes", "no".', ['yes', 'no']],
    ['You are a helpful assistant.', []],
    ['', []],
  ])('%j', (system, labels) => {
    expect(labelsIn(system)).toEqual(labels);
  });
});
