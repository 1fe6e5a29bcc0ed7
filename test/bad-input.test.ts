import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, bearer, createHarness, type Harness } from './helpers/harness.js';

/**
 * A sweep over every operation in the committed OpenAPI document: whatever is wrong with a request
 * (unknown or malformed ids, broken JSON, wrong types, values outside an enum, oversized bodies),
 * the answer is a 4xx application/problem+json, never a 500 and never a 2xx. Cases come from the
 * document, so a new route is covered as soon as it is exported.
 */

type JsonType = 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array' | 'null';
interface Schema {
  $ref?: string;
  type?: JsonType | JsonType[];
  format?: string;
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  anyOf?: Schema[];
  oneOf?: Schema[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  minProperties?: number;
  items?: Schema;
  minItems?: number;
  uniqueItems?: boolean;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
}
interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema: Schema;
}
interface Operation {
  operationId: string;
  security?: unknown[];
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema?: Schema }> };
}
interface OpenApi {
  paths: Record<string, Record<string, Operation>>;
  components?: Record<string, Record<string, Schema>>;
}

const document = JSON.parse(readFileSync(new URL('../openapi/openapi.json', import.meta.url), 'utf8')) as OpenApi;

const UNKNOWN_UUID = '01890a5d-ac96-774b-bcce-b302099a8057';
const BOGUS_ENUM = 'not-a-valid-value';
// Text Postgres cannot store. A lone surrogate has no UTF-8 form, so it cannot be percent-encoded
// into a path or query (Fastify refuses such URLs); in JSON it arrives as a `\ud800` escape.
const UNSTORABLE_TEXT: Array<[string, string]> = [
  ['U+0000', 'a \u0000 b'],
  ['a lone high surrogate', 'x \ud800'],
  ['a lone low surrogate', '\udc00 y'],
];
const BODY_LIMIT = 4096;
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
type Method = (typeof METHODS)[number];

/** Inlines local `$ref`s so the samplers below and Ajv see one self-contained schema. */
function inline(schema: Schema, depth = 0): Schema {
  if (depth > 20) throw new Error('schema nests too deeply (a recursive $ref?)');
  if (schema.$ref) {
    const [, section, name] = schema.$ref.match(/^#\/components\/([^/]+)\/([^/]+)$/) ?? [];
    const target = section && name ? document.components?.[section]?.[name] : undefined;
    if (!target) throw new Error(`cannot resolve ${schema.$ref}`);
    return inline(target, depth + 1);
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'properties') {
      out[key] = Object.fromEntries(
        Object.entries(value as Record<string, Schema>).map(([k, v]) => [k, inline(v, depth + 1)]),
      );
    } else if (key === 'anyOf' || key === 'oneOf') {
      out[key] = (value as Schema[]).map((v) => inline(v, depth + 1));
    } else if ((key === 'items' || key === 'additionalProperties') && typeof value === 'object') {
      out[key] = inline(value as Schema, depth + 1);
    } else out[key] = value;
  }
  return out as Schema;
}

// ---- A valid-looking value for a schema, so only the deliberately broken part of a request is wrong.

function sampleString(schema: Schema, seed: number): string {
  if (schema.format === 'uuid') return UNKNOWN_UUID;
  if (schema.format === 'date-time') return '2099-01-01T00:00:00.000Z';
  if (schema.format === 'date') return '2099-01-01';
  const letter = String.fromCharCode(97 + (seed % 26));
  const fitLength = (s: string) => s.padEnd(schema.minLength ?? 1, letter).slice(0, schema.maxLength ?? Infinity);
  const candidates = [letter, letter.repeat(64), `${letter}1`, 'A'].map(fitLength);
  const pattern = schema.pattern ? new RegExp(schema.pattern, 'u') : undefined;
  return candidates.find((c) => !pattern || pattern.test(c)) ?? fitLength(letter);
}

function sampleNumber(schema: Schema, integer: boolean): number {
  let value =
    schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + (integer ? 1 : 0.5) : 1);
  if (schema.maximum !== undefined) value = Math.min(value, schema.maximum);
  return value;
}

