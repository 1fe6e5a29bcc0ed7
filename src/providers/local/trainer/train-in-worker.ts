import { Worker } from 'node:worker_threads';
import type { TrainThreadMessage, TrainThreadRequest } from './train-thread.js';
import type { LocalTrainEvent, LocalTrainSummary } from './trainer.js';

/**
 * Runs `trainLocalModel` in a worker thread, so a training of several seconds does not block
 * the caller's event loop (a BullMQ worker must keep renewing its job locks meanwhile).
 *
 * The thread file sits next to this module with this module's extension: `.js` when running
 * compiled from dist/, `.ts` in development (tsx, vitest). A `.ts` thread needs a TypeScript
 * loader, and on Node 20 a worker thread gets none: loader hooks registered in the parent (tsx's
 * `--import`) do not reach it, and `--import` in the worker's execArgv does not apply to its
 * entry module either. So a `.ts` thread starts from a small bootstrap that registers tsx's ESM
 * hooks inside the thread and then imports the entry. tsx is resolved from this file, not from
 * the working directory, which may be anywhere.
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

const THREAD_URL = new URL(
  import.meta.url.endsWith('.ts') ? './train-thread.ts' : './train-thread.js',
  import.meta.url,
);

function startThread(request: TrainThreadRequest): Worker {
  const options = { workerData: request, name: 'local-trainer' };
  if (!THREAD_URL.pathname.endsWith('.ts')) return new Worker(THREAD_URL, options);
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then(({ register }) => { register(); return import(${JSON.stringify(THREAD_URL.href)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

export function trainInWorker(
  request: TrainThreadRequest,
  options: TrainInWorkerOptions = {},
): Promise<TrainInWorkerResult> {
  const { signal, onEpoch } = options;
  return new Promise<TrainInWorkerResult>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const worker = startThread(request);
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
        settle(() =>
          resolve({ artifact: Buffer.from(artifact.buffer, artifact.byteOffset, artifact.byteLength), summary }),
        );
      } else {
        fail(asError(message.error));
      }
    });
    worker.on('error', (error) => fail(error));
    worker.on('exit', (code) =>
      settle(() => reject(new Error(`the training thread exited with code ${code} before it finished`))),
    );
  });
}
