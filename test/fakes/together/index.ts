/**
 * The project's Together AI fake: a real HTTP server standing in for api.together.ai in tests.
 * See README.md in this folder.
 */
export { startTogetherFake, type TogetherFake } from './server.js';
export type {
  EndpointTiming,
  JobTiming,
  Limits,
  RateLimitOptions,
  StatusFault,
  TogetherFakeOptions,
  TogetherFaultOptions,
} from './options.js';
export type {
  KeywordScript,
  ScriptAnswer,
  ScriptFunction,
  ScriptInput,
  ScriptRule,
  SerializableScript,
  TableScript,
} from '../shared/scripting.js';
export { labelsIn } from '../shared/scripting.js';
export type { FakeStats, ModelStats } from '../shared/stats.js';
export type { RecordedRequest } from '../shared/request-log.js';
export { FINE_TUNABLE_MODELS, SERVERLESS_MODELS } from './catalogue.js';
export { HARDWARE } from './hardware.js';
