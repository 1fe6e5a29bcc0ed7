import type { DatasetRowsRepository } from '../db/repositories/dataset-rows-repository.js';
import { ItemFailedError, RunFatalError, type CallTarget, type ProviderCalls } from './inference/provider-calls.js';

type Answer = Awaited<ReturnType<ProviderCalls['classify']>>;

/** What starting and failing set on a chunked record, whichever kind it is. */
interface Changes {
  startedAt?: Date;
  finishedAt?: Date;
  errorCode?: string;
  errorMessage?: string;
}

/**
 * A kind of work split into chunk jobs (label runs, evaluations): its record's repository and the
 * few things particular to it. The rest of a chunk is the same for every kind and lives here.
 */
export interface ChunkKind<R extends { id: string; status: string }, I extends { exampleId: string }> {
  records: {
    findById(id: string): Promise<R | undefined>;
    transition(
      id: string,
      from: ('queued' | 'running')[],
      to: 'running' | 'failed',
      changes: Changes,
    ): Promise<R | undefined>;
    /** The chunk's items that have no answer yet, in order. */
    pendingItems(id: string, fromSeq: number, toSeq: number): Promise<I[]>;
  };
  /** Still worth working on? Asked again before every item, so cancel and failure take effect at once. */
  isActive(record: R): boolean;
  /** Records an answer once; false when another worker recorded this item first. */
  recordAnswer(id: string, item: I, result: Answer): Promise<boolean>;
  /** Records that the provider rejected this one text (retrying would not help). */
  recordFailure(id: string, item: I, error: ItemFailedError): Promise<unknown>;
  /** Finishes the record when all of its chunks are through. */
  finalizer: { finalizeIfDone(id: string): Promise<unknown> };
  /** Wakes whoever waits on the record (a pipeline step) once it has ended. */
  ended(id: string): Promise<void>;
}

/** What one chunk job adds to its kind: what to call, and what stops it early. */
export interface ChunkPlan {
  target: CallTarget;
  /** Stop before the next item and keep what is done (a label run's cost limit)? */
  stopBefore?(): Promise<boolean>;
  /** Runs before the record fails because the provider refuses every call. */
  beforeFail?(error: RunFatalError): Promise<unknown>;
}

/**
 * The loop label runs and evaluations share: every item of a chunk without an answer yet,
 * classified under the shared rate limits (provider-calls.ts waits, retries and sorts failures),
 * its answer or its failure recorded; a failure of the whole provider fails the record.
 */
export const chunkLoop = <R extends { id: string; status: string }, I extends { exampleId: string }>(
  deps: { datasetRowsRepo: Pick<DatasetRowsRepository, 'textsByIds'>; calls: Pick<ProviderCalls, 'classify'> },
  kind: ChunkKind<R, I>,
) => {
  const active = async (id: string) => {
    const record = await kind.records.findById(id);
    return record && kind.isActive(record) ? record : undefined;
  };

  /** Fails the record from queued or running, and wakes whoever waits on it. */
  const fail = async (id: string, errorCode: string, errorMessage: string) => {
    await kind.records.transition(id, ['queued', 'running'], 'failed', {
      errorCode,
      errorMessage,
      finishedAt: new Date(),
    });
    await kind.ended(id);
  };

  return {
    /** The record if still worth working on; the first chunk to start moves it from queued to running. */
    async start(id: string): Promise<R | undefined> {
      const record = await active(id);
      if (record?.status !== 'queued') return record;
      return (await kind.records.transition(record.id, ['queued'], 'running', { startedAt: new Date() })) ?? record;
    },

    fail,

    async run(
      id: string,
      range: { fromSeq: number; toSeq: number },
      plan: ChunkPlan,
      signal?: AbortSignal,
    ): Promise<{ answered: number }> {
      const pending = await kind.records.pendingItems(id, range.fromSeq, range.toSeq);
      const texts = await deps.datasetRowsRepo.textsByIds(pending.map((item) => item.exampleId));
      let answered = 0;
      for (const item of pending) {
        // Shutting down: give the rest of the chunk back (the job fails and is retried elsewhere).
        signal?.throwIfAborted();
        if (!(await active(id))) return { answered };
        if (plan.stopBefore && (await plan.stopBefore())) break;
        try {
          const result = await deps.calls.classify(plan.target, texts.get(item.exampleId) ?? '', signal);
          if (await kind.recordAnswer(id, item, result)) answered += 1;
        } catch (error) {
          if (error instanceof RunFatalError) {
            await plan.beforeFail?.(error);
            await fail(id, error.code, error.message);
            return { answered };
          }
          if (!(error instanceof ItemFailedError)) throw error;
          await kind.recordFailure(id, item, error);
        }
      }
      await kind.finalizer.finalizeIfDone(id);
      return { answered };
    },
  };
};