function sample(schema: Schema, seed = 0): unknown {
  if ('const' in schema) return schema.const;
  if (schema.default !== undefined) return structuredClone(schema.default);
  if (schema.enum) return schema.enum[seed % schema.enum.length];
  const branches = schema.anyOf ?? schema.oneOf;
  if (branches) return sample(branches.find((b) => b.type !== 'null') ?? branches[0]!, seed);
  switch (Array.isArray(schema.type) ? schema.type[0] : schema.type) {
    case 'string':
      return sampleString(schema, seed);
    case 'integer':
      return sampleNumber(schema, true);
    case 'number':
      return sampleNumber(schema, false);
    case 'boolean':
      return true;
    case 'null':
      return null;
    case 'array':
      return Array.from({ length: schema.minItems ?? 0 }, (_, i) => sample(schema.items ?? {}, seed + i));
    default: {
      const properties = schema.properties ?? {};
      const names = [...(schema.required ?? [])];
      // At least one field: an object of optional fields may still need one of them (classify's `input`).
      for (const name of Object.keys(properties)) {
        if (names.length >= Math.max(schema.minProperties ?? 0, 1)) break;
        if (!names.includes(name)) names.push(name);
      }
      return Object.fromEntries(names.map((name) => [name, sample(properties[name] ?? {}, seed)]));
    }
  }
}

// ---- Values of the wrong JSON type for a schema.

function allowedTypes(schema: Schema): Set<JsonType> | undefined {
  const branches = schema.anyOf ?? schema.oneOf;
  if (branches) {
    const sets = branches.map(allowedTypes);
    if (sets.some((s) => !s)) return undefined;
    return new Set(sets.flatMap((s) => [...s!]));
  }
  const values = schema.enum ?? ('const' in schema ? [schema.const] : undefined);
  if (values)
    return new Set(values.map((v) => (v === null ? 'null' : Array.isArray(v) ? 'array' : (typeof v as JsonType))));
  if (!schema.type) return undefined;
  return new Set(Array.isArray(schema.type) ? schema.type : [schema.type]);
}

const WRONG_VALUES: Array<[string, unknown, JsonType[]]> = [
  ['a string', 'wrong-type', ['string']],
  ['a number', 12345, ['number', 'integer']],
  ['a boolean', true, ['boolean']],
  ['an object', { wrong: 'type' }, ['object']],
  ['an array', ['wrong-type'], ['array']],
];

const wrongValuesFor = (schema: Schema) => {
  const allowed = allowedTypes(schema);
  if (!allowed) return [];
  return WRONG_VALUES.filter(([, , types]) => !types.some((t) => allowed.has(t)));
};

/** Whether a string outside the schema's enum is refused (so not when a branch takes any string). */
function takesEnumOnly(schema: Schema): boolean {
  const hasEnum = (s: Schema) => Boolean(s.enum);
  const branches = schema.anyOf ?? schema.oneOf;
  if (hasEnum(schema)) return true;
  // e.g. `split: enum | null`, `n_epochs: integer | "auto"`.
  return Boolean(branches?.some(hasEnum) && branches.every((b) => hasEnum(b) || (b.type !== 'string' && !b.enum)));
}

type Segment = string | number;
interface BodyField {
  segments: Segment[];
  schema: Schema;
  required: boolean;
}

/** Every property of a body worth breaking: top-level, inside nested objects, and the first item of arrays. */
function bodyFields(schema: Schema, segments: Segment[] = [], depth = 0): BodyField[] {
  if (depth >= 3) return [];
  const fields: BodyField[] = [];
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    const at = [...segments, name];
    fields.push({ segments: at, schema: property, required: schema.required?.includes(name) ?? false });
    fields.push(...bodyFields(property, at, depth + 1));
  }
  if (schema.type === 'array' && schema.items) {
    const at = [...segments, 0];
    fields.push({ segments: at, schema: schema.items, required: (schema.minItems ?? 0) > 0 });
    fields.push(...bodyFields(schema.items, at, depth + 1));
  }
  return fields;
}

const fieldName = (segments: Segment[]) =>
  segments.reduce<string>((path, s) => (typeof s === 'number' ? `${path}[${s}]` : `${path}.${s}`), 'body');

