import type { Classifier, ClassifyOutcome } from '../../provider.js';
import type { LocalModelArtifact } from './artifact.js';
import { argmax, loadPredictor } from './predictor.js';

/**
 * The `local` provider's trained kind: serves a model that `trainLocalModel` produced. It knows
 * its labels from training, so the prompt passed to `classify` plays no part.
 */

export const DEFAULT_TRAINED_MODEL = 'local-linear';

export interface LocalPrediction {
  label: string;
  confidence: number;
  /** Probability per label; they sum to 1. */
  probabilities: Record<string, number>;
}

function predict(labels: readonly string[], probabilities: Float64Array): LocalPrediction {
  const best = argmax(probabilities);
  return {
    label: labels[best]!,
    confidence: probabilities[best]!,
    probabilities: Object.fromEntries(labels.map((label, i) => [label, probabilities[i]!])),
  };
}

export function createTrainedClassifier(artifact: LocalModelArtifact, options: { model?: string } = {}): Classifier {
  const predictor = loadPredictor(artifact);
  return {
    provider: 'local',
    model: options.model ?? DEFAULT_TRAINED_MODEL,
    async classify(text: string, _prompt, signal?: AbortSignal): Promise<ClassifyOutcome> {
      signal?.throwIfAborted();
      const started = performance.now();
      const prediction = predict(predictor.labels, predictor.probabilities(text));
      return {
        ...prediction,
        rawOutput: prediction.label,
        usage: { inputTokens: 0, outputTokens: 0 },
        latencyMs: performance.now() - started,
      };
    },
  };
}

/** Predictions for many texts without the per-call overhead of `classify`, for evaluation. */
export function predictBatch(artifact: LocalModelArtifact, texts: readonly string[]): LocalPrediction[] {
  const predictor = loadPredictor(artifact);
  return texts.map((text) => predict(predictor.labels, predictor.probabilities(text)));
}
