/**
 * Loads the OpenAPI excerpt (openai-spec-subset.json, cut from the official spec by
 * extract-spec-subset.ts) and validates payloads against it with ajv's JSON Schema 2020-12
 * dialect, which OpenAPI 3.1 schemas follow. A few OpenAPI-3.0 leftovers in the spec are
 * translated first (see `normalise`); nothing is loosened beyond that.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { SUBSET_PATH } from './extract-spec-subset.js';

type Content = Record<string, { schema: { $ref?: string } }>;

export interface SpecResponse {
  $ref?: string;
  content?: Content;
  headers?: Record<string, { schema: unknown }>;
}

export interface SpecOperation {
  operationId: string;
  parameters?: { name: string; in: string; required?: boolean; schema?: unknown }[];
  requestBody?: { content: Content };
  responses: Record<string, SpecResponse>;
}

export interface SpecSubset {
  source: { repository: string; commit: string; path: string; sha256: string; infoVersion: string };
  operations: Record<string, SpecOperation>;
  components: { schemas: Record<string, unknown>; responses?: Record<string, SpecResponse> };
}

export const loadSpecSubset = (path = SUBSET_PATH): SpecSubset => JSON.parse(readFileSync(path, 'utf8')) as SpecSubset;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * OpenAPI 3.0 idioms still in the 3.1 file, which JSON Schema 2020-12 reads differently:
 * `nullable: true` (means "or null"), boolean `exclusiveMinimum`/`exclusiveMaximum` (numbers in
 * 2020-12) and `discriminator` (an OpenAPI hint; the oneOf it annotates is validated anyway).
 */
export function normalise(value: Json): Json {
  if (Array.isArray(value)) return value.map(normalise);
  if (!value || typeof value !== 'object') return value;
  const out: { [key: string]: Json } = {};
  for (const [key, item] of Object.entries(value)) {
    if (key === 'discriminator' || key === 'nullable') continue;
    if (key === 'enum' || key === 'const' || key === 'default') out[key] = item;
    else out[key] = normalise(item);
  }
  for (const [flag, bound] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']] as const) {
    if (typeof out[flag] === 'boolean') {
      if (out[flag] === true && typeof out[bound] === 'number') {
        out[flag] = out[bound];
        delete out[bound];
      } else delete out[flag];
    }
  }
  if (value['nullable'] === true) return { anyOf: [out, { type: 'null' }] };
  return out;
}

const SPEC_ID = 'https://openai-spec.local/openapi';

export interface SpecValidator {
  spec: SpecSubset;
  /** Problems of `data` against `#/components/schemas/<name>`; empty when valid. */
  validate(schemaName: string, data: unknown): string[];
  /** Schema name of an operation's JSON response, e.g. `GET /models/{model}` → `Model`. */
  responseSchema(operation: string, status?: string): string;
  /** Schema name of an operation's request body (JSON or multipart). */
  requestSchema(operation: string): string;
  /** The response object for a status, with a `#/components/responses/…` reference resolved. */
  response(operation: string, status: string): SpecResponse;
  /** `GET /v1/files/file-abc` → `GET /files/{file_id}`, or undefined when the spec subset has no such operation. */
  operationFor(method: string, path: string): string | undefined;
}

export function createSpecValidator(spec: SpecSubset = loadSpecSubset()): SpecValidator {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
  // ajv-formats ships as CommonJS with a default export; under NodeNext the namespace comes back.
  const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (instance: Ajv2020) => void;
  addFormats(ajv);
  ajv.addFormat('unixtime', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= 0 });
  ajv.addFormat('binary', true);
  ajv.addSchema({ $id: SPEC_ID, components: normalise(spec.components as unknown as Json) } as object);
  const compiled = new Map<string, ValidateFunction>();

  const schemaRef = (operation: string, content: Content | undefined, what: string): string => {
    const ref = content && Object.values(content)[0]?.schema.$ref;
    const name = ref && /^#\/components\/schemas\/(.+)$/.exec(ref)?.[1];
    if (!name) throw new Error(`${operation}: the spec gives no ${what} schema`);
    return name;
  };
  const operationOf = (operation: string): SpecOperation => {
    const found = spec.operations[operation];
    if (!found) throw new Error(`${operation} is not in the spec subset`);
    return found;
  };
  const response = (operation: string, status: string): SpecResponse => {
    const found = operationOf(operation).responses[status];
    if (!found) throw new Error(`${operation} declares no ${status} response`);
    const name = found.$ref && /^#\/components\/responses\/(.+)$/.exec(found.$ref)?.[1];
    const resolved = name ? spec.components.responses?.[name] : found;
    if (!resolved) throw new Error(`${operation}: cannot resolve ${found.$ref ?? status}`);
    return resolved;
  };
  const matchers = Object.keys(spec.operations).map((key) => {
    const [method = '', template = ''] = key.split(' ');
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
    return { key, method, pattern };
  });

  return {
    spec,
    validate(schemaName, data) {
      let validator = compiled.get(schemaName);
      if (!validator) {
        if (!(schemaName in spec.components.schemas)) throw new Error(`schema ${schemaName} is not in the spec subset`);
        validator = ajv.getSchema(`${SPEC_ID}#/components/schemas/${schemaName}`);
        if (!validator) throw new Error(`ajv could not compile ${schemaName}`);
        compiled.set(schemaName, validator);
      }
      return validator(data) ? [] : (validator.errors ?? []).map(describeError);
    },
    responseSchema(operation, status = '200') {
      return schemaRef(operation, response(operation, status).content, `${status} response`);
    },
    response,
    operationFor(method, path) {
      const relative = path.replace(/^\/v1(?=\/)/, '');
      return matchers.find((matcher) => matcher.method === method.toUpperCase() && matcher.pattern.test(relative))?.key;
    },
    requestSchema(operation) {
      return schemaRef(operation, operationOf(operation).requestBody?.content, 'request body');
    },
  };
}

const describeError = (error: ErrorObject): string =>
  `${error.instancePath || '(root)'} ${error.message ?? error.keyword}${error.params ? ` ${JSON.stringify(error.params)}` : ''}`;