/** The baseline body with one value replaced; containers on the way that the baseline leaves out are sampled. */
function replaced(root: Schema, baseline: unknown, segments: Segment[], value: unknown): unknown {
  const body = structuredClone(baseline) as Record<Segment, unknown>;
  let node = body;
  let schema = root;
  segments.forEach((segment, i) => {
    if (i === segments.length - 1) {
      node[segment] = value;
      return;
    }
    schema = (typeof segment === 'number' ? schema.items : schema.properties?.[segment]) ?? {};
    const existing = node[segment] as Record<Segment, unknown> | undefined;
    const child =
      existing ??
      (schema.type === 'array' ? [sample(schema.items ?? {})] : (sample(schema) as Record<Segment, unknown>));
    if (Array.isArray(child) && child.length === 0) child.push(sample(schema.items ?? {}));
    node[segment] = child;
    node = child as Record<Segment, unknown>;
  });
  return body;
}

// ---- Cases.

interface BadInputCase {
  name: string;
  method: Method;
  url: string;
  contentType?: string;
  body?: string;
  headers?: Record<string, string>;
  /** Accepted statuses, all 4xx. */
  status: number[];
  code?: string;
  /** A field the problem's `errors[]` must name. */
  field?: string;
}

interface SweptOperation {
  label: string;
  jsonBody?: Schema;
  baselineBody?: unknown;
  cases: BadInputCase[];
}

// Samples for upload bodies that are not JSON, so an unknown id is what the request gets wrong.
const RAW_SAMPLES: Record<string, string> = {
  'application/jsonl': '{"text":"hello","label":"a"}\n',
  'application/x-ndjson': '{"text":"hello","label":"a"}\n',
  'text/csv': 'text,label\nhello,a\n',
};

const isPublic = (path: string, operation: Operation) =>
  !operation.security?.length || /^\/(health|metrics|docs|admin\/queues)(\/|$)/.test(path);

