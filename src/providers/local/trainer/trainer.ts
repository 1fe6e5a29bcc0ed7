import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { ARTIFACT_FORMAT, ARTIFACT_VERSION, encodeFloat32, serializeArtifact, type LocalModelArtifact } from './artifact.js';
import { fitTemperature, logLoss } from './calibration.js';
import { concatRows, createVectorizer, fitTransform, type SparseRows } from './features.js';
import { scoreRows, trainLinearSvm, type LinearModel, type SvmResult, type SvmState } from './linear-model.js';
import { accuracy, argmaxRows, macroF1 } from './selection-metrics.js';

/**
 * Trains the `local` provider's linear model on a dataset version's rows, in-process and offline.
 *
 * Pipeline: word 1–2-gram + char 2–5-gram TF-IDF → one-vs-rest squared-hinge linear SVM (the
 * LinearSVC baseline) → temperature-scaled softmax. Calibration and the optional search over C
 * need rows the model did not train on: the validation split when given; otherwise a stratified
 * 15 % of the training rows is held out for them, and the chosen C is then refitted on all rows
 * (the temperature carries over; a model on 85 % of the rows is a close stand-in).
 */

export interface LocalTrainOptions {
  seed?: number;
  /** Maximum passes over the rows per fit (each fit stops early once converged). */
  epochs?: number;
  /** The SVM's C (inverse regularisation strength, as scikit-learn's LinearSVC): larger fits the rows more closely. */
  regularization?: number;
  /** Try C × {1/4, 1/2, 1, 2} and keep the best by held-out macro-F1. */
  search?: boolean;
  /** Vocabulary cap (words and character grams together); bounds the model's size. */
  maxFeatures?: number;
}

export interface LabeledText {
  text: string;
  label: string;
}

export interface LocalTrainEvent {
  /** Counts epochs over the whole run (every fit of the search, then the refit), from 1. */
  epoch: number;
  /** Upper bound for `epoch`: fits × epochs per fit. Fits that converge early end below it. */
  epochs: number;
  trainLoss: number;
  validationLoss?: number;
  validationAccuracy?: number;
  /** The C of the fit this epoch belongs to. */
  regularization: number;
}

export interface LocalTrainInput {
  train: LabeledText[];
  validation?: LabeledText[];
  labels: string[];
  options?: LocalTrainOptions;
  onEpoch?: (event: LocalTrainEvent) => void;
}

export interface LocalTrainSummary {
  /** Epochs of the fit that produced the model. */
  epochs: number;
  trainLoss: number;
  /** Accuracy on the validation split, or on the held-out rows when none was given. */
  validationAccuracy?: number;
  chosen: Record<string, number | string>;
  vocabulary: number;
  bytes: number;
}

export const DEFAULT_LOCAL_TRAIN_OPTIONS = Object.freeze({
  seed: 42,
  epochs: 30,
  regularization: 0.5,
  search: true,
  maxFeatures: 100_000,
} satisfies Required<LocalTrainOptions>);

/** Settings that are not options: fixed by benchmarking (see bench/local-trainer.ts). */
export const TRAINER_SETTINGS = {
  minDf: 2,
  maxCharDf: 0.05,
  /** Share of maxFeatures for word terms; character grams get the rest. */
  wordShare: 0.5,
  wordWeight: Math.SQRT1_2,
  minCharGram: 2,
  maxCharGram: 5,
  tolerance: 0.1,
  holdoutFraction: 0.15,
  searchFactors: [0.25, 0.5, 1, 2],
  /** Exponent of inverse label frequency in the per-label C (0: none, 1: "balanced"). */
  balance: 0,
  loss: 'squared-hinge' as 'hinge' | 'squared-hinge',
};

function resolveOptions(options: LocalTrainOptions = {}): Required<LocalTrainOptions> {
  const resolved = { ...DEFAULT_LOCAL_TRAIN_OPTIONS, ...Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) };
  const { seed, epochs, regularization, maxFeatures } = resolved;
  if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`seed must be a non-negative integer, got ${seed}`);
  if (!Number.isSafeInteger(epochs) || epochs < 1) throw new RangeError(`epochs must be a positive integer, got ${epochs}`);
  if (!(regularization > 0) || !Number.isFinite(regularization)) throw new RangeError(`regularization must be a positive number, got ${regularization}`);
  if (!Number.isSafeInteger(maxFeatures) || maxFeatures < 1) throw new RangeError(`maxFeatures must be a positive integer, got ${maxFeatures}`);
  return resolved;
}

