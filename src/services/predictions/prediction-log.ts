import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import {
  toPredictionLogRow,
  type PredictionLogEntry,
  type PredictionLogRepository,
  type PredictionLogRow,
} from '../../db/repositories/prediction-log-repository.js';
import { isPermanentWriteError, sqlstateOf } from '../../domain/predictions/write-failure.js';
import { spillFile } from './prediction-spill.js';

export interface PredictionLogSettings {
  /** Most records held in memory; callers wait for room beyond this (never dropped). */
  buffer: number;
  /** Records per INSERT. */
  batch: number;
  /** How long a record may wait for companions before it is written. */
  flushMs: number;
  /** Where records Postgres refuses (quarantine) and records left at shutdown are kept. */
  spillDir: string;
  /** Records pending this long without a successful write make the log (and readiness) down. */
  stallMs: number;
}

export interface PredictionLogHealth {
  status: 'up' | 'down';
  buffered: number;
  error?: string;
}

const RETRY_MS = [100, 250, 500, 1_000, 2_000];

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Thrown inside the writer once the log is closed, so a retrying batch stops and is spilled instead. */
class Closed extends Error {}

/**
 * The asynchronous, batched writer behind classify: a request only appends to memory, and a
 * batch INSERT writes what gathered. When Postgres falls behind the buffer fills up and callers
 * wait for room (counted in a metric) rather than records being dropped; a failed INSERT is
 * retried (ON CONFLICT makes a retry after a lost acknowledgement harmless). A batch Postgres
 * refuses for its content is split until the refused record is found, which is quarantined to a
 * file, so one record can never stop the log. `close()` writes what it can before the pool closes
 * at shutdown and spills the rest to a file.
 */
