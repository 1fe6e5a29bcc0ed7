import { Worker } from 'node:worker_threads';
import type { LocalTrainEvent, LocalTrainInput, LocalTrainSummary } from './trainer.js';

type ThreadMessage =
  | { type: 'epoch'; event: LocalTrainEvent }
  | { type: 'done'; buffer: Uint8Array; summary: LocalTrainSummary }
  | { type: 'error'; message: string };

/**
 * Trains in a worker thread so the calling process's event loop stays free (a BullMQ worker must
 * keep renewing its job locks while a model trains). Under tsx or vitest the thread runs the
 * TypeScript source through tsx; compiled, it runs the .js next to this file.
 */
export function trainInWorker(
  input: Omit<LocalTrainInput, 'onEpoch'>,
  options: { onEpoch?: (event: LocalTrainEvent) => void; signal?: AbortSignal } = {},
): Promise<{ artifact: Buffer; summary: LocalTrainSummary }> {
  const typescript = import.meta.url.endsWith('.ts');
  const entry = new URL(typescript ? './train-thread.ts' : './train-thread.js', import.meta.url);
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) return reject(options.signal.reason);
    // From TypeScript sources (tsx, vitest) the thread first registers tsx's loader, then loads the entry.
    const thread = typescript
      ? new Worker(
          `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); })`,
          { eval: true, workerData: input },
        )
      : new Worker(entry, { workerData: input });
    let settled = false;
    const finish = (action: () => void) => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener('abort', onAbort);
      action();
    };
    const onAbort = () => {
      void thread.terminate();
      finish(() => reject(options.signal?.reason ?? new Error('training aborted')));
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    thread.on('message', (message: ThreadMessage) => {
      if (message.type === 'epoch') options.onEpoch?.(message.event);
      else if (message.type === 'done') finish(() => resolve({ artifact: Buffer.from(message.buffer), summary: message.summary }));
      else finish(() => reject(new Error(`local training failed: ${message.message}`)));
      if (message.type !== 'epoch') void thread.terminate();
    });
    thread.on('error', (error) => finish(() => reject(error)));
    thread.on('exit', (code) => finish(() => reject(new Error(`the training thread exited (code ${code}) without a model`))));
  });
}
