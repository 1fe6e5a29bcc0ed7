import { describe, expect, it } from 'vitest';
import type { PromptConfig } from '../../../domain/labeling/prompt-config.js';
import { deserializeArtifact, InvalidArtifactError, serializeArtifact } from './artifact.js';
import { createTrainedClassifier } from './trained-classifier.js';
import { trainLocalModel } from './trainer.js';

const rows = [
  ['refund my double charge', 'billing'],
  ['the invoice total is wrong', 'billing'],
  ['I was charged twice this month', 'billing'],
  ['please refund the invoice', 'billing'],
  ['the app crashes on start', 'bug'],
  ['crash when I open settings', 'bug'],
  ['the screen freezes and crashes', 'bug'],
  ['error after the update, app crashes', 'bug'],
].map(([text, label]) => ({ text: text!, label: label! }));
const { artifact } = trainLocalModel({ train: [...rows, ...rows, ...rows], labels: ['billing', 'bug'] });
// classify() ignores the prompt: the model knows its labels from training.
const prompt: PromptConfig = { instructions: 'unused', labels: [{ name: 'something else' }], fewShot: [] };

describe('createTrainedClassifier', () => {
  it('answers as the local provider with calibrated probabilities and zero usage', async () => {
    const classifier = createTrainedClassifier(artifact);
    expect(classifier).toMatchObject({ provider: 'local', model: 'local-linear' });
    const result = await classifier.classify('my invoice has a double charge', prompt);
    expect(result.label).toBe('billing');
    expect(result.rawOutput).toBe('billing');
    expect(result.confidence).toBe(result.probabilities['billing']);
    expect(result.probabilities['billing']! + result.probabilities['bug']!).toBeCloseTo(1, 9);
    expect(result.usage).toEqual({ inputTokens: 0, outputTokens: 0 });
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
    expect((await classifier.classify('the app crashes', prompt)).label).toBe('bug');
  });

  it('names the model it was given and gives a full distribution for empty text', async () => {
    const classifier = createTrainedClassifier(deserializeArtifact(serializeArtifact(artifact)), {
      model: 'ft:local-linear:v3',
    });
    expect(classifier.model).toBe('ft:local-linear:v3');
    const result = await classifier.classify('', prompt);
    expect(['billing', 'bug']).toContain(result.label);
    expect(Object.values(result.probabilities).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
  });

  it('rejects when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(createTrainedClassifier(artifact).classify('x', prompt, controller.signal)).rejects.toThrow('stop');
  });
});

describe('deserializeArtifact', () => {
  it('refuses blobs that are not an artifact of this format', () => {
    expect(() => deserializeArtifact(Buffer.from('not gzip'))).toThrow(InvalidArtifactError);
    const corrupt = (change: (copy: Record<string, unknown>) => void) => {
      const copy = structuredClone(artifact) as unknown as Record<string, unknown>;
      change(copy);
      return () => deserializeArtifact(serializeArtifact(copy as never));
    };
    expect(corrupt((copy) => (copy['format'] = 'other'))).toThrow(/format/);
    expect(corrupt((copy) => (copy['version'] = 99))).toThrow(/version 99/);
    expect(corrupt((copy) => (copy['bias'] = [1]))).toThrow(/bias/);
    expect(corrupt((copy) => (copy['weights'] = 'AAAAAAAAAAA='))).toThrow(/weights/);
    expect(corrupt((copy) => (copy['idf'] = 'AAAA'))).toThrow(/partial value/);
  });
});