function sweep(path: string, method: Method, operation: Operation): SweptOperation {
  const label = `${method.toUpperCase()} ${path}`;
  const parameters = (operation.parameters ?? []).map((p) => ({ ...p, schema: inline(p.schema) }));
  const pathParams = parameters.filter((p) => p.in === 'path');
  const queryParams = parameters.filter((p) => p.in === 'query');
  const headerParams = parameters.filter((p) => p.in === 'header');
  const content = operation.requestBody?.content ?? {};
  const jsonSchema = content['application/json']?.schema;
  const jsonBody = jsonSchema ? inline(jsonSchema) : undefined;
  const rawType = jsonBody ? undefined : Object.keys(content).find((type) => RAW_SAMPLES[type] !== undefined);

  const unknownValue = (p: Parameter) =>
    p.schema.format === 'uuid' ? UNKNOWN_UUID : `unknown-${p.name.replace(/_/g, '-')}`;
  const urlWith = (pathValues: Record<string, string> = {}, query: Record<string, string | string[]> = {}) => {
    const filled = path.replace(/\{([^}]+)\}/g, (_, name: string) => {
      const param = pathParams.find((p) => p.name === name);
      return encodeURIComponent(pathValues[name] ?? (param ? unknownValue(param) : name));
    });
    const search = new URLSearchParams();
    for (const p of queryParams) {
      const value = p.name in query ? query[p.name] : p.required ? String(sample(p.schema)) : undefined;
      for (const v of value === undefined ? [] : [value].flat()) search.append(p.name, v);
    }
    const qs = search.toString();
    return qs ? `${filled}?${qs}` : filled;
  };

  const baselineBody = jsonBody ? sample(jsonBody) : undefined;
  // A request that is fine apart from what each case breaks (and the unknown ids in its path).
  const valid = (): Omit<BadInputCase, 'name' | 'status'> => {
    if (jsonBody)
      return { method, url: urlWith(), contentType: 'application/json', body: JSON.stringify(baselineBody) };
    if (rawType) return { method, url: urlWith(), contentType: rawType, body: RAW_SAMPLES[rawType] };
    return { method, url: urlWith() };
  };
  const cases: BadInputCase[] = [];
  const add = (name: string, request: Omit<BadInputCase, 'name'>) =>
    cases.push({ name: `${label}: ${name}`, ...request });
  const invalid = (field: string) => ({ status: [400], code: 'validation_failed', field });
  const invalidText = (field: string) => ({ status: [400], code: 'invalid_text', field });

  for (const p of pathParams) {
    add(`unknown path.${p.name} (${unknownValue(p)})`, { ...valid(), status: [404], code: 'not_found' });
    if (p.schema.format === 'uuid') {
      add(`malformed path.${p.name} (not-a-uuid)`, {
        ...valid(),
        url: urlWith({ [p.name]: 'not-a-uuid' }),
        ...invalid(`path.${p.name}`),
      });
    }
    add(`U+0000 in path.${p.name}`, {
      ...valid(),
      url: urlWith({ [p.name]: 'a\u0000b' }),
      ...invalidText(`path.${p.name}`),
    });
    if (p.schema.maxLength !== undefined) {
      const long = 'a'.repeat(p.schema.maxLength + 1);
      add(`over-long path.${p.name}`, { ...valid(), url: urlWith({ [p.name]: long }), ...invalid(`path.${p.name}`) });
    }
  }

  for (const p of queryParams) {
    const field = `query.${p.name}`;
    const withQuery = (value: string | string[]) => ({ ...valid(), url: urlWith({}, { [p.name]: value }) });
    const s = p.schema;
    if (takesEnumOnly(s)) add(`${field} outside its enum`, { ...withQuery(BOGUS_ENUM), ...invalid(field) });
    if (s.type === 'integer' || s.type === 'number') {
      add(`${field}=abc`, { ...withQuery('abc'), ...invalid(field) });
      if (s.minimum !== undefined)
        add(`${field} below minimum`, { ...withQuery(String(s.minimum - 1)), ...invalid(field) });
      if (s.maximum !== undefined)
        add(`${field} above maximum`, { ...withQuery(String(s.maximum + 1)), ...invalid(field) });
    }
    if (s.type === 'integer') add(`${field}=1.5`, { ...withQuery('1.5'), ...invalid(field) });
    if (s.type === 'boolean') add(`${field}=maybe`, { ...withQuery('maybe'), ...invalid(field) });
    if (s.type === 'string') {
      if (s.format === 'uuid') add(`${field}=not-a-uuid`, { ...withQuery('not-a-uuid'), ...invalid(field) });
      if (s.format === 'date-time') add(`${field}=not-a-date`, { ...withQuery('not-a-date'), ...invalid(field) });
      if ((s.minLength ?? 0) > 0) add(`empty ${field}`, { ...withQuery(''), ...invalid(field) });
      if (s.maxLength !== undefined)
        add(`over-long ${field}`, { ...withQuery('a'.repeat(s.maxLength + 1)), ...invalid(field) });
      add(`U+0000 in ${field}`, { ...withQuery('a\u0000b'), ...invalidText(field) });
    }
    if (s.type !== 'array') {
      const once = String(sample(s));
      add(`${field} given twice`, { ...withQuery([once, once]), ...invalid(field) });
    }
    // A cursor this API never issued; the unknown id in the path may be found missing first.
    if (p.name === 'cursor') add(`${field} never issued`, { ...withQuery('bm90LWEtY3Vyc29y'), status: [400, 404] });
  }

  for (const p of headerParams) {
    if (p.schema.maxLength === undefined) continue;
    const headers = { [p.name]: 'a'.repeat(p.schema.maxLength + 1) };
    add(`over-long header ${p.name}`, { ...valid(), headers, ...invalid(`header.${p.name}`) });
  }

  if (jsonBody) {
    const json = (body: unknown) => ({ ...valid(), body: JSON.stringify(body) });
    add('malformed JSON body', { ...valid(), body: '{"a":', status: [400], code: 'malformed_json' });
    add(`body over ${BODY_LIMIT} bytes`, {
      ...json({ padding: 'x'.repeat(BODY_LIMIT + 1000) }),
      status: [413],
      code: 'payload_too_large',
    });
    add('body is an array', { ...json([baselineBody]), ...invalid('body') });
    if (jsonBody.additionalProperties === false) {
      add('unknown body property', {
        ...json({ ...(baselineBody as object), no_such_field: 1 }),
        ...invalid('body.no_such_field'),
      });
    }
    add('no body at all', { method, url: urlWith(), ...invalid('body') });
    // (Not text/plain: Fastify parses that as a string, which the schema then refuses with a 400.)
    add('text/csv body', {
      ...valid(),
      contentType: 'text/csv',
      body: 'text,label\nhello,a\n',
      status: [415],
      code: 'unsupported_media_type',
    });
    for (const { segments, schema, required } of bodyFields(jsonBody)) {
      const field = fieldName(segments);
      const broken = (value: unknown) => json(replaced(jsonBody, baselineBody, segments, value));
      for (const [what, value] of wrongValuesFor(schema)) {
        add(`${required ? 'required ' : ''}${field} as ${what}`, { ...broken(value), ...invalid(field) });
      }
      if (takesEnumOnly(schema)) add(`${field} outside its enum`, { ...broken(BOGUS_ENUM), ...invalid(field) });
      // Every field that takes a string (enum and format ones too): refused before the schema is checked.
      if (!allowedTypes(schema) || allowedTypes(schema)!.has('string')) {
        for (const [what, text] of UNSTORABLE_TEXT)
          add(`${what} in ${field}`, { ...broken(text), ...invalidText(field) });
      }
    }
  } else if (!rawType && method !== 'get') {
    // Bodiless actions (archive, cancel, purge) still parse a JSON body if one is sent.
    const withBody = (body: string) => ({ ...valid(), contentType: 'application/json', body });
    add('malformed JSON body', { ...withBody('{"a":'), status: [400], code: 'malformed_json' });
    add(`body over ${BODY_LIMIT} bytes`, {
      ...withBody(JSON.stringify({ padding: 'x'.repeat(BODY_LIMIT + 1000) })),
      status: [413],
      code: 'payload_too_large',
    });
  }
  return { label, jsonBody, baselineBody, cases };
}

