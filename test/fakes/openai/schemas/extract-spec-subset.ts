/**
 * Regenerates openai-spec-subset.json: the operations the fake implements and the component
 * schemas they reach, cut from the official OpenAPI file with descriptions, examples and `x-`
 * vendor keys removed. Schemas are otherwise copied verbatim; normalisation for ajv happens at
 * load time (load-spec.ts), so the fixture stays a faithful excerpt.
 *
 *   npx tsx test/fakes/openai/schemas/extract-spec-subset.ts [path/to/openapi.yaml]
 *
 * The file is `openapi.yaml` of github.com/openai/openai-openapi at the commit in SOURCE; without
 * an argument, the copy at DEFAULT_SPEC_PATH is read.
 *
 * Needs a YAML parser. `yaml` is not a dependency of this project (it is only present through
 * vitest and @fastify/swagger), so it is imported by name at run time and nothing else uses it.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const SOURCE = {
  repository: 'github.com/openai/openai-openapi',
  branch: 'main',
  commit: 'f85dbe223d40e1a31cba812ab2d755c7e98a92a3',
  path: 'openapi.yaml',
  infoVersion: '2.3.0',
};

/** [method, path] of every operation the fake serves. */
export const OPERATIONS: [string, string][] = [
  ['post', '/chat/completions'],
  ['post', '/completions'],
  ['get', '/files'],
  ['post', '/files'],
  ['get', '/files/{file_id}'],
  ['delete', '/files/{file_id}'],
  ['get', '/files/{file_id}/content'],
  ['get', '/fine_tuning/jobs'],
  ['post', '/fine_tuning/jobs'],
  ['get', '/fine_tuning/jobs/{fine_tuning_job_id}'],
  ['post', '/fine_tuning/jobs/{fine_tuning_job_id}/cancel'],
  ['get', '/fine_tuning/jobs/{fine_tuning_job_id}/events'],
  ['get', '/fine_tuning/jobs/{fine_tuning_job_id}/checkpoints'],
  ['get', '/models'],
  ['get', '/models/{model}'],
  ['delete', '/models/{model}'],
];

/** Schemas the contract test names directly, besides those the operations reference. */
const EXTRA_ROOTS = ['ErrorResponse', 'Error', 'FineTuningJobEvent', 'FineTuningJobCheckpoint'].map((name) => `schemas/${name}`);

const DOC_KEYS = new Set(['description', 'example', 'examples', 'summary', 'externalDocs']);
const NAME_MAPS = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas']);
const LITERALS = new Set(['enum', 'const', 'default']);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function strip(value: Json): Json {
  if (Array.isArray(value)) return value.map(strip);
  if (!value || typeof value !== 'object') return value;
  const out: { [key: string]: Json } = {};
  for (const [key, item] of Object.entries(value)) {
    if (DOC_KEYS.has(key) || key.startsWith('x-')) continue;
    if (LITERALS.has(key)) out[key] = item;
    else if (NAME_MAPS.has(key) && item && typeof item === 'object' && !Array.isArray(item)) {
      out[key] = Object.fromEntries(Object.entries(item).map(([name, schema]) => [name, strip(schema)]));
    } else out[key] = strip(item);
  }
  return out;
}

/** `$ref`s as `<kind>/<name>`, e.g. `schemas/Error` or `responses/TooManyRequests`. */
function refsIn(value: Json, found: Set<string>): void {
  if (Array.isArray(value)) value.forEach((item) => refsIn(item, found));
  else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (key === '$ref' && typeof item === 'string') {
        const match = /^#\/components\/((?:schemas|responses|parameters)\/.+)$/.exec(item);
        if (!match?.[1]) throw new Error(`unexpected $ref ${item}`);
        found.add(match[1]);
      } else refsIn(item, found);
    }
  }
}

export const DEFAULT_SPEC_PATH = '/work/shared/openai-openapi/openapi.yaml';
export const SUBSET_PATH = fileURLToPath(new URL('./openai-spec-subset.json', import.meta.url));

export type YamlParse = (source: string, options?: object) => unknown;

/** The `yaml` package's parse, or null when it is not installed. */
export async function loadYamlParser(): Promise<YamlParse | null> {
  const name = 'yaml';
  try {
    return ((await import(name)) as { parse: YamlParse }).parse;
  } catch {
    return null;
  }
}

/** The subset as written to openai-spec-subset.json. */
export function extractSubset(text: string, parse: YamlParse): Record<string, unknown> {
  const spec = parse(text, { maxAliasCount: -1 }) as {
    paths: Record<string, Record<string, Json>>;
    components: Record<string, Record<string, Json>>;
  };

  const operations: Record<string, Json> = {};
  const roots = new Set(EXTRA_ROOTS);
  for (const [method, path] of OPERATIONS) {
    const operation = spec.paths[path]?.[method];
    if (!operation) throw new Error(`${method.toUpperCase()} ${path} is not in the spec`);
    const stripped = strip(operation) as { [key: string]: Json };
    delete stripped['tags'];
    operations[`${method.toUpperCase()} ${path}`] = stripped;
    refsIn(stripped, roots);
  }

  const components: Record<string, Record<string, Json>> = {};
  const queue = [...roots];
  while (queue.length > 0) {
    const ref = queue.pop() as string;
    const [kind = '', name = ''] = ref.split(/\/(.*)/s);
    const bucket = (components[kind] ??= {});
    if (name in bucket) continue;
    const found = spec.components[kind]?.[name];
    if (found === undefined) throw new Error(`components/${ref} is not in the spec`);
    bucket[name] = strip(found);
    const next = new Set<string>();
    refsIn(bucket[name] as Json, next);
    queue.push(...next);
  }

  const sortedKeys = (record: Record<string, Json>) => Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
  const subset = {
    source: { ...SOURCE, sha256: createHash('sha256').update(text).digest('hex'), extractedBy: 'test/fakes/openai/schemas/extract-spec-subset.ts' },
    operations,
    components: Object.fromEntries(Object.entries(components).sort(([a], [b]) => a.localeCompare(b)).map(([kind, items]) => [kind, sortedKeys(items)])),
  };
  return subset;
}

async function main(): Promise<void> {
  const text = readFileSync(process.argv[2] ?? DEFAULT_SPEC_PATH, 'utf8');
  const parse = await loadYamlParser();
  if (!parse) throw new Error("No YAML parser: install the 'yaml' package to regenerate the subset.");
  const subset = extractSubset(text, parse) as { operations: object; components: { schemas: object } };
  writeFileSync(SUBSET_PATH, `${JSON.stringify(subset, null, 1)}\n`);
  process.stdout.write(
    `wrote ${SUBSET_PATH}: ${Object.keys(subset.operations).length} operations, ${Object.keys(subset.components.schemas).length} schemas\n`,
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
