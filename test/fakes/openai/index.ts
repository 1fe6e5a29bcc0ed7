/**
 * The project's OpenAI fake: a real HTTP server standing in for api.openai.com in tests,
 * benchmarks and the offline demo. See README.md in this folder.
 */
export { startOpenAIFake, type OpenAIFake } from './server.js';
export type {
  FakeOptions,
  FaultOptions,
  JobTiming,
  Limits,
  ModelOptions,
  RateLimitOptions,
  StatusFault,
} from './options.js';
export type {
  ScriptAnswer,
  ScriptFunction,
  ScriptInput,
  ScriptRule,
  KeywordScript,
  TableScript,
  SerializableScript,
} from '../shared/scripting.js';
export { labelsIn } from '../shared/scripting.js';
export type { FakeStats, ModelStats } from './stats.js';
export type { RecordedRequest } from '../shared/request-log.js';
export { goDuration } from './go-duration.js';
