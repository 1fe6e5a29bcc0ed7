import { describe, expect, it } from 'vitest';
import type { PromptConfig } from '../../domain/labeling/prompt-config.js';
import { ProviderError } from '../provider.js';
import { createFewShotClassifier, softmax } from './few-shot-classifier.js';

const support: PromptConfig = {
  instructions: 'Route the support ticket.',
  labels: [
    { name: 'billing', description: 'charges, refunds, invoices and payments' },
    { name: 'technical', description: 'bugs, errors, crashes and login problems' },
    { name: 'shipping', description: 'deliveries, packages, orders and tracking' },
  ],
  fewShot: [
    { text: 'I was charged twice for my subscription this month', label: 'billing' },
    { text: 'Can I get a refund for the annual plan?', label: 'billing' },
    { text: 'My credit card payment failed but the invoice says paid', label: 'billing' },
    { text: 'Please update the billing address on my invoices', label: 'billing' },
    { text: 'The app crashes every time I open the settings page', label: 'technical' },
    { text: "I can't log in, the password reset email never arrives", label: 'technical' },
    { text: 'Error 500 when uploading a file larger than 10 MB', label: 'technical' },
    { text: 'The export button does nothing in Firefox', label: 'technical' },
    { text: 'My package has not arrived after two weeks', label: 'shipping' },
    { text: 'Can you send the order to a different address?', label: 'shipping' },
    { text: "The tracking number you gave me doesn't work", label: 'shipping' },
    { text: 'The box arrived damaged and the item is broken', label: 'shipping' },
  ],
};

describe('createFewShotClassifier', () => {
  const classifier = createFewShotClassifier(support);

  it('identifies itself as the free local model', () => {
    expect(classifier.provider).toBe('local');
    expect(classifier.model).toBe('few-shot-tfidf');
    expect(createFewShotClassifier(support, { model: 'few-shot-v2' }).model).toBe('few-shot-v2');
  });

  it.each([
    ['I got charged twice, please refund one of the payments', 'billing'],
    ['I need a copy of my last invoice', 'billing'],
    ['The app crashes when I upload a photo', 'technical'],
    ['Login fails with an error since the update', 'technical'],
    ['Where is my package? The tracking page shows nothing', 'shipping'],
    ['When will my order arrive?', 'shipping'],
  ])('classifies held-out %j as %s', async (text, expected) => {
    const result = await classifier.classify(text, support);
    expect(result.label).toBe(expected);
    expect(result.rawOutput).toBe(expected);
    expect(result.confidence).toBe(result.probabilities[expected]);
    expect(result.confidence).toBeGreaterThan(0.5);
  });

  it('returns a distribution over every label, zero usage and a measured latency', async () => {
    const result = await classifier.classify('refund my order please', support);
    expect(Object.keys(result.probabilities)).toEqual(['billing', 'technical', 'shipping']);
    expect(Object.values(result.probabilities).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(result.usage).toEqual({ inputTokens: 0, outputTokens: 0 });
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('is deterministic, also across separately built classifiers', async () => {
    const text = 'payment error in the app';
    const first = await classifier.classify(text, support);
    const again = await createFewShotClassifier(structuredClone(support)).classify(text, structuredClone(support));
    expect(again.probabilities).toEqual(first.probabilities);
    expect(again.label).toBe(first.label);
  });

  it('gives empty or unknown text a uniform distribution and the first label', async () => {
    for (const text of ['', '   ', '!!!', 'zzqx']) {
      const result = await classifier.classify(text, support);
      expect(result.label).toBe('billing');
      for (const p of Object.values(result.probabilities)) expect(p).toBeCloseTo(1 / 3, 12);
    }
  });

  it('handles other scripts and emoji', async () => {
    const reviews: PromptConfig = {
      instructions: '',
      labels: [{ name: 'positive' }, { name: 'negative' }],
      fewShot: [
        { text: '素晴らしい製品です 😀', label: 'positive' },
        { text: 'Отличный сервис, всё понравилось', label: 'positive' },
        { text: '最悪の体験でした 😡', label: 'negative' },
        { text: 'Ужасный сервис, ничего не работает', label: 'negative' },
      ],
    };
    const local = createFewShotClassifier(reviews);
    expect((await local.classify('この製品は素晴らしい', reviews)).label).toBe('positive');
    expect((await local.classify('最悪', reviews)).label).toBe('negative');
    expect((await local.classify('Ужасный', reviews)).label).toBe('negative');
    expect((await local.classify('😀😀', reviews)).label).toBe('positive');
    expect((await local.classify('ＯＴＬＩＣＨＮＹＩ 😡', reviews)).label).toBe('negative');
  });

  it('works from label names and descriptions alone', async () => {
    const topics: PromptConfig = {
      instructions: '',
      labels: [
        { name: 'sports', description: 'football, basketball, matches, teams and players' },
        { name: 'politics', description: 'elections, government, parliament and votes' },
        { name: 'weather' },
      ],
      fewShot: [],
    };
    const local = createFewShotClassifier(topics);
    expect((await local.classify('The team won the football match', topics)).label).toBe('sports');
    expect((await local.classify('Parliament votes on the election date', topics)).label).toBe('politics');
    expect((await local.classify('Weather warning for the weekend', topics)).label).toBe('weather');
  });

  it('ignores examples whose label the prompt does not list', async () => {
    const prompt: PromptConfig = { ...support, fewShot: [...support.fewShot, { text: 'I love it', label: 'praise' }] };
    const result = await createFewShotClassifier(prompt).classify('I love it', prompt);
    expect(Object.keys(result.probabilities)).toEqual(['billing', 'technical', 'shipping']);
  });

  it('follows the prompt it is given on each call', async () => {
    const renamed: PromptConfig = {
      ...support,
      labels: [{ name: 'money' }, { name: 'other' }],
      fewShot: [{ text: 'refund my payment', label: 'money' }],
    };
    const result = await classifier.classify('refund please', renamed);
    expect(Object.keys(result.probabilities)).toEqual(['money', 'other']);
    expect(result.label).toBe('money');
  });

  it('refuses a prompt without labels and an aborted call', async () => {
    const empty: PromptConfig = { instructions: 'x', labels: [], fewShot: [] };
    await expect(createFewShotClassifier(empty).classify('text', empty)).rejects.toSatisfy(
      (error) => error instanceof ProviderError && error.kind === 'permanent' && error.code === 'invalid_request',
    );
    await expect(classifier.classify('text', support, AbortSignal.abort())).rejects.toThrow();
  });
});

describe('softmax', () => {
  it('sharpens by temperature and stays stable for large scores', () => {
    expect(softmax([0.3, 0.1], 0.1)[0]).toBeCloseTo(Math.exp(2) / (1 + Math.exp(2)), 12);
    expect(softmax([1000, 1000], 0.001)).toEqual([0.5, 0.5]);
  });
});
