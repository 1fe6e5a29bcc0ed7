import { errors } from './errors.js';

/**
 * Request-shape checks: a wrong shape is a synchronous 400 in the spec's `ErrorData` envelope,
 * with `param` naming the field, so a caller can tell which of its settings was refused.
 */

export type Body = Record<string, unknown>;

export function bodyObject(body: unknown): Body {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body))
    throw errors.invalidRequest('The request body must be a JSON object.');
  return body as Body;
}

export function requiredString(body: Body, key: string, param = key): string {
  const value = body[key];
  if (value === undefined || value === null || value === '') throw errors.missingParameter(param);
  if (typeof value !== 'string') throw errors.invalidType(param, 'a string');
  return value;
}

export function optionalString(body: Body, key: string, param = key): string | null {
  const value = body[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw errors.invalidType(param, 'a string');
  return value;
}

export function optionalNumber(
  body: Body,
  key: string,
  limits: { min?: number; max?: number; integer?: boolean; exclusiveMin?: boolean },
  param = key,
): number | null {
  const value = body[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value) || (limits.integer && !Number.isInteger(value))) {
    throw errors.invalidType(param, limits.integer ? 'an integer' : 'a number');
  }
  const belowMin =
    limits.min !== undefined && (value < limits.min || (limits.exclusiveMin === true && value === limits.min));
  if (belowMin || (limits.max !== undefined && value > limits.max))
    throw errors.outOfRange(param, limits.min, limits.max, value);
  return value;
}

export function optionalBoolean(body: Body, key: string, param = key): boolean | null {
  const value = body[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'boolean') throw errors.invalidType(param, 'a boolean');
  return value;
}

export function optionalEnum<T extends string>(body: Body, key: string, allowed: readonly T[], param = key): T | null {
  const value = body[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    throw errors.invalidRequest(
      `Invalid value for ${param}: ${JSON.stringify(value)}. Expected one of ${allowed.join(', ')}.`,
      param,
      'invalid_value',
    );
  }
  return value as T;
}

export function optionalObject(body: Body, key: string, param = key): Body | null {
  const value = body[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) throw errors.invalidType(param, 'an object');
  return value as Body;
}