export function predictionLog(deps: {
  predictionLogRepo: Pick<PredictionLogRepository, 'insertBatch'>;
  logger: Logger;
  metrics: Registry;
  settings: PredictionLogSettings;
}) {
  const { settings, logger } = deps;
  let buffer: PredictionLogRow[] = [];
  let flushing: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let waiting: Array<() => void> = [];
  let closed = false;
  // When the log last made progress (a write, a quarantine) or, if later, when records started waiting.
  let progressAt = Date.now();
  // Rows of the batch in flight that are already written or quarantined (bisection settles parts).
  let settled = new WeakSet<PredictionLogRow>();
  const quarantineFile = spillFile(settings.spillDir, 'quarantine');

  const registers = [deps.metrics];
  new Gauge({
    name: 'tuneline_prediction_log_buffered',
    help: 'Prediction records waiting to be written',
    registers,
    collect() {
      this.set(buffer.length);
    },
  });
  const written = new Counter({
    name: 'tuneline_prediction_log_written_total',
    help: 'Prediction records written to Postgres',
    registers,
  });
  const backpressure = new Counter({
    name: 'tuneline_prediction_log_full_total',
    help: 'Times a request waited because the prediction log buffer was full',
    registers,
  });
  const failures = new Counter({
    name: 'tuneline_prediction_log_write_errors_total',
    help: 'Batch INSERTs that failed (retried, or split when Postgres refused their content)',
    registers,
  });
  const quarantined = new Counter({
    name: 'tuneline_prediction_log_quarantined_total',
    help: 'Prediction records Postgres refused, kept in a quarantine file instead',
    registers,
  });
  const spilled = new Counter({
    name: 'tuneline_prediction_log_spilled_total',
    help: 'Prediction records not written by shutdown, kept in a file instead',
    registers,
  });

  const wakeWaiters = () => {
    const ready = waiting;
    waiting = [];
    for (const wake of ready) wake();
  };

  const settle = (rows: PredictionLogRow[]) => {
    for (const row of rows) settled.add(row);
    progressAt = Date.now();
  };

  const quarantine = async (row: PredictionLogRow, error: unknown) => {
    const sqlstate = sqlstateOf(error) ?? null;
    const reason = error instanceof Error ? error.message : String(error);
    quarantined.inc();
    // Ids and the database's reason only: no input text and nothing about the caller's key.
    const about = { prediction_id: row.id, task_id: row.task_id, sqlstate, reason, file: quarantineFile.path };
    try {
      await quarantineFile.append([{ ...row, quarantine: { sqlstate, reason, at: new Date().toISOString() } }]);
      logger.error(about, 'prediction record refused by Postgres; quarantined to the file named here');
    } catch (fileError) {
      logger.error(
        { ...about, file_error: (fileError as Error).message },
        'prediction record refused by Postgres and could not be kept: lost',
      );
    }
  };

  /** Writes rows, or quarantines those Postgres refuses; retries transient failures until closed. */
  const writeRows = async (rows: PredictionLogRow[]): Promise<void> => {
    for (let attempt = 0; ; attempt++) {
      if (closed) throw new Closed();
      try {
        await deps.predictionLogRepo.insertBatch(rows);
        written.inc(rows.length);
        settle(rows);
        return;
      } catch (error) {
        failures.inc();
        if (isPermanentWriteError(error)) {
          if (rows.length === 1) {
            await quarantine(rows[0]!, error);
            settle(rows);
            return;
          }
          // Halving finds each refused record in log2(batch) statements and writes the rest.
          const half = Math.ceil(rows.length / 2);
          await writeRows(rows.slice(0, half));
          await writeRows(rows.slice(half));
          return;
        }
        logger.error(
          { sqlstate: sqlstateOf(error), reason: (error as Error).message, records: rows.length, attempt },
          'prediction log write failed; retrying',
        );
        await sleep(RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)]!);
      }
    }
  };

  const flush = (): Promise<void> => {
    if (timer) {
      clearTimeout(timer);
      timer = undefined;
    }
    flushing ??= (async () => {
      try {
        while (buffer.length > 0 && !closed) {
          const batch = buffer.slice(0, settings.batch);
          await writeRows(batch);
          if (closed) return;
          // Only appends happen meanwhile, so the written records are still the first ones.
          buffer = buffer.slice(batch.length);
          settled = new WeakSet();
          wakeWaiters();
        }
      } catch (error) {
        if (!(error instanceof Closed)) throw error;
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

  const drain = async (): Promise<void> => {
    while ((buffer.length > 0 || flushing) && !closed) await flush();
  };

  /** Keeps what is not written in a file, so shutdown loses nothing the API answered. */
  const spill = async (rows: PredictionLogRow[]): Promise<void> => {
    if (rows.length === 0) return;
    const file = spillFile(settings.spillDir, 'unwritten');
    try {
      await file.append(rows);
      spilled.inc(rows.length);
      logger.error(
        { records: rows.length, file: file.path },
        'prediction records not written before shutdown; kept in the file named here',
      );
    } catch (fileError) {
      logger.error(
        { records: rows.length, file: file.path, file_error: (fileError as Error).message },
        'prediction records not written before shutdown and could not be kept: lost',
      );
    }
  };

  return {
    /** Adds a record; resolves at once unless the buffer is full, then once there is room. */
    async record(entry: PredictionLogEntry): Promise<void> {
      const row = toPredictionLogRow(entry);
      while (buffer.length >= settings.buffer && !closed) {
        backpressure.inc();
        void flush();
        await new Promise<void>((resolve) => waiting.push(resolve));
      }
      // A request that waited for room through shutdown still has its answer kept.
      if (closed) return spill([row]);
      if (buffer.length === 0) progressAt = Date.now();
      buffer.push(row);
      schedule();
    },

    /** Writes everything recorded so far (the last batch too), however long Postgres takes. */
    drain,

    /**
     * Shutdown: writes what it can within `withinMs`, then stops writing and spills whatever is
     * left (the batch in flight included) to a file named in the log.
     */
    async close(withinMs: number): Promise<void> {
      let timeout: NodeJS.Timeout | undefined;
      await Promise.race([drain(), new Promise<void>((resolve) => (timeout = setTimeout(resolve, withinMs)))]);
      clearTimeout(timeout);
      if (timer) {
        clearTimeout(timer);
        timer = undefined;
      }
      closed = true;
      const left = buffer.filter((row) => !settled.has(row));
      buffer = [];
      wakeWaiters();
      await spill(left);
    },

    /** Down when the buffer is full or records have waited `stallMs` without any write succeeding. */
    health(): PredictionLogHealth {
      const buffered = buffer.length;
      if (buffered >= settings.buffer)
        return { status: 'down', buffered, error: `buffer full (${buffered} records); requests are waiting` };
      const stalledMs = Date.now() - progressAt;
      if (buffered > 0 && stalledMs > settings.stallMs) {
        return { status: 'down', buffered, error: `no write for ${stalledMs} ms with ${buffered} records pending` };
      }
      return { status: 'up', buffered };
    },

    get buffered(): number {
      return buffer.length;
    },
  };
}

export type PredictionLog = ReturnType<typeof predictionLog>;
