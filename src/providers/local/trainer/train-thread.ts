import { parentPort, workerData } from 'node:worker_threads';
import {
  trainLocalModelSerialized,
  type LocalTrainEvent,
  type LocalTrainInput,
  type LocalTrainSummary,
} from './trainer.js';

/**
 * Entry point of the training worker thread started by `trainInWorker`: trains on the rows in
 * `workerData`, posts each epoch as it ends, then the serialised artifact (transferred, not
 * copied) and the summary, or the error.
 */

export type TrainThreadRequest = Omit<LocalTrainInput, 'onEpoch'>;

export type TrainThreadMessage =
  | { type: 'epoch'; event: LocalTrainEvent }
  | { type: 'done'; artifact: Uint8Array; summary: LocalTrainSummary }
  | { type: 'error'; error: unknown };

const port = parentPort;
if (!port) throw new Error('train-thread runs only as a worker thread; call trainInWorker instead');

try {
  const { buffer, summary } = trainLocalModelSerialized({
    ...(workerData as TrainThreadRequest),
    onEpoch: (event) => port.postMessage({ type: 'epoch', event } satisfies TrainThreadMessage),
  });
  // A copy with an ArrayBuffer of its own: gzip output can share a larger one, which must not be detached.
  const artifact = new Uint8Array(buffer);
  port.postMessage({ type: 'done', artifact, summary } satisfies TrainThreadMessage, [artifact.buffer]);
} catch (error) {
  port.postMessage({ type: 'error', error } satisfies TrainThreadMessage);
}
