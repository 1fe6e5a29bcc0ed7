import { errors } from './errors.js';

/**
 * Request-shape checks with the real API's wording ("Invalid 'temperature': decimal above maximum
 * value. Expected a value <= 2, but got 3 instead."). Shape errors are synchronous 400s.
 */

export type Body = Record<string, unknown>;

export function bodyObject(body: unknown): Body {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body))
    throw errors.invalidRequest('The request body must be a JSON object.');
  return body as Body;
}

export function requiredString(body: Body, key: string): string {
  const value = body[key];
  if (value === undefined || value === null) throw errors.missingParameter(key);
  if (typeof value !== 'string') throw errors.invalidType(key, 'a string', value);
  if (value.length === 0)
    throw errors.invalidRequest(
      `Invalid '${key}': empty string. Expected a string with minimum length 1, but got an empty string instead.`,
      key,
      'empty_string',
    );
  return value;
}

export function optionalString(body: Body, key: string, limits: { min?: number; max?: number } = {}): string | null {
  const value = body[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw errors.invalidType(key, 'a string', value);
  if (limits.min !== undefined && value.length < limits.min) {
    throw errors.invalidRequest(
      `Invalid '${key}': string too short. Expected a string with minimum length ${limits.min}, but got a string with length ${value.length} instead.`,
      key,
      'string_below_min_length',
    );
  }
  if (limits.max !== undefined && value.length > limits.max) {
    throw errors.invalidRequest(
      `Invalid '${key}': string too long. Expected a string with maximum length ${limits.max}, but got a string with length ${value.length} instead.`,
      key,
      'string_above_max_length',
    );
  }
  return value;
}

export function optionalNumber(
  body: Body,
  key: string,
  limits: { min?: number; max?: number; integer?: boolean },
): number | null {
  const value = body[key];
  if (value === undefined || value === null) return null;
  const kind = limits.integer ? 'integer' : 'decimal';
  if (typeof value !== 'number' || !Number.isFinite(value) || (limits.integer && !Number.isInteger(value))) {
    throw errors.invalidType(key, limits.integer ? 'an integer' : 'a decimal', value);
  }
  if (limits.max !== undefined && value > limits.max) throw errors.outOfRange(key, kind, 'above', limits.max, value);
  if (limits.min !== undefined && value < limits.min) throw errors.outOfRange(key, kind, 'below', limits.min, value);
  return value;
}

export function optionalBoolean(body: Body, key: string): boolean | null {
  const value = body[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'boolean') throw errors.invalidType(key, 'a boolean', value);
  return value;
}

/** `stop`: a string or up to 4 strings. */
export function optionalStop(body: Body): string[] {
  const value = body['stop'];
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.length <= 4 && value.every((item) => typeof item === 'string'))
    return value as string[];
  throw errors.invalidRequest("Invalid 'stop': expected a string or an array of at most 4 strings.", 'stop');
}

export function rejectStreaming(body: Body): void {
  if (body['stream'] === true) {
    throw errors.unsupportedParameter('stream', "The OpenAI fake does not implement streaming; send 'stream': false.");
  }
}

/** `auto` or a number within bounds, for fine-tuning hyperparameters. */
export function autoOrNumber(
  value: unknown,
  param: string,
  limits: { min?: number; max?: number; integer?: boolean; exclusiveMin?: boolean },
): number | 'auto' {
  if (value === undefined || value === null || value === 'auto') return 'auto';
  const kind = limits.integer ? 'integer' : 'decimal';
  if (typeof value !== 'number' || !Number.isFinite(value) || (limits.integer && !Number.isInteger(value))) {
    throw errors.invalidRequest(
      `Invalid '${param}': expected 'auto' or ${limits.integer ? 'an integer' : 'a number'}.`,
      param,
      'invalid_type',
    );
  }
  if (limits.max !== undefined && value > limits.max) throw errors.outOfRange(param, kind, 'above', limits.max, value);
  if (limits.min !== undefined && (value < limits.min || (limits.exclusiveMin && value === limits.min))) {
    throw errors.outOfRange(param, kind, 'below', limits.min, value);
  }
  return value;
}
