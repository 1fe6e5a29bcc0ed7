import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { describe, expect, it } from 'vitest';
import { seededRng } from '../../../domain/seeded-rng.js';
import { deserializeArtifact, serializeArtifact } from './artifact.js';
import { predictBatch } from './trained-classifier.js';
import { trainLocalModel, trainLocalModelSerialized, type LabeledText, type LocalTrainEvent } from './trainer.js';

/**
 * Six labels of unequal size. Each text mixes one or two of its label's own words (some shared
 * with the next label) with common words; a tenth of the words have a typo and 5 % of the rows
 * carry a random label.
 */
const LABELS = ['billing', 'bugs', 'feature', 'account', 'shipping', 'praise'];
function generate(count: number, seed: number): LabeledText[] {
  const rng = seededRng(seed);
  const int = (max: number) => uniformInt(rng, 0, max - 1);
  const word = (prefix: string, i: number) =>
    `${prefix}${'abcdefghij'[i % 10]}${'klmnopqrst'[Math.floor(i / 10) % 10]}`;
  const own = LABELS.map((_, k) => Array.from({ length: 10 }, (_, i) => word(`w${k}`, i)));
  const common = Array.from({ length: 60 }, (_, i) => word('c', i));
  const sizes = [6, 5, 4, 3, 2, 1];
  const total = sizes.reduce((a, b) => a + b, 0);
  return Array.from({ length: count }, () => {
    let pick = int(total);
    let k = 0;
    while (pick >= sizes[k]!) pick -= sizes[k++]!;
    const vocabulary = [...own[k]!, ...own[(k + 1) % LABELS.length]!.slice(0, 3)];
    const words = Array.from({ length: 4 + int(6) }, (_, i) =>
      i < 1 + int(2) ? vocabulary[int(vocabulary.length)]! : common[int(common.length)]!,
    );
    const text = words.map((w) => (int(10) === 0 ? `${w.slice(0, -1)}z` : w)).join(' ');
    return { text, label: int(20) === 0 ? LABELS[int(LABELS.length)]! : LABELS[k]! };
  });
}

const train = generate(1500, 1);
const validation = generate(300, 2);
const test = generate(600, 3);

function accuracyOn(rows: LabeledText[], predicted: { label: string }[]): number {
  return rows.filter((row, i) => row.label === predicted[i]?.label).length / rows.length;
}

describe('trainLocalModel', () => {
  const { artifact, summary } = trainLocalModel({ train, labels: LABELS });

  it('scores well above the majority baseline on held-out rows', () => {
    const majority = test.filter((row) => row.label === 'billing').length / test.length;
    const accuracy = accuracyOn(
      test,
      predictBatch(
        artifact,
        test.map((row) => row.text),
      ),
    );
    // About 15 % of the texts carry only words the next label shares, and 5 % a random label.
    expect(majority).toBeLessThan(0.35);
    expect(accuracy).toBeGreaterThan(0.78);
    expect(summary).toMatchObject({ chosen: { selectedOn: 'holdout', candidates: 1, regularization: 1 } });
    expect(summary.validationAccuracy).toBeGreaterThan(0.75);
    expect(summary.vocabulary).toBeGreaterThan(100);
    expect(summary.bytes).toBe(serializeArtifact(artifact).length);
  });

  it('gives probabilities over every label that sum to 1, calibrated to be neither certain nor uniform', () => {
    const predictions = predictBatch(
      artifact,
      test.map((row) => row.text),
    );
    for (const prediction of predictions) {
      expect(Object.keys(prediction.probabilities)).toEqual(LABELS);
      const sum = Object.values(prediction.probabilities).reduce((a, b) => a + b, 0);
      expect(Math.abs(sum - 1)).toBeLessThan(1e-6);
      expect(prediction.confidence).toBe(Math.max(...Object.values(prediction.probabilities)));
    }
    // Calibrated: the mean confidence is close to the accuracy (within a few points).
    const meanConfidence = predictions.reduce((sum, prediction) => sum + prediction.confidence, 0) / predictions.length;
    expect(Math.abs(meanConfidence - accuracyOn(test, predictions))).toBeLessThan(0.06);
  });

  it('is deterministic for a seed: the same artifact bytes twice, other bytes for another seed', () => {
    const again = trainLocalModelSerialized({ train, labels: LABELS });
    expect(again.buffer.equals(serializeArtifact(artifact))).toBe(true);
    const other = trainLocalModelSerialized({ train, labels: LABELS, options: { seed: 7 } });
    expect(other.buffer.equals(again.buffer)).toBe(false);
  });

  it('round-trips through serialise/deserialise with identical predictions', () => {
    const restored = deserializeArtifact(serializeArtifact(artifact));
    expect(restored).toEqual(artifact);
    const texts = test.slice(0, 100).map((row) => row.text);
    expect(predictBatch(restored, texts)).toEqual(predictBatch(artifact, texts));
  });

  it('still gives a valid distribution for empty and unknown text', () => {
    for (const text of ['', '   ', 'zzzz qqqq', '🙂']) {
      const [prediction] = predictBatch(artifact, [text]);
      expect(LABELS).toContain(prediction?.label);
      const sum = Object.values(prediction?.probabilities ?? {}).reduce((a, b) => a + b, 0);
      expect(Math.abs(sum - 1)).toBeLessThan(1e-6);
    }
  });
});

