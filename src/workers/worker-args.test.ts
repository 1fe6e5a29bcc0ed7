import { describe, expect, it } from 'vitest';
import { StartupError } from '../lib/startup-error.js';
import { QUEUE_NAMES } from '../queues/queue-registry.js';
import { DEFAULT_CONCURRENCY, parseWorkerArgs } from './worker-args.js';

describe('parseWorkerArgs', () => {
  it('runs every queue by default', () => {
    expect(parseWorkerArgs([])).toEqual({ queueNames: [...QUEUE_NAMES], concurrency: DEFAULT_CONCURRENCY });
  });

  it('takes queues and concurrency', () => {
    expect(parseWorkerArgs(['--queues', 'housekeeping, housekeeping', '--concurrency', '8'])).toEqual({
      queueNames: ['housekeeping'],
      concurrency: 8,
    });
  });

  it.each([
    [['--queues', 'labelling'], /unknown queue\(s\) "labelling"/],
    [['--concurrency', '0'], /--concurrency must be a whole number/],
    [['--concurrency', '2.5'], /--concurrency must be a whole number/],
    [['--threads', '2'], /Unknown option '--threads'/],
  ])('refuses %j', (args, message) => {
    expect(() => parseWorkerArgs(args)).toThrow(StartupError);
    expect(() => parseWorkerArgs(args)).toThrow(message);
  });
});
