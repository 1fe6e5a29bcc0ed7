/**
 * Cuts an excerpt out of a provider's official OpenAPI file: the operations a fake implements and
 * the component schemas they reach, with descriptions, examples and `x-` vendor keys removed.
 * Schemas are otherwise copied verbatim; normalisation for ajv happens at load time
 * (spec-validator.ts), so the committed excerpt stays faithful to the file.
 *
 * Needs a YAML parser. `yaml` is not a dependency of this project (it is only present through
 * vitest and @fastify/swagger), so it is imported by name at run time and nothing else uses it.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type YamlParse = (source: string, options?: object) => unknown;

export interface SubsetRecipe {
  /** Where the spec came from, copied into the excerpt's `source`. */
  source: Record<string, string>;
  /** [method, path] of every operation the fake serves. */
  operations: [string, string][];
  /** Component schemas a contract test names directly, besides those the operations reference. */
  extraSchemas: string[];
  /** The script that writes the excerpt, recorded in it. */
  extractedBy: string;
}

const DOC_KEYS = new Set(['description', 'example', 'examples', 'summary', 'externalDocs']);
const NAME_MAPS = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas']);
const LITERALS = new Set(['enum', 'const', 'default']);

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
  if (Array.isArray(value)) {
    for (const item of value) refsIn(item, found);
  } else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (key === '$ref' && typeof item === 'string') {
        const match = /^#\/components\/((?:schemas|responses|parameters)\/.+)$/.exec(item);
        if (!match?.[1]) throw new Error(`unexpected $ref ${item}`);
        found.add(match[1]);
      } else refsIn(item, found);
    }
  }
}

/** The `yaml` package's parse, or null when it is not installed. */
export async function loadYamlParser(): Promise<YamlParse | null> {
  const name = 'yaml';
  try {
    return ((await import(name)) as { parse: YamlParse }).parse;
  } catch {
    return null;
  }
}

/** The excerpt, ready to be written as JSON. */
export function extractSubset(text: string, parse: YamlParse, recipe: SubsetRecipe): Record<string, unknown> {
  const spec = parse(text, { maxAliasCount: -1 }) as {
    paths: Record<string, Record<string, Json>>;
    components: Record<string, Record<string, Json>>;
  };

  const operations: Record<string, Json> = {};
  const roots = new Set(recipe.extraSchemas.map((name) => `schemas/${name}`));
  for (const [method, path] of recipe.operations) {
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
    components[kind] ??= {};
    const bucket = components[kind];
    if (name in bucket) continue;
    const found = spec.components[kind]?.[name];
    if (found === undefined) throw new Error(`components/${ref} is not in the spec`);
    bucket[name] = strip(found);
    const next = new Set<string>();
    refsIn(bucket[name] as Json, next);
    queue.push(...next);
  }

  const sortedKeys = (record: Record<string, Json>) =>
    Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
  return {
    source: {
      ...recipe.source,
      sha256: createHash('sha256').update(text).digest('hex'),
      extractedBy: recipe.extractedBy,
    },
    operations,
    components: Object.fromEntries(
      Object.entries(components)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([kind, items]) => [kind, sortedKeys(items)]),
    ),
  };
}

/**
 * `../shared/<folder>/openapi.yaml` next to the repository, where the team keeps the providers' API
 * descriptions (and CI links the shared folder), so the path holds in any clone.
 */
export const specNextToRepository = (folder: string): string =>
  fileURLToPath(new URL(`../../../../shared/${folder}/openapi.yaml`, import.meta.url));

/** Whether the module at `moduleUrl` is the script node was started with. */
export const isEntryPoint = (moduleUrl: string): boolean =>
  Boolean(process.argv[1]) && fileURLToPath(moduleUrl) === process.argv[1];

/**
 * What an extraction script does: cuts the excerpt from the spec file named on its command line
 * (else `defaultSpecPath`) and writes it to `subsetPath`.
 */
export async function writeSubset(
  defaultSpecPath: string,
  subsetPath: string,
  extract: (text: string, parse: YamlParse) => Record<string, unknown>,
): Promise<void> {
  const text = readFileSync(process.argv[2] ?? defaultSpecPath, 'utf8');
  const parse = await loadYamlParser();
  if (!parse) throw new Error("No YAML parser: install the 'yaml' package to regenerate the subset.");
  const subset = extract(text, parse) as { operations: object; components: { schemas: object } };
  writeFileSync(subsetPath, `${JSON.stringify(subset, null, 1)}\n`);
  process.stdout.write(
    `wrote ${subsetPath}: ${Object.keys(subset.operations).length} operations, ${Object.keys(subset.components.schemas).length} schemas\n`,
  );
}
