/**
 * Regenerates together-spec-subset.json: the operations the Together fake implements and the
 * component schemas they reach, cut from Together's official OpenAPI file (see
 * shared/spec-subset.ts for what is kept); normalisation for ajv happens at load time (load-spec.ts).
 *
 *   npx tsx test/fakes/together/schemas/extract-spec-subset.ts [../shared/together-openapi/openapi.yaml]
 *
 * The spec is looked for next to the repository (`../shared/together-openapi/openapi.yaml`, where
 * CI links the shared folder), so the path holds in any clone.
 */
import { fileURLToPath } from 'node:url';
import {
  extractSubset as extractFrom,
  isEntryPoint,
  specNextToRepository,
  writeSubset,
  type YamlParse,
} from '../../shared/spec-subset.js';

export const SOURCE = {
  repository: 'github.com/togethercomputer/openapi',
  branch: 'main',
  commit: '090263aa0fde006d9cd958bef52719958079bbc4',
  path: 'openapi.yaml',
  infoVersion: '2.0.0',
};

/** [method, path] of every operation the fake serves. */
export const OPERATIONS: [string, string][] = [
  ['post', '/chat/completions'],
  ['get', '/models'],
  ['get', '/files'],
  ['post', '/files/upload'],
  ['get', '/files/{id}'],
  ['delete', '/files/{id}'],
  ['get', '/files/{id}/content'],
  ['post', '/fine-tunes'],
  ['get', '/fine-tunes'],
  ['get', '/fine-tunes/{id}'],
  ['delete', '/fine-tunes/{id}'],
  ['post', '/fine-tunes/{id}/cancel'],
  ['get', '/fine-tunes/{id}/events'],
  ['get', '/fine-tunes/{id}/checkpoints'],
  ['get', '/fine-tunes/{id}/metrics'],
  ['post', '/fine-tunes/estimate-price'],
  ['get', '/fine-tunes/models/supported'],
  ['get', '/fine-tunes/models/limits'],
  ['get', '/endpoints'],
  ['post', '/endpoints'],
  ['get', '/endpoints/{endpointId}'],
  ['patch', '/endpoints/{endpointId}'],
  ['delete', '/endpoints/{endpointId}'],
  ['get', '/hardware'],
];

/** Schemas the contract test names directly, besides those the operations reference. */
const EXTRA_SCHEMAS = ['ErrorData'];

export const DEFAULT_SPEC_PATH = specNextToRepository('together-openapi');
export const SUBSET_PATH = fileURLToPath(new URL('./together-spec-subset.json', import.meta.url));

/** The subset as written to together-spec-subset.json. */
export const extractSubset = (text: string, parse: YamlParse): Record<string, unknown> =>
  extractFrom(text, parse, {
    source: SOURCE,
    operations: OPERATIONS,
    extraSchemas: EXTRA_SCHEMAS,
    extractedBy: 'test/fakes/together/schemas/extract-spec-subset.ts',
  });

if (isEntryPoint(import.meta.url)) await writeSubset(DEFAULT_SPEC_PATH, SUBSET_PATH, extractSubset);
