import {
  ARTIFACT_FORMAT,
  ARTIFACT_VERSION,
  encodeFloat32,
  serializeArtifact,
  type LocalModelArtifact,
} from './artifact.js';
import { fitTemperature, logLoss } from './calibration.js';
import { createVectorizer, fitTransform } from './features.js';
import { scoreRows, trainLinearSvm, type LinearModel, type SvmResult } from './linear-model.js';
import { accuracy, argmaxRows, macroF1 } from './selection-metrics.js';
import { concatRows, type SparseRows } from './sparse-rows.js';
import { heldOutSplit, withRows } from './training-split.js';

/**
 * Trains the `local` provider's linear model on a dataset version's rows, in-process and offline.
 *
 * Pipeline: word 1–2-gram + char 2–5-gram TF-IDF → one-vs-rest squared-hinge linear SVM (the
 * LinearSVC baseline) → temperature-scaled softmax. Calibration and the search over C need rows
 * the model did not train on. With a validation split, candidates train on the train split and
 * are compared on the validation split. Without one, a stratified 15 % of the training rows is
 * held out for the temperature (and the search, if asked for), then the model is refitted on all
 * rows, warm-started, keeping the temperature: a model on 85 % of the rows is a close stand-in.
 */

export interface LocalTrainOptions {
  seed?: number;
  /** Maximum passes over the rows per fit; a fit stops earlier once converged. */
  epochs?: number;
  /** The SVM's C (inverse regularisation strength, as scikit-learn's LinearSVC): larger fits the rows more closely. */
  regularization?: number;
  /** Try C × {1/3, 1, 3} and keep the best by held-out macro-F1. Default: on when a validation split is given. */
  search?: boolean;
  /** Vocabulary cap (word terms and character grams, half each); bounds the model's size. */
  maxFeatures?: number;
}

export interface LabeledText {
  text: string;
  label: string;
}

