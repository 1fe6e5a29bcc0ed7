import { gunzipSync, gzipSync } from 'node:zlib';

/**
 * A trained local model as plain JSON: everything prediction needs, nothing that depends on the
 * process that trained it. Numeric arrays are base64 of little-endian Float32 (a third the size
 * of JSON numbers and exact to the stored precision); the vocabulary is plain string arrays.
 * Stored gzip-compressed in a bytea column. No timestamps, so the same training gives the same
 * bytes.
 */

export const ARTIFACT_FORMAT = 'tuneline.local-linear';
export const ARTIFACT_VERSION = 1;

export interface LocalModelArtifact {
  format: typeof ARTIFACT_FORMAT;
  version: typeof ARTIFACT_VERSION;
  labels: string[];
  features: { minCharGram: number; maxCharGram: number; wordWeight: number };
  /** Word unigrams and bigrams ("a b"), then character grams; a term's index is its position. */
  vocabulary: { words: string[]; chars: string[] };
  /** base64 Float32, one per vocabulary term (words, then chars). */
  idf: string;
  /** base64 Float32, feature-major: weights[feature * labels.length + label]. */
  weights: string;
  bias: number[];
  /** Probabilities are softmax(margins / temperature). */
  calibration: { method: 'temperature'; temperature: number };
  /** The training options as resolved, for the record. */
  options: Record<string, number | string | boolean>;
}

export function encodeFloat32(values: ArrayLike<number>): string {
  const bytes = Buffer.alloc(values.length * 4);
  for (let i = 0; i < values.length; i++) bytes.writeFloatLE(values[i]!, i * 4);
  return bytes.toString('base64');
}

export function decodeFloat32(base64: string): Float32Array {
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length % 4 !== 0) throw new InvalidArtifactError('a Float32 array has a partial value');
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(i * 4);
  return out;
}

export class InvalidArtifactError extends Error {
  constructor(message: string) {
    super(`Invalid local model artifact: ${message}`);
    this.name = 'InvalidArtifactError';
  }
}

export function serializeArtifact(artifact: LocalModelArtifact): Buffer {
  return gzipSync(JSON.stringify(artifact));
}

const isStringArray = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string');

/** Parses and checks shape and sizes, so a corrupt or foreign blob fails here, not mid-prediction. */
export function deserializeArtifact(buffer: Uint8Array): LocalModelArtifact {
  let parsed: unknown;
  try {
    parsed = JSON.parse(gunzipSync(buffer).toString('utf8'));
  } catch (error) {
    throw new InvalidArtifactError(`not gzip-compressed JSON (${(error as Error).message})`);
  }
  const artifact = parsed as LocalModelArtifact;
  if (typeof parsed !== 'object' || parsed === null || artifact.format !== ARTIFACT_FORMAT)
    throw new InvalidArtifactError(`format is not ${ARTIFACT_FORMAT}`);
  if (artifact.version !== ARTIFACT_VERSION)
    throw new InvalidArtifactError(
      `version ${String(artifact.version)} is not supported (expected ${ARTIFACT_VERSION})`,
    );
  if (!isStringArray(artifact.labels) || artifact.labels.length === 0)
    throw new InvalidArtifactError('labels must be a non-empty string array');
  if (!isStringArray(artifact.vocabulary?.words) || !isStringArray(artifact.vocabulary?.chars))
    throw new InvalidArtifactError('vocabulary must hold word and char arrays');
  const terms = artifact.vocabulary.words.length + artifact.vocabulary.chars.length;
  if (typeof artifact.idf !== 'string' || decodeFloat32(artifact.idf).length !== terms)
    throw new InvalidArtifactError('idf does not match the vocabulary');
  if (typeof artifact.weights !== 'string' || decodeFloat32(artifact.weights).length !== terms * artifact.labels.length)
    throw new InvalidArtifactError('weights do not match vocabulary × labels');
  if (
    !Array.isArray(artifact.bias) ||
    artifact.bias.length !== artifact.labels.length ||
    !artifact.bias.every(Number.isFinite)
  )
    throw new InvalidArtifactError('bias must hold one number per label');
  const temperature = artifact.calibration?.temperature;
  if (artifact.calibration?.method !== 'temperature' || typeof temperature !== 'number' || !(temperature > 0))
    throw new InvalidArtifactError('calibration must be a positive temperature');
  const { minCharGram, maxCharGram, wordWeight } = artifact.features ?? {};
  if (!Number.isInteger(minCharGram) || !Number.isInteger(maxCharGram) || typeof wordWeight !== 'number')
    throw new InvalidArtifactError('features must give minCharGram, maxCharGram and wordWeight');
  return artifact;
}
