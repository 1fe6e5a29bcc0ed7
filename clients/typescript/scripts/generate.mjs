// `npm run generate` (or `npm run client:generate` at the root): writes src/schema.d.ts from the
// API's committed OpenAPI document. `--output <file>` writes elsewhere (the freshness test does).
import { readFile, writeFile } from 'node:fs/promises';
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';

const DOCUMENT = new URL('../../../openapi/openapi.json', import.meta.url);
const SCHEMA = new URL('../src/schema.d.ts', import.meta.url);

/**
 * The API fills in a request field's default when it is left out, yet the exported document lists
 * such fields (`limit`, `on_error`, a promotion's `reason`, ...) as required. Without this, the
 * types would make every caller spell out every default.
 */
function defaultedFieldsAreOptional(document) {
  for (const item of Object.values(document.paths ?? {})) {
    for (const operation of Object.values(item)) {
      for (const parameter of operation.parameters ?? []) {
        if (parameter.in !== 'path' && parameter.schema?.default !== undefined) parameter.required = false;
      }
      for (const media of Object.values(operation.requestBody?.content ?? {})) optionalDefaults(media.schema);
    }
  }
  return document;
}

function optionalDefaults(schema) {
  if (typeof schema !== 'object' || schema === null) return;
  const properties = schema.properties ?? {};
  if (Array.isArray(schema.required))
    schema.required = schema.required.filter((name) => properties[name]?.default === undefined);
  for (const property of Object.values(properties)) optionalDefaults(property);
  for (const branch of [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])])
    optionalDefaults(branch);
  optionalDefaults(schema.items);
  optionalDefaults(schema.additionalProperties);
}

export async function generateSchema() {
  const document = defaultedFieldsAreOptional(JSON.parse(await readFile(DOCUMENT, 'utf8')));
  return `${COMMENT_HEADER}${astToString(await openapiTS(document, { silent: true }))}`;
}

const at = process.argv.indexOf('--output');
const target = at > 0 ? process.argv[at + 1] : SCHEMA;
await writeFile(target, await generateSchema());
process.stdout.write(`wrote ${target instanceof URL ? target.pathname : target}\n`);
