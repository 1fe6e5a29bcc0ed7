import { describe, expect, it } from 'vitest';
import { deserializeArtifact } from './artifact.js';
import { trainInWorker } from './train-in-worker.js';
import { trainLocalModelSerialized, type LocalTrainEvent } from './trainer.js';

// Vitest runs this file through its own transform, so the thread is the .ts entry started with
// tsx registered inside it: the development path. The compiled path is the same code from dist/.
const labels = ['alpha', 'beta', 'gamma'];
const train = Array.from({ length: 600 }, (_, i) => {
  const label = labels[i % 3]!;
  return { text: `${label} word${i % 17} ${label}ish text number ${i % 11}`, label };
});

describe('trainInWorker', () => {
  it('returns the same model as training in-process, and reports every epoch', async () => {
    const events: LocalTrainEvent[] = [];
    const inProcess = trainLocalModelSerialized({ train, labels, options: { seed: 3 } });
    const threaded = await trainInWorker(
      { train, labels, options: { seed: 3 } },
      { onEpoch: (event) => events.push(event) },
    );
    expect(threaded.artifact.equals(inProcess.buffer)).toBe(true);
    expect(threaded.summary).toEqual(inProcess.summary);
    expect(deserializeArtifact(threaded.artifact).labels).toEqual(labels);
    expect(events.length).toBeGreaterThan(0);
    expect(events.map((event) => event.epoch)).toEqual([...events.map((event) => event.epoch)].sort((a, b) => a - b));
    expect(events[0]).toMatchObject({ epoch: 1, epochs: 10 });
  });

  it('keeps the event loop free while training', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    await trainInWorker({ train: [...train, ...train, ...train], labels });
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(5);
  });

  it('rejects with the training error', async () => {
    await expect(trainInWorker({ train, labels: ['alpha'] })).rejects.toThrow(RangeError);
    await expect(trainInWorker({ train, labels: ['alpha'] })).rejects.toThrow(/has label "beta"/);
  });

  it('terminates the thread when the signal aborts, and rejects at once when it already has', async () => {
    const controller = new AbortController();
    const running = trainInWorker({ train, labels }, { signal: controller.signal });
    controller.abort(new Error('cancelled'));
    await expect(running).rejects.toThrow('cancelled');
    await expect(trainInWorker({ train, labels }, { signal: controller.signal })).rejects.toThrow('cancelled');
  });

  it('rejects when the epoch callback throws', async () => {
    await expect(
      trainInWorker(
        { train, labels },
        {
          onEpoch: () => {
            throw new Error('listener failed');
          },
        },
      ),
    ).rejects.toThrow('listener failed');
  });
});
