import type { JobRecord } from './fine-tuning-simulation.js';

/** Everything the fake remembers, in memory. Exposed as `fake.state` for white-box assertions. */

export type FilePurpose =
  | 'assistants'
  | 'assistants_output'
  | 'batch'
  | 'batch_output'
  | 'fine-tune'
  | 'fine-tune-results'
  | 'vision'
  | 'user_data'
  | 'evals';

export interface FileRecord {
  id: string;
  filename: string;
  purpose: FilePurpose;
  content: Buffer;
  createdAtMs: number;
  /** When `status` turns from `uploaded` to `processed`. */
  processedAtMs: number;
  /** `status_details` of a file that ended in `error` (faults.fileErrors); null when it did not. */
  error: string | null;
  expiresAt: number | null;
  /** Insertion order, to break ties between files created in the same second. */
  seq: number;
}

export interface FineTunedModelRecord {
  id: string;
  base: string;
  createdAtMs: number;
  jobId: string;
}

export interface FakeState {
  files: Map<string, FileRecord>;
  jobs: Map<string, JobRecord>;
  fineTunedModels: Map<string, FineTunedModelRecord>;
  nextSeq(): number;
  clear(): void;
}

export function createState(): FakeState {
  let seq = 0;
  const state: FakeState = {
    files: new Map(),
    jobs: new Map(),
    fineTunedModels: new Map(),
    nextSeq: () => ++seq,
    clear() {
      state.files.clear();
      state.jobs.clear();
      state.fineTunedModels.clear();
    },
  };
  return state;
}