export interface LocalTrainEvent {
  /** Counts epochs over the whole run (each candidate of the search, then the refit), from 1. */
  epoch: number;
  /** Upper bound for `epoch`: fits × epochs per fit. A fit that converges early skips ahead. */
  epochs: number;
  trainLoss: number;
  /** Held-out log loss at the temperature that fits best at this epoch. */
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

/**
 * Five passes: held-out accuracy stops improving after four or five on every benchmark, long
 * before liblinear's tolerance is met, and each pass over ~10k paragraphs costs ~0.3 s. C = 1 on
 * unit-length vectors was the best single value across the benchmarks (C = 1/3 suits short,
 * noisy texts a little better; the search tries it). 100k terms keep a 12-label model near 4 MB.
 */
const DEFAULT_LOCAL_TRAIN_OPTIONS = Object.freeze({ seed: 42, epochs: 5, regularization: 1, maxFeatures: 100_000 });

/** Choices that are not options, fixed by benchmarking (bench/local-trainer.ts). */
const SETTINGS = Object.freeze({
  /** Every term counts, as scikit-learn's default: maxFeatures, which keeps the most frequent
   * terms, is what bounds the model. min_df 2 cost 2–4 points on short texts, where typos and
   * rare bigrams carry signal, and gained nothing on long ones. */
  minDf: 1,
  /** Character grams in more than 5 % of the texts (" t", "the", "ing ") cost most of the time
   * and added nothing on any benchmark; words keep their common terms. */
  maxCharDf: 0.05,
  minCharGram: 2,
  maxCharGram: 5,
  /** Word and character blocks weigh the same, as in a FeatureUnion of two vectorisers. */
  wordWeight: Math.SQRT1_2,
  /** liblinear's default stopping tolerance; `epochs` caps the passes before it is reached. */
  tolerance: 0.1,
  holdoutFraction: 0.15,
  searchFactors: [1 / 3, 1, 3],
});

type ResolvedOptions = Required<Omit<LocalTrainOptions, 'search'>> & { search: boolean | undefined };

function resolveOptions(options: LocalTrainOptions = {}): ResolvedOptions {
  const resolved = {
    seed: options.seed ?? DEFAULT_LOCAL_TRAIN_OPTIONS.seed,
    epochs: options.epochs ?? DEFAULT_LOCAL_TRAIN_OPTIONS.epochs,
    regularization: options.regularization ?? DEFAULT_LOCAL_TRAIN_OPTIONS.regularization,
    search: options.search,
    maxFeatures: options.maxFeatures ?? DEFAULT_LOCAL_TRAIN_OPTIONS.maxFeatures,
  };
  const { seed, epochs, regularization, maxFeatures, search } = resolved;
  if (!Number.isSafeInteger(seed) || seed < 0 || seed > 0xffff_ffff)
    throw new RangeError(`seed must be an integer from 0 to 2^32 - 1, got ${seed}`);
  if (!Number.isSafeInteger(epochs) || epochs < 1)
    throw new RangeError(`epochs must be a positive integer, got ${epochs}`);
  if (typeof regularization !== 'number' || !(regularization > 0) || !Number.isFinite(regularization))
    throw new RangeError(`regularization must be a positive number, got ${regularization}`);
  if (!Number.isSafeInteger(maxFeatures) || maxFeatures < 2)
    throw new RangeError(`maxFeatures must be an integer of at least 2, got ${maxFeatures}`);
  if (search !== undefined && typeof search !== 'boolean')
    throw new RangeError(`search must be a boolean, got ${String(search)}`);
  return resolved;
}

function labelIndices(rows: readonly LabeledText[], index: ReadonlyMap<string, number>, split: string): Int32Array {
  return Int32Array.from(rows, (row, i) => {
    const label = index.get(row.label);
    if (label === undefined)
      throw new RangeError(`${split}[${i}] has label "${row.label}", which is not one of the labels`);
    return label;
  });
}

interface Candidate {
  regularization: number;
  fit: SvmResult;
  macroF1: number;
  accuracy: number;
  temperature: number;
}

/** Trains and also returns the serialised artifact, so a caller that stores it serialises once. */
export function trainLocalModelSerialized(input: LocalTrainInput): {
  artifact: LocalModelArtifact;
  buffer: Buffer;
  summary: LocalTrainSummary;
} {
  const options = resolveOptions(input.options);
  const labels = [...new Set(input.labels)];
  if (labels.length === 0) throw new RangeError('labels must name at least one label');
  if (input.train.length === 0) throw new RangeError('train must hold at least one row');
  const labelIndex = new Map(labels.map((label, i) => [label, i]));
  const classes = labels.length;
  const validation = input.validation ?? [];
  const trainY = labelIndices(input.train, labelIndex, 'train');
  const validationY = labelIndices(validation, labelIndex, 'validation');

  const wordFeatures = Math.round(options.maxFeatures / 2);
  const { features, rows: trainX } = fitTransform(
    input.train.map((row) => row.text),
    {
      minDf: SETTINGS.minDf,
      maxCharDf: SETTINGS.maxCharDf,
      maxWordFeatures: wordFeatures,
      maxCharFeatures: options.maxFeatures - wordFeatures,
      minCharGram: SETTINGS.minCharGram,
      maxCharGram: SETTINGS.maxCharGram,
      wordWeight: SETTINGS.wordWeight,
    },
  );
  // Validation rows use the training vocabulary and follow the training rows in `x`.
  const x: SparseRows =
    validation.length > 0
      ? concatRows(trainX, createVectorizer(features).transform(validation.map((row) => row.text)))
      : trainX;
  const y = Int32Array.from([...trainY, ...validationY]);
  const n = input.train.length;
  const split = heldOutSplit(trainY, validationY, classes, SETTINGS.holdoutFraction, options.seed);
  const heldTruth = Int32Array.from(split.held, (row) => y[row]!);
  const hasHeld = split.held.length > 0;

  const search = (options.search ?? validation.length > 0) && hasHeld;
  const factors = search ? SETTINGS.searchFactors : [1];
  const totalEpochs = (factors.length + (split.refit ? 1 : 0)) * options.epochs;
  let epochCount = 0;
  const shape = { classes, features: features.idf.length };
  const svmOptions = (regularization: number) => ({
    regularization,
    epochs: options.epochs,
    tolerance: SETTINGS.tolerance,
    seed: options.seed,
  });
  const report = (regularization: number, scoreHeld: boolean) => (epoch: { loss: number; model: LinearModel }) => {
    epochCount++;
    if (!input.onEpoch) return;
    const event: LocalTrainEvent = { epoch: epochCount, epochs: totalEpochs, trainLoss: epoch.loss, regularization };
    if (scoreHeld) {
      const scores = scoreRows(epoch.model, x, split.held);
      event.validationLoss = logLoss(scores, heldTruth, classes, fitTemperature(scores, heldTruth, classes));
      event.validationAccuracy = accuracy(heldTruth, argmaxRows(scores, classes));
    }
    input.onEpoch(event);
  };

  // Ascending C, each candidate warm-started from the previous one.
  let best: Candidate | undefined;
  let previous: SvmResult | undefined;
  for (const factor of factors) {
    const regularization = options.regularization * factor;
    const fitStart = epochCount;
    const fit = trainLinearSvm(x, y, split.fit, shape, svmOptions(regularization), {
      ...(previous ? { warmStart: previous.state } : {}),
      onEpoch: report(regularization, hasHeld),
    });
    // Keep the progress count on its planned grid when a fit converges early.
    epochCount = fitStart + options.epochs;
    previous = fit;
    const scores = scoreRows(fit.model, x, split.held);
    const predicted = argmaxRows(scores, classes);
    const candidate: Candidate = {
      regularization,
      fit,
      macroF1: macroF1(heldTruth, predicted, classes),
      accuracy: accuracy(heldTruth, predicted),
      temperature: fitTemperature(scores, heldTruth, classes),
    };
    if (
      !best ||
      candidate.macroF1 > best.macroF1 ||
      (candidate.macroF1 === best.macroF1 && candidate.accuracy > best.accuracy)
    )
      best = candidate;
  }
  const chosen = best as Candidate;
  let final = chosen.fit;
  if (split.refit) {
    const all = Int32Array.from({ length: n }, (_, row) => row);
    final = trainLinearSvm(x, y, all, shape, svmOptions(chosen.regularization), {
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
    calibration: { method: 'temperature', temperature: chosen.temperature },
    options: {
      ...options,
      search,
      regularization: chosen.regularization,
      minDf: SETTINGS.minDf,
      maxCharDf: SETTINGS.maxCharDf,
    },
  };
  const buffer = serializeArtifact(artifact);
  const selectedOn = validation.length > 0 ? 'validation' : hasHeld ? 'holdout' : 'none';
  const summary: LocalTrainSummary = {
    epochs: final.epochs,
    trainLoss: final.loss,
    ...(hasHeld ? { validationAccuracy: chosen.accuracy } : {}),
    chosen: {
      regularization: chosen.regularization,
      temperature: chosen.temperature,
      ...(hasHeld ? { validationMacroF1: chosen.macroF1 } : {}),
      selectedOn,
      candidates: factors.length,
    },
    vocabulary: features.idf.length,
    bytes: buffer.length,
  };
  return { artifact, buffer, summary };
}

export function trainLocalModel(input: LocalTrainInput): { artifact: LocalModelArtifact; summary: LocalTrainSummary } {
  const { artifact, summary } = trainLocalModelSerialized(input);
  return { artifact, summary };
}
