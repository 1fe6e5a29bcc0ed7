/**
 * Loads the OpenAPI excerpt (together-spec-subset.json, cut from Together's official spec by
 * extract-spec-subset.ts) and validates payloads against it; see shared/spec-validator.ts.
 */
import {
  createSpecValidator as createValidator,
  readSpecSubset,
  type SpecSubset,
  type SpecValidator,
} from '../../shared/spec-validator.js';
import { SUBSET_PATH } from './extract-spec-subset.js';

export const loadSpecSubset = (path = SUBSET_PATH): SpecSubset => readSpecSubset(path);

export const createSpecValidator = (spec: SpecSubset = loadSpecSubset()): SpecValidator =>
  createValidator(spec, { id: 'https://together-spec.local/openapi' });
