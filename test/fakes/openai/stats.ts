import {
  createStats as createRecorder,
  type StatsRecorder as Recorder,
  type FakeStats as Shared,
} from '../shared/stats.js';

export type { ModelStats } from '../shared/stats.js';

/** OpenAI's own counter besides the shared ones: the billing 429s (`faults.insufficientQuota`). */
type OpenAICounters = { insufficientQuota: number };

export type FakeStats = Shared & OpenAICounters;
export type StatsRecorder = Recorder<OpenAICounters>;

export const createStats = (): StatsRecorder => createRecorder({ insufficientQuota: 0 });
