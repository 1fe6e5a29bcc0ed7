/**
 * Regenerates openai-spec-subset.json: the operations the fake implements and the component
 * schemas they reach, cut from the official OpenAPI file (see shared/spec-subset.ts for what is
 * kept); normalisation for ajv happens at load time (load-spec.ts).
 *
 *   npx tsx test/fakes/openai/schemas/extract-spec-subset.ts [path/to/openapi.yaml]
 *
 * The file is `openapi.yaml` of github.com/openai/openai-openapi at the commit in SOURCE; without
 * an argument, the copy at DEFAULT_SPEC_PATH is read.
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
const EXTRA_SCHEMAS = ['ErrorResponse', 'Error', 'FineTuningJobEvent', 'FineTuningJobCheckpoint'];

export const DEFAULT_SPEC_PATH = specNextToRepository('openai-openapi');
export const SUBSET_PATH = fileURLToPath(new URL('./openai-spec-subset.json', import.meta.url));

/** The subset as written to openai-spec-subset.json. */
export const extractSubset = (text: string, parse: YamlParse): Record<string, unknown> =>
  extractFrom(text, parse, {
    source: SOURCE,
    operations: OPERATIONS,
    extraSchemas: EXTRA_SCHEMAS,
    extractedBy: 'test/fakes/openai/schemas/extract-spec-subset.ts',
  });

if (isEntryPoint(import.meta.url)) await writeSubset(DEFAULT_SPEC_PATH, SUBSET_PATH, extractSubset);
