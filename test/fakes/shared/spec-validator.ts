/**
 * Validates payloads against an OpenAPI excerpt (cut by spec-subset.ts) with ajv's JSON Schema
 * 2020-12 dialect, which OpenAPI 3.1 schemas follow. A few OpenAPI-3.0 leftovers in the files are
 * translated first (see `normalise`); nothing is loosened beyond that. Schemas may be components
 * (`validate('FileResponse', …)`) or written inline in an operation (`validateResponse(…)`).
 */
import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { Json } from './spec-subset.js';

type Content = Record<string, { schema: Json & { $ref?: string } }>;

export interface SpecResponse {
  $ref?: string;
  content?: Content;
  headers?: Record<string, { schema: unknown }>;
}

export interface SpecOperation {
  operationId?: string;
  parameters?: { name: string; in: string; required?: boolean; schema?: unknown }[];
  requestBody?: { content: Content };
  responses: Record<string, SpecResponse>;
}

export interface SpecSubset {
  source: { repository: string; commit: string; path: string; sha256: string; infoVersion?: string };
  operations: Record<string, SpecOperation>;
  components: { schemas: Record<string, unknown>; responses?: Record<string, SpecResponse> };
}

export const readSpecSubset = (path: string): SpecSubset => JSON.parse(readFileSync(path, 'utf8')) as SpecSubset;

/**
 * OpenAPI 3.0 idioms still in 3.1 files, which JSON Schema 2020-12 reads differently:
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
  for (const [flag, bound] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum'],
  ] as const) {
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

export interface SpecValidator {
  spec: SpecSubset;
  /** Problems of `data` against `#/components/schemas/<name>`; empty when valid. */
  validate(schemaName: string, data: unknown): string[];
  /** Problems of a response body against the schema the operation declares for `status` (inline or a component). */
  validateResponse(operation: string, status: string, data: unknown): string[];
  /** Problems of a request body against the operation's request schema (inline or a component). */
  validateRequest(operation: string, data: unknown): string[];
  /** Schema name of an operation's JSON response, e.g. `GET /models/{model}` → `Model`. */
  responseSchema(operation: string, status?: string): string;
  /** Schema name of an operation's request body (JSON or multipart). */
  requestSchema(operation: string): string;
  /** The response object for a status, with a `#/components/responses/…` reference resolved. */
  response(operation: string, status: string): SpecResponse;
  /** `GET /v1/files/file-abc` → `GET /files/{file_id}`, or undefined when the excerpt has no such operation. */
  operationFor(method: string, path: string): string | undefined;
}

export interface ValidatorSettings {
  /** A URI naming the excerpt inside ajv, e.g. `https://openai-spec.local/openapi`. */
  id: string;
}

export function createSpecValidator(spec: SpecSubset, settings: ValidatorSettings): SpecValidator {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
  // ajv-formats ships as CommonJS with a default export; under NodeNext the namespace comes back.
  const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
    instance: Ajv2020,
  ) => void;
  addFormats(ajv);
  ajv.addFormat('unixtime', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= 0 });
  ajv.addFormat('binary', true);
  // OpenAPI's numeric formats: sizes, not constraints JSON Schema knows; ajv would warn on each.
  for (const format of ['int32', 'int64'])
    ajv.addFormat(format, { type: 'number', validate: (n: number) => Number.isInteger(n) });
  for (const format of ['float', 'double']) ajv.addFormat(format, { type: 'number', validate: () => true });

  // Inline schemas (request bodies and responses written in the operation) get names of their own
  // under `inline`, so they compile against the same document as the components they reference.
  const inline: Record<string, Json> = {};
  const inlineName = new Map<string, string>();
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
  for (const [operation, declared] of Object.entries(spec.operations)) {
    const add = (where: string, content: Content | undefined) => {
      const schema = content && Object.values(content)[0]?.schema;
      if (!schema) return;
      const name = `s${inlineName.size}`;
      inline[name] = normalise(schema);
      inlineName.set(`${operation} ${where}`, name);
    };
    add('request', declared.requestBody?.content);
    for (const status of Object.keys(declared.responses)) add(status, response(operation, status).content);
  }
  ajv.addSchema({ $id: settings.id, components: normalise(spec.components as unknown as Json), inline } as object);
  const compiled = new Map<string, ValidateFunction>();

  const run = (pointer: string, data: unknown): string[] => {
    let validator = compiled.get(pointer);
    if (!validator) {
      validator = ajv.getSchema(`${settings.id}#${pointer}`);
      if (!validator) throw new Error(`ajv could not compile ${pointer}`);
      compiled.set(pointer, validator);
    }
    return validator(data) ? [] : (validator.errors ?? []).map(describeError);
  };
  const inlineRun = (operation: string, where: string, data: unknown): string[] => {
    const name = inlineName.get(`${operation} ${where}`);
    if (!name)
      throw new Error(
        `${operation}: the spec gives no ${where === 'request' ? 'request body' : `${where} response`} schema`,
      );
    return run(`/inline/${name}`, data);
  };
  const schemaRef = (operation: string, content: Content | undefined, what: string): string => {
    const ref = content && Object.values(content)[0]?.schema.$ref;
    const name = ref && /^#\/components\/schemas\/(.+)$/.exec(ref)?.[1];
    if (!name) throw new Error(`${operation}: the spec gives no ${what} schema`);
    return name;
  };
  // Literal segments before parameters, so `/fine-tunes/models/limits` is not read as `/fine-tunes/{id}/…`.
  const matchers = Object.keys(spec.operations)
    .map((key) => {
      const [method = '', template = ''] = key.split(' ');
      const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
      return { key, method, pattern, parameters: (template.match(/\{/g) ?? []).length };
    })
    .sort((a, b) => a.parameters - b.parameters);

  return {
    spec,
    validate(schemaName, data) {
      if (!(schemaName in spec.components.schemas)) throw new Error(`schema ${schemaName} is not in the spec subset`);
      return run(`/components/schemas/${schemaName}`, data);
    },
    validateResponse: (operation, status, data) => inlineRun(operation, status, data),
    validateRequest: (operation, data) => inlineRun(operation, 'request', data),
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
