/**
 * Loads the OpenAPI excerpt (openai-spec-subset.json, cut from the official spec by
 * extract-spec-subset.ts) and validates payloads against it; see shared/spec-validator.ts.
 */
import {
  createSpecValidator as createValidator,
  readSpecSubset,
  type SpecSubset,
  type SpecValidator,
} from '../../shared/spec-validator.js';
import { SUBSET_PATH } from './extract-spec-subset.js';

export {
  normalise,
  type SpecOperation,
  type SpecResponse,
  type SpecSubset,
  type SpecValidator,
} from '../../shared/spec-validator.js';

export const loadSpecSubset = (path = SUBSET_PATH): SpecSubset => readSpecSubset(path);

export const createSpecValidator = (spec: SpecSubset = loadSpecSubset()): SpecValidator =>
  createValidator(spec, { id: 'https://openai-spec.local/openapi' });