function labelIndices(rows: readonly LabeledText[], index: ReadonlyMap<string, number>, split: string): Int32Array {
  return Int32Array.from(rows, (row, i) => {
    const label = index.get(row.label);
    if (label === undefined) throw new RangeError(`${split}[${i}] has label "${row.label}", which is not one of the labels`);
    return label;
  });
}

/** A seeded stratified holdout: `fraction` of each label's rows (none from a label with one row). */
function stratifiedHoldout(y: Int32Array, classes: number, fraction: number, seed: number): { fit: Int32Array; held: Int32Array } {
  const rng = xoroshiro128plus(seed ^ 0x5eed);
  for (let i = 0; i < 32; i++) rng.next();
  const byLabel: number[][] = Array.from({ length: classes }, () => []);
  y.forEach((label, row) => byLabel[label]!.push(row));
  const held: number[] = [];
  for (const rows of byLabel) {
    for (let i = rows.length - 1; i > 0; i--) {
      const j = uniformInt(rng, 0, i);
      [rows[i], rows[j]] = [rows[j]!, rows[i]!];
    }
    held.push(...rows.slice(0, rows.length > 1 ? Math.round(rows.length * fraction) : 0));
  }
  const isHeld = new Uint8Array(y.length);
  for (const row of held) isHeld[row] = 1;
  const fit = Int32Array.from({ length: y.length }, (_, row) => row).filter((row) => !isHeld[row]);
  return { fit, held: Int32Array.from(held).sort() };
}

function classWeights(y: Int32Array, rows: Int32Array, classes: number, exponent: number): Float64Array | undefined {
  if (exponent === 0) return undefined;
  const counts = new Float64Array(classes);
  for (const row of rows) counts[y[row]!]! += 1;
  const present = counts.filter((count) => count > 0).length;
  return counts.map((count) => (count > 0 ? (rows.length / (present * count)) ** exponent : 1));
}

/**
 * A fit over `rows` (a subset of 0..n) extended to all n rows: the others join with alpha 0,
 * which leaves the weights as they are, and active, so the first pass looks at them.
 */
function withRows(state: SvmState, rows: Int32Array, n: number, classes: number): SvmState {
  const alpha = new Float64Array(n * classes);
  const active = new Uint8Array(n * classes).fill(1);
  const pairLoss = new Float64Array(n * classes).fill(1);
  rows.forEach((row, r) => {
    alpha.set(state.alpha.subarray(r * classes, (r + 1) * classes), row * classes);
    active.set(state.active.subarray(r * classes, (r + 1) * classes), row * classes);
    pairLoss.set(state.pairLoss.subarray(r * classes, (r + 1) * classes), row * classes);
  });
  return { ...state, alpha, active, pairLoss };
}

function pick<T>(array: ArrayLike<T>, rows: Int32Array): T[] {
  return Array.from(rows, (row) => array[row]!);
}

interface Candidate {
  regularization: number;
  fit: SvmResult;
  macroF1: number;
  accuracy: number;
  temperature: number;
}

