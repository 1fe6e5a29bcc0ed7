import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { TrainThreadMessage, TrainThreadRequest } from './train-thread.js';
import type { LocalTrainEvent, LocalTrainSummary } from './trainer.js';

/**
 * Runs `trainLocalModel` in a worker thread, so a training of several seconds does not block
 * the caller's event loop (a BullMQ worker must keep renewing its job locks meanwhile).
 *
 * The thread file sits next to this module with this module's extension: `.js` when running
 * compiled from dist/, `.ts` in development. A `.ts` thread needs a TypeScript loader. Under tsx
 * (`tsx` or `node --import tsx`) worker threads inherit the loader through execArgv; anywhere
 * else (vitest, which transforms TypeScript only in its own module runner) the thread is started
 * with `--import tsx` explicitly.
 */

export interface TrainInWorkerResult {
  /** The serialised artifact (`serializeArtifact` output), ready for a bytea column. */
  artifact: Buffer;
  summary: LocalTrainSummary;
}

export interface TrainInWorkerOptions {
  /** Aborting terminates the thread at once and rejects with the signal's reason. */
  signal?: AbortSignal;
  onEpoch?: (event: LocalTrainEvent) => void;
}

const THREAD_URL = new URL(import.meta.url.endsWith('.ts') ? './train-thread.ts' : './train-thread.js', import.meta.url);

function threadExecArgv(): string[] | undefined {
  if (!THREAD_URL.pathname.endsWith('.ts')) return undefined;
  if (process.execArgv.some((arg) => arg.includes('tsx'))) return undefined;
  // Resolved from this file, not the working directory, which may be anywhere.
  return ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href];
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

export function trainInWorker(request: TrainThreadRequest, options: TrainInWorkerOptions = {}): Promise<TrainInWorkerResult> {
  const { signal, onEpoch } = options;
  return new Promise<TrainInWorkerResult>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const execArgv = threadExecArgv();
    const worker = new Worker(THREAD_URL, { workerData: request, name: 'local-trainer', ...(execArgv ? { execArgv } : {}) });
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      outcome();
    };
    const fail = (error: unknown) => {
      settle(() => reject(error));
      void worker.terminate();
    };
    const onAbort = () => fail(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });

    worker.on('message', (message: TrainThreadMessage) => {
      if (message.type === 'epoch') {
        if (settled) return;
        try {
          onEpoch?.(message.event);
        } catch (error) {
          fail(error);
        }
      } else if (message.type === 'done') {
        const { artifact, summary } = message;
        settle(() => resolve({ artifact: Buffer.from(artifact.buffer, artifact.byteOffset, artifact.byteLength), summary }));
      } else {
        fail(asError(message.error));
      }
    });
    worker.on('error', (error) => fail(error));
    worker.on('exit', (code) => settle(() => reject(new Error(`the training thread exited with code ${code} before it finished`))));
  });
}
