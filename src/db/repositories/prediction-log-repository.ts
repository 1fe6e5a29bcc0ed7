import type pg from 'pg';
import type { NewPrediction } from '../schema/predictions.js';

/** A prediction as classify hands it to the log: the columns it always knows, and any others. */
export type PredictionLogEntry = Required<
  Pick<NewPrediction, 'id' | 'taskId' | 'inputHash' | 'latencyMs' | 'createdAt'>
> &
  NewPrediction;

/** A prediction in column form: what the log buffers, writes, and keeps in its files as JSON lines. */
export type PredictionLogRow = ReturnType<typeof toPredictionLogRow>;

// One statement per batch: the rows travel as one JSON parameter and are spread by Postgres.
const INSERT = `
INSERT INTO predictions (id, task_id, model_version_id, served_by, input_hash, input_text, label, confidence,
  probabilities, latency_ms, fallback_reason, error_code, error, api_key_id, created_at, cascade_id, stage,
  escalated, abstained)
SELECT id, task_id, model_version_id, served_by, input_hash, input_text, label, confidence,
  probabilities, latency_ms, fallback_reason, error_code, error, api_key_id, created_at, cascade_id, stage,
  escalated, coalesce(abstained, false)
FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, task_id uuid, model_version_id uuid, served_by text,
  input_hash text, input_text text, label text, confidence real, probabilities jsonb, latency_ms real,
  fallback_reason text, error_code text, error text, api_key_id text, created_at timestamptz, cascade_id uuid,
  stage smallint, escalated jsonb, abstained boolean)
ON CONFLICT (id) DO NOTHING`;

export const toPredictionLogRow = (entry: PredictionLogEntry) => ({
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
  // Served by a cascade; absent from lines spilled before cascades existed, which replay as single-model rows.
  cascade_id: entry.cascadeId ?? null,
  stage: entry.stage ?? null,
  escalated: entry.escalated ?? null,
  abstained: entry.abstained ?? false,
});

/**
 * The prediction log's writes, on the pg pool rather than through drizzle: they are classify's
 * hot path, and one statement per batch keeps a write a single round trip however large it is.
 * Driver errors are left as they are: the log decides from their SQLSTATE what to retry.
 */
export const predictionLogRepository = (pool: Pick<pg.Pool, 'query'>) => ({
  /** Writes the rows in one INSERT; a row already there (a retry after a lost acknowledgement) is skipped. */
  async insertBatch(rows: readonly PredictionLogRow[]): Promise<void> {
    await pool.query(INSERT, [JSON.stringify(rows)]);
  },
});

export type PredictionLogRepository = ReturnType<typeof predictionLogRepository>;