describe('trainLocalModel with a validation split', () => {
  it('searches C on the validation split by macro-F1 and reports every epoch', () => {
    const events: LocalTrainEvent[] = [];
    const { artifact, summary } = trainLocalModel({
      train,
      validation,
      labels: LABELS,
      options: { epochs: 3 },
      onEpoch: (event) => events.push(event),
    });
    expect(summary.chosen).toMatchObject({ selectedOn: 'validation', candidates: 3 });
    expect([1 / 3, 1, 3]).toContain(summary.chosen['regularization']);
    expect(artifact.options).toMatchObject({
      epochs: 3,
      search: true,
      regularization: summary.chosen['regularization'],
    });
    // Three candidates of up to 3 epochs each, numbered on one grid; no refit with a validation split.
    expect(events.length).toBeGreaterThanOrEqual(3);
    expect(events.every((event) => event.epochs === 9 && event.epoch <= 9)).toBe(true);
    expect(new Set(events.map((event) => event.epoch)).size).toBe(events.length);
    expect(new Set(events.map((event) => event.regularization))).toEqual(new Set([1 / 3, 1, 3]));
    for (const event of events) {
      expect(event.trainLoss).toBeGreaterThanOrEqual(0);
      expect(event.validationAccuracy).toBeGreaterThan(0);
      expect(event.validationLoss).toBeGreaterThan(0);
    }
    expect(
      accuracyOn(
        test,
        predictBatch(
          artifact,
          test.map((row) => row.text),
        ),
      ),
    ).toBeGreaterThan(0.78);
  });

  it('trains one candidate when search is off, and the training loss falls epoch by epoch', () => {
    const losses: number[] = [];
    const { summary } = trainLocalModel({
      train,
      validation,
      labels: LABELS,
      options: { search: false, regularization: 0.5 },
      onEpoch: (event) => losses.push(event.trainLoss),
    });
    expect(summary.chosen).toMatchObject({ candidates: 1, regularization: 0.5 });
    expect(losses[losses.length - 1]).toBeLessThan(losses[0]!);
  });
});

describe('trainLocalModel edge cases', () => {
  it('trains on a handful of rows, and on labels that have no rows', () => {
    const { artifact, summary } = trainLocalModel({
      train: [
        { text: 'refund my order', label: 'billing' },
        { text: 'the app crashes', label: 'bugs' },
      ],
      labels: ['billing', 'bugs', 'other'],
    });
    expect(summary.chosen['selectedOn']).toBe('none');
    const [prediction] = predictBatch(artifact, ['please refund']);
    expect(prediction?.label).toBe('billing');
    expect(Object.keys(prediction?.probabilities ?? {})).toEqual(['billing', 'bugs', 'other']);
  });

  it('rejects rows with labels outside the list, empty inputs and bad options', () => {
    expect(() => trainLocalModel({ train: [{ text: 'x', label: 'nope' }], labels: ['a'] })).toThrow(
      /train\[0\] has label "nope"/,
    );
    expect(() =>
      trainLocalModel({ train: [{ text: 'x', label: 'a' }], validation: [{ text: 'y', label: 'b' }], labels: ['a'] }),
    ).toThrow(/validation\[0\]/);
    expect(() => trainLocalModel({ train: [], labels: ['a'] })).toThrow(/at least one row/);
    expect(() => trainLocalModel({ train: [{ text: 'x', label: 'a' }], labels: [] })).toThrow(/at least one label/);
    expect(() =>
      trainLocalModel({ train: [{ text: 'x', label: 'a' }], labels: ['a'], options: { epochs: 0 } }),
    ).toThrow(RangeError);
    expect(() =>
      trainLocalModel({ train: [{ text: 'x', label: 'a' }], labels: ['a'], options: { regularization: -1 } }),
    ).toThrow(RangeError);
  });

  it('caps the vocabulary at maxFeatures', () => {
    const { summary } = trainLocalModel({ train, labels: LABELS, options: { maxFeatures: 200 } });
    expect(summary.vocabulary).toBeLessThanOrEqual(200);
  });
});
