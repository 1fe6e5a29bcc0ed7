import type { EndpointRecord } from './endpoint-simulation.js';
import type { JobRecord } from './fine-tuning-simulation.js';
import type { ValidationReport } from './training-data.js';

/** Everything the fake remembers, in memory. Exposed as `fake.state` for white-box assertions. */

export type FilePurpose =
  | 'fine-tune'
  | 'eval'
  | 'eval-sample'
  | 'eval-output'
  | 'eval-summary'
  | 'batch-generated'
  | 'batch-api';
export type FileType = 'jsonl' | 'csv' | 'parquet';

export interface FileRecord {
  id: string;
  filename: string;
  purpose: FilePurpose;
  fileType: FileType;
  /** Null while a pre-signed upload is still awaited. */
  content: Buffer | null;
  createdAtMs: number;
  /** When `Processed` turns true; Infinity until the content has arrived. */
  processedAtMs: number;
  report: ValidationReport | null;
  /** The pre-signed upload's token, until the content arrives. */
  uploadToken: string | null;
  /** Insertion order, to break ties between files created in the same second. */
  seq: number;
}

export interface FineTunedModelRecord {
  name: string;
  base: string;
  jobId: string;
  createdAtMs: number;
}

export interface FakeState {
  files: Map<string, FileRecord>;
  jobs: Map<string, JobRecord>;
  fineTunedModels: Map<string, FineTunedModelRecord>;
  endpoints: Map<string, EndpointRecord>;
  nextSeq(): number;
  clear(): void;
}

export function createState(): FakeState {
  let seq = 0;
  const state: FakeState = {
    files: new Map(),
    jobs: new Map(),
    fineTunedModels: new Map(),
    endpoints: new Map(),
    nextSeq: () => ++seq,
    clear() {
      state.files.clear();
      state.jobs.clear();
      state.fineTunedModels.clear();
      state.endpoints.clear();
    },
  };
  return state;
}
