import type { PromptConfig } from '../../domain/labeling/prompt-config.js';
import { ProviderError, type Classifier, type ClassifyOutcome } from '../provider.js';
import { fitVectorizer, type Vectorizer } from './tfidf.js';

/**
 * The `local` provider's `few_shot` kind: a nearest-centroid TF-IDF classifier built from the
 * prompt alone, so the prompt-only baseline runs offline and costs nothing. Each label's
 * centroid averages the vectors of its few-shot examples and of one document made of its name
 * and description, so a label with no examples is still reachable by its own words.
 */

export const DEFAULT_FEW_SHOT_MODEL = 'few-shot-tfidf';

/**
 * Cosine similarities between short texts sit in a narrow band (often 0.05–0.4), so softmax
 * over the raw values would be nearly uniform; dividing by 0.1 makes a 0.2 lead about 7:1.
 */
export const DEFAULT_TEMPERATURE = 0.1;

interface CentroidModel {
  labels: string[];
  vectorizer: Vectorizer;
  /** centroids[feature * labels.length + label]: column-per-label, so one text feature is one contiguous read. */
  centroids: Float64Array;
}

function buildModel(prompt: PromptConfig): CentroidModel {
  const labels = [...new Set(prompt.labels.map((label) => label.name))];
  const documents: { label: number; text: string }[] = [];
  labels.forEach((name, label) => {
    const description = prompt.labels.find((spec) => spec.name === name)?.description ?? '';
    documents.push({ label, text: `${name} ${description}` });
  });
  const labelIndex = new Map(labels.map((name, i) => [name, i]));
  for (const example of prompt.fewShot) {
    const label = labelIndex.get(example.label);
    // An example for a label the task no longer has would pull a centroid that cannot win.
    if (label !== undefined) documents.push({ label, text: example.text });
  }
  const vectorizer = fitVectorizer(documents.map((document) => document.text));
  const width = labels.length;
  const centroids = new Float64Array(vectorizer.size * width);
  for (const document of documents) {
    const vector = vectorizer.vectorize(document.text);
    vector.indices.forEach((feature, i) => {
      centroids[feature * width + document.label] =
        (centroids[feature * width + document.label] ?? 0) + (vector.values[i] ?? 0);
    });
  }
  // Mean and sum point the same way; only direction matters for cosine, so normalise the sums.
  for (let label = 0; label < width; label++) {
    let norm = 0;
    for (let feature = 0; feature < vectorizer.size; feature++) norm += (centroids[feature * width + label] ?? 0) ** 2;
    if (norm === 0) continue;
    const scale = 1 / Math.sqrt(norm);
    for (let feature = 0; feature < vectorizer.size; feature++)
      centroids[feature * width + label] = (centroids[feature * width + label] ?? 0) * scale;
  }
  return { labels, vectorizer, centroids };
}

export function softmax(scores: readonly number[], temperature: number): number[] {
  const scaled = scores.map((score) => score / temperature);
  const max = Math.max(...scaled);
  const exps = scaled.map((value) => Math.exp(value - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((value) => value / sum);
}

/** Cosine similarity of the text to every label's centroid, in label order. */
export function similarities(model: CentroidModel, text: string): number[] {
  const width = model.labels.length;
  const scores = new Array<number>(width).fill(0);
  const vector = model.vectorizer.vectorize(text);
  for (let i = 0; i < vector.indices.length; i++) {
    const base = (vector.indices[i] ?? 0) * width;
    const value = vector.values[i] ?? 0;
    for (let label = 0; label < width; label++)
      scores[label] = (scores[label] ?? 0) + value * (model.centroids[base + label] ?? 0);
  }
  return scores;
}

// Only the labels and examples shape the model; instructions cannot be used by it.
const promptKey = (prompt: PromptConfig): string =>
  JSON.stringify([prompt.labels, prompt.fewShot.map((example) => [example.text, example.label])]);

const MAX_CACHED_MODELS = 8;

export function createFewShotClassifier(
  prompt: PromptConfig,
  options: { model?: string; temperature?: number } = {},
): Classifier {
  const temperature = options.temperature ?? DEFAULT_TEMPERATURE;
  if (!(temperature > 0) || !Number.isFinite(temperature))
    throw new RangeError(`temperature must be a positive number, got ${temperature}`);
  // classify() receives a prompt on every call; the usual caller passes the same object each
  // time, so look it up by identity first and rebuild only for prompts with other content.
  // Prompts are treated as immutable: mutating one after a call would keep its old model.
  const byObject = new WeakMap<PromptConfig, CentroidModel>();
  const byContent = new Map<string, CentroidModel>();
  const modelFor = (config: PromptConfig): CentroidModel => {
    const known = byObject.get(config);
    if (known) return known;
    const key = promptKey(config);
    let model = byContent.get(key);
    if (!model) {
      model = buildModel(config);
      if (byContent.size >= MAX_CACHED_MODELS) byContent.delete(byContent.keys().next().value as string);
      byContent.set(key, model);
    }
    byObject.set(config, model);
    return model;
  };
  modelFor(prompt);

  return {
    provider: 'local',
    model: options.model ?? DEFAULT_FEW_SHOT_MODEL,
    async classify(text: string, config: PromptConfig, signal?: AbortSignal): Promise<ClassifyOutcome> {
      signal?.throwIfAborted();
      const started = performance.now();
      const model = modelFor(config);
      if (model.labels.length === 0)
        throw new ProviderError('permanent', 'invalid_request', 'The prompt has no labels to choose from.');
      const scores = similarities(model, text);
      const probabilities = softmax(scores, temperature);
      // Strictly greater: ties go to the earlier label.
      let best = 0;
      for (let i = 1; i < scores.length; i++) if ((scores[i] ?? 0) > (scores[best] ?? 0)) best = i;
      const label = model.labels[best] as string;
      return {
        label,
        probabilities: Object.fromEntries(model.labels.map((name, i) => [name, probabilities[i] ?? 0])),
        confidence: probabilities[best] ?? 0,
        rawOutput: label,
        usage: { inputTokens: 0, outputTokens: 0 },
        latencyMs: performance.now() - started,
      };
    },
  };
}