/** Trains and also returns the serialised artifact, so callers that store it serialise once. */
export function trainLocalModelSerialized(input: LocalTrainInput): { artifact: LocalModelArtifact; buffer: Buffer; summary: LocalTrainSummary } {
  const options = resolveOptions(input.options);
  const settings = TRAINER_SETTINGS;
  const labels = [...new Set(input.labels)];
  if (labels.length === 0) throw new RangeError('labels must name at least one label');
  if (input.train.length === 0) throw new RangeError('train must hold at least one row');
  const labelIndex = new Map(labels.map((label, i) => [label, i]));
  const classes = labels.length;
  const validation = input.validation ?? [];
  const trainY = labelIndices(input.train, labelIndex, 'train');
  const validationY = labelIndices(validation, labelIndex, 'validation');

  const minDf = input.train.length >= 20 ? settings.minDf : 1;
  const { features, rows: trainX } = fitTransform(
    input.train.map((row) => row.text),
    {
      minDf,
      maxCharDf: settings.maxCharDf,
      maxWordFeatures: Math.round(options.maxFeatures * settings.wordShare),
      maxCharFeatures: options.maxFeatures - Math.round(options.maxFeatures * settings.wordShare),
      minCharGram: settings.minCharGram,
      maxCharGram: settings.maxCharGram,
      wordWeight: settings.wordWeight,
    },
  );
  const size = features.idf.length;
  // Validation rows are vectorised with the training vocabulary and follow the training rows.
  const x: SparseRows = validation.length > 0 ? concatRows(trainX, createVectorizer(features).transform(validation.map((row) => row.text))) : trainX;
  const y = Int32Array.from([...trainY, ...validationY]);
  const n = input.train.length;
  const all = Int32Array.from({ length: n }, (_, row) => row);
  const split =
    validation.length > 0
      ? { fit: all, held: Int32Array.from(validationY, (_, i) => n + i), refit: false }
      : { ...stratifiedHoldout(trainY, classes, settings.holdoutFraction, options.seed), refit: true };
  if (split.held.length === 0) split.refit = false;
  const fitRows = all;
  const heldY = pick(y, split.held);
  const heldTruth = Int32Array.from(heldY);

  const factors = options.search && split.held.length > 0 ? settings.searchFactors : [1];
  const fits = factors.length + (split.refit ? 1 : 0);
  const totalEpochs = fits * options.epochs;
  let epochCount = 0;
  const shape = { classes, features: size };
  const svmOptions = (regularization: number, rows: Int32Array) => ({
    regularization,
    epochs: options.epochs,
    tolerance: settings.tolerance,
    seed: options.seed,
    classWeights: classWeights(y, rows, classes, settings.balance),
    loss: settings.loss,
  });
  const report = (regularization: number, held: boolean) => (epoch: { loss: number; model: LinearModel }) => {
    epochCount++;
    if (!input.onEpoch) return;
    const event: LocalTrainEvent = { epoch: epochCount, epochs: totalEpochs, trainLoss: epoch.loss, regularization };
    if (held) {
      const scores = scoreRows(epoch.model, x, split.held);
      event.validationLoss = logLoss(scores, heldTruth, classes, fitTemperature(scores, heldTruth, classes));
      event.validationAccuracy = accuracy(heldTruth, argmaxRows(scores, classes));
    }
    input.onEpoch(event);
  };

  // Ascending C, each fit warm-started from the previous one's dual variables.
  let best: Candidate | undefined;
  let warmStart: SvmState | undefined;
  for (const factor of factors) {
    const regularization = options.regularization * factor;
    const epochsBefore = epochCount;
    const fit = trainLinearSvm(x, y, split.fit, shape, svmOptions(regularization, split.fit), {
      ...(warmStart ? { warmStart } : {}),
      onEpoch: report(regularization, split.held.length > 0),
    });
    // Keep the progress count on its planned grid when a fit converges early.
    epochCount = epochsBefore + options.epochs;
    warmStart = fit.state;
    const scores = scoreRows(fit.model, x, split.held);
    const predicted = argmaxRows(scores, classes);
    const candidate: Candidate = {
      regularization,
      fit,
      macroF1: macroF1(heldTruth, predicted, classes),
      accuracy: accuracy(heldTruth, predicted),
      temperature: fitTemperature(scores, heldTruth, classes),
    };
    if (!best || candidate.macroF1 > best.macroF1 || (candidate.macroF1 === best.macroF1 && candidate.accuracy > best.accuracy)) best = candidate;
  }
  if (!best) throw new Error('no candidate was trained');
  const chosen = best;
  let final = chosen.fit;
  if (split.refit) {
    final = trainLinearSvm(x, y, fitRows, shape, svmOptions(chosen.regularization, fitRows), {
      warmStart: withRows(chosen.fit.state, split.fit, n, classes),
      onEpoch: report(chosen.regularization, false),
    });
  }

  const artifact: LocalModelArtifact = {
    format: ARTIFACT_FORMAT,
    version: ARTIFACT_VERSION,
    labels,
    features: { minCharGram: features.minCharGram, maxCharGram: features.maxCharGram, wordWeight: features.wordWeight },
    vocabulary: { words: features.words, chars: features.chars },
    idf: encodeFloat32(features.idf),
    weights: encodeFloat32(final.model.weights),
    bias: Array.from(final.model.bias, (value) => Math.fround(value)),
    calibration: { method: 'temperature', temperature: best.temperature },
    options: { ...options, regularization: best.regularization, minDf },
  };
  const buffer = serializeArtifact(artifact);
  const summary: LocalTrainSummary = {
    epochs: final.epochs,
    trainLoss: final.loss,
    ...(split.held.length > 0 ? { validationAccuracy: best.accuracy } : {}),
    chosen: {
      regularization: best.regularization,
      temperature: best.temperature,
      ...(split.held.length > 0 ? { validationMacroF1: best.macroF1 } : {}),
      selectedOn: validation.length > 0 ? 'validation' : split.held.length > 0 ? 'holdout' : 'none',
    },
    vocabulary: size,
    bytes: buffer.length,
  };
  return { artifact, buffer, summary };
}

export function trainLocalModel(input: LocalTrainInput): { artifact: LocalModelArtifact; summary: LocalTrainSummary } {
  const { artifact, summary } = trainLocalModelSerialized(input);
  return { artifact, summary };
}
