import type pg from 'pg';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { NewPrediction } from '../../db/schema/predictions.js';

export interface PredictionLogSettings {
  /** Most records held in memory; callers wait for room beyond this (never dropped). */
  buffer: number;
  /** Records per INSERT. */
  batch: number;
  /** How long a record may wait for companions before it is written. */
  flushMs: number;
}

type Entry = Required<Pick<NewPrediction, 'id' | 'taskId' | 'inputHash' | 'latencyMs' | 'createdAt'>> & NewPrediction;

const RETRY_MS = [100, 250, 500, 1_000, 2_000];

// One statement per batch: the rows travel as one JSON parameter and are spread by Postgres.
const INSERT = `
INSERT INTO predictions (id, task_id, model_version_id, served_by, input_hash, input_text, label, confidence,
  probabilities, latency_ms, fallback_reason, error_code, error, api_key_id, created_at)
SELECT id, task_id, model_version_id, served_by, input_hash, input_text, label, confidence,
  probabilities, latency_ms, fallback_reason, error_code, error, api_key_id, created_at
FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, task_id uuid, model_version_id uuid, served_by text,
  input_hash text, input_text text, label text, confidence real, probabilities jsonb, latency_ms real,
  fallback_reason text, error_code text, error text, api_key_id text, created_at timestamptz)
ON CONFLICT (id) DO NOTHING`;

const toColumns = (entry: Entry) => ({
  id: entry.id,
  task_id: entry.taskId,
  model_version_id: entry.modelVersionId ?? null,
  served_by: entry.servedBy ?? null,
  input_hash: entry.inputHash,
  input_text: entry.inputText ?? null,
  label: entry.label ?? null,
  confidence: entry.confidence ?? null,
  probabilities: entry.probabilities ?? null,
  latency_ms: entry.latencyMs,
  fallback_reason: entry.fallbackReason ?? null,
  error_code: entry.errorCode ?? null,
  error: entry.error ?? null,
  api_key_id: entry.apiKeyId ?? null,
  created_at: entry.createdAt.toISOString(),
});

/**
 * The asynchronous, batched writer behind classify: a request only appends to memory, and a
 * batch INSERT writes what gathered. When Postgres falls behind the buffer fills up and callers
 * wait for room (counted in a metric) rather than records being dropped; a failed INSERT is
 * retried (ON CONFLICT makes a retry after a lost acknowledgement harmless). `drain()` writes
 * everything before the pool closes at shutdown.
 */
export function predictionLog(deps: { pool: pg.Pool; logger: Logger; metrics: Registry; settings: PredictionLogSettings }) {
  const { settings } = deps;
  let buffer: Entry[] = [];
  let flushing: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let waiting: Array<() => void> = [];

  const registers = [deps.metrics];
  new Gauge({ name: 'tuneline_prediction_log_buffered', help: 'Prediction records waiting to be written', registers, collect() { this.set(buffer.length); } });
  const written = new Counter({ name: 'tuneline_prediction_log_written_total', help: 'Prediction records written to Postgres', registers });
  const backpressure = new Counter({ name: 'tuneline_prediction_log_full_total', help: 'Times a request waited because the prediction log buffer was full', registers });
  const failures = new Counter({ name: 'tuneline_prediction_log_write_errors_total', help: 'Batch INSERTs that failed and were retried', registers });

  const wakeWaiters = () => {
    const ready = waiting;
    waiting = [];
    for (const wake of ready) wake();
  };

  const writeBatch = async (batch: Entry[]) => {
    for (let attempt = 0; ; attempt++) {
      try {
        await deps.pool.query(INSERT, [JSON.stringify(batch.map(toColumns))]);
        return;
      } catch (error) {
        failures.inc();
        deps.logger.error({ err: error, records: batch.length, attempt }, 'prediction log write failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)]));
      }
    }
  };

  const flush = (): Promise<void> => {
    if (timer) clearTimeout(timer), (timer = undefined);
    flushing ??= (async () => {
      try {
        while (buffer.length > 0) {
          const batch = buffer.slice(0, settings.batch);
          await writeBatch(batch);
          // Only appends happen meanwhile, so the written records are still the first ones.
          buffer = buffer.slice(batch.length);
          written.inc(batch.length);
          wakeWaiters();
        }
      } finally {
        flushing = undefined;
      }
    })();
    return flushing;
  };

  const schedule = () => {
    if (buffer.length >= settings.batch) void flush();
    else if (!timer && !flushing) timer = setTimeout(() => void flush(), settings.flushMs);
  };

  return {
    /** Adds a record; resolves at once unless the buffer is full, then once there is room. */
    async record(entry: Entry): Promise<void> {
      while (buffer.length >= settings.buffer) {
        backpressure.inc();
        void flush();
        await new Promise<void>((resolve) => waiting.push(resolve));
      }
      buffer.push(entry);
      schedule();
    },

    /** Writes everything recorded so far (the last batch too); used at shutdown. */
    async drain(): Promise<void> {
      while (buffer.length > 0 || flushing) await flush();
    },

    get buffered(): number {
      return buffer.length;
    },
  };
}

export type PredictionLog = ReturnType<typeof predictionLog>;
