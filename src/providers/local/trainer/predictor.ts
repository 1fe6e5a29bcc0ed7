import { decodeFloat32, type LocalModelArtifact } from './artifact.js';
import { softmaxInto } from './calibration.js';
import { createVectorizer, type Vectorizer } from './features.js';
import { scoreVector, type LinearScorer } from './linear-model.js';

/**
 * An artifact made ready to predict: vocabulary maps built and weights decoded once. Loading a
 * model of a few MB takes tens of milliseconds, so predictors are cached per artifact object
 * (artifacts are treated as immutable once trained or deserialised).
 */
export interface Predictor {
  readonly labels: readonly string[];
  /** Calibrated probabilities in label order; they sum to 1. */
  probabilities(text: string): Float64Array;
}

const loaded = new WeakMap<LocalModelArtifact, Predictor>();

export function loadPredictor(artifact: LocalModelArtifact): Predictor {
  const known = loaded.get(artifact);
  if (known) return known;
  const vectorizer: Vectorizer = createVectorizer({
    ...artifact.features,
    words: artifact.vocabulary.words,
    chars: artifact.vocabulary.chars,
    idf: decodeFloat32(artifact.idf),
  });
  const classes = artifact.labels.length;
  const scorer: LinearScorer = {
    classes,
    weights: decodeFloat32(artifact.weights),
    bias: Float64Array.from(artifact.bias),
  };
  const { temperature } = artifact.calibration;
  const margins = new Float64Array(classes);
  const predictor: Predictor = {
    labels: artifact.labels,
    probabilities(text) {
      const vector = vectorizer.vectorize(text);
      scoreVector(scorer, vector.indices, vector.values, margins);
      return softmaxInto(margins, 0, classes, temperature, new Float64Array(classes));
    },
  };
  loaded.set(artifact, predictor);
  return predictor;
}

/** Index of the largest value; ties go to the earlier label, as in training-time evaluation. */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}
