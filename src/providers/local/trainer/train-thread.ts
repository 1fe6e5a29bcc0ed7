import { parentPort, workerData } from 'node:worker_threads';
import { trainLocalModelSerialized, type LocalTrainInput } from './trainer.js';

/** The worker-thread side of trainInWorker: train, post each epoch, then the serialised model. */
const input = workerData as Omit<LocalTrainInput, 'onEpoch'>;
try {
  const { buffer, summary } = trainLocalModelSerialized({
    ...input,
    onEpoch: (event) => parentPort?.postMessage({ type: 'epoch', event }),
  });
  parentPort?.postMessage({ type: 'done', buffer, summary });
} catch (error) {
  parentPort?.postMessage({ type: 'error', message: error instanceof Error ? error.message : String(error) });
}