const operations = Object.entries(document.paths)
  .flatMap(([path, methods]) =>
    METHODS.filter((m) => methods[m]).map((method) => ({ path, method, operation: methods[method]! })),
  )
  .filter(({ path, operation }) => !isPublic(path, operation))
  .map(({ path, method, operation }) => sweep(path, method, operation));
const swept = operations.filter((o) => o.cases.length > 0);

// ---- Running them.

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ BODY_LIMIT_BYTES: String(BODY_LIMIT) });
});
afterAll(async () => {
  await h?.close();
});

const auth = bearer(ADMIN_KEY);

const described = (c: BadInputCase, response: Response) =>
  `${c.method.toUpperCase()} ${c.url}${c.contentType ? ` [${c.contentType}]` : ''}${c.body ? ` ${c.body.slice(0, 300)}` : ''}` +
  ` -> ${response.status} ${response.headers['content-type'] ?? ''} ${response.text?.slice(0, 1500) ?? ''}`;

async function send(c: BadInputCase): Promise<Response> {
  const request = h.http()[c.method](c.url).set('authorization', auth).timeout({ response: 5_000 });
  for (const [name, value] of Object.entries(c.headers ?? {})) request.set(name, value);
  if (c.contentType) request.set('content-type', c.contentType);
  return c.body === undefined ? request : request.send(c.body);
}

async function expectProblemFor(c: BadInputCase): Promise<void> {
  const response = await send(c);
  const context = described(c, response);
  expect(c.status, context).toContain(response.status);
  expect(response.headers['content-type'], context).toContain('application/problem+json');
  expect(response.body, context).toMatchObject({
    type: expect.any(String),
    status: response.status,
    code: expect.any(String),
  });
  if (c.code) expect(response.body.code, context).toBe(c.code);
  if (c.field) {
    const fields = ((response.body.errors ?? []) as Array<{ field: string }>).map((e) => e.field);
    expect(fields, context).toContain(c.field);
  }
}

describe('bad input sweep over openapi/openapi.json', () => {
  it('finds the operations and builds a schema-valid baseline body for each JSON one', () => {
    expect(swept.length).toBeGreaterThan(40);
    // Each case breaks one thing; that holds only if the rest of the body is valid.
    const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
    const ajv = addFormats(new Ajv({ strict: false, allErrors: true, discriminator: true }));
    for (const { label, jsonBody, baselineBody } of operations) {
      if (!jsonBody) continue;
      const validate = ajv.compile(jsonBody);
      expect(
        validate(structuredClone(baselineBody)),
        `${label} ${JSON.stringify(baselineBody)}: ${ajv.errorsText(validate.errors)}`,
      ).toBe(true);
    }
  });

  // Loops rather than describe.each/it.each: their `$name` interpolation cuts names at 40 characters.
  for (const { label, cases } of swept) {
    describe(label, () => {
      for (const c of cases) it(c.name, () => expectProblemFor(c));
    });
  }
});
