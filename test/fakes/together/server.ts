import type { Socket } from 'node:net';
import multipart from '@fastify/multipart';
import Fastify, { type FastifyInstance } from 'fastify';
import { controlRoutes } from '../shared/control.js';
import { acceptEmptyJson } from '../shared/empty-json.js';
import { seededRandom } from '../shared/random.js';
import { createRequestLog, type RecordedRequest } from '../shared/request-log.js';
import type { ScriptRule } from '../shared/scripting.js';
import { chatRoutes } from './chat.js';
import type { FakeContext } from './context.js';
import { endpointRoutes } from './endpoints.js';
import { errors } from './errors.js';
import { createFaultInjector } from './faults.js';
import { fileRoutes, storageRoutes } from './files.js';
import { fineTuningRoutes } from './fine-tuning.js';
import { createModelRegistry, modelRoutes } from './models.js';
import {
  describeOptions,
  mergeOptions,
  type ResolvedOptions,
  resolveOptions,
  type TogetherFakeOptions,
} from './options.js';
import { installPipeline, recordRequests } from './pipeline.js';
import { createRateLimiter } from './rate-limiter.js';
import { createState, type FakeState } from './state.js';
import { createStats, type FakeStats } from '../shared/stats.js';

export interface TogetherFake {
  /** Base URL for the SDK, e.g. `http://127.0.0.1:54321/v1`. */
  url: string;
  port: number;
  /** Files, jobs, fine-tuned models and endpoints, live. */
  state: FakeState;
  /** Log of requests to the Together surface and the upload storage (bounded by `maxLoggedRequests`), live. */
  requests: RecordedRequest[];
  /** Changes options; nested groups (faults, rateLimits, jobTiming, endpointTiming) merge one level deep. */
  configure(patch: TogetherFakeOptions): void;
  /** Sets (or with null clears) what the models answer. */
  script(rule: ScriptRule | null): void;
  /** Back to the options given at start, with no files, jobs, endpoints, logs, counts or used limits. */
  reset(): void;
  stats(): FakeStats;
  options(): ResolvedOptions;
  close(): Promise<void>;
  /** The Fastify instance, e.g. for `inject()`. */
  app: FastifyInstance;
}

const MAX_UPLOAD_BYTES = 512 * 1024 * 1024;

export async function startTogetherFake(initial: TogetherFakeOptions = {}): Promise<TogetherFake> {
  const startOptions = resolveOptions(initial);
  let options = startOptions;
  let random = randomFor(options.seed);
  let origin = '';
  const state = createState();
  const stats = createStats({});
  const log = createRequestLog(() => options.maxLoggedRequests);
  const now = () => options.now();
  const limiter = createRateLimiter(() => options.rateLimits, now);
  const faults = createFaultInjector(stats, () => random());
  faults.reset(options.faults);
  let advanceJobs = (): void => undefined;
  const models = createModelRegistry(
    () => options,
    state,
    now,
    () => advanceJobs(),
  );
  const ctx: FakeContext = { options: () => options, now, state, limiter, stats, log, models, origin: () => origin };
  const hung = new Set<Socket>();

  const app = Fastify({ logger: false, forceCloseConnections: true, bodyLimit: MAX_UPLOAD_BYTES });
  acceptEmptyJson(app, errors.invalidJson);
  await app.register(multipart, { limits: { fileSize: MAX_UPLOAD_BYTES, files: 1 } });
  await app.register(
    async (v1) => {
      installPipeline(v1, ctx, faults, hung);
      chatRoutes(v1, ctx);
      fileRoutes(v1, ctx);
      advanceJobs = fineTuningRoutes(v1, ctx).advanceAll;
      endpointRoutes(v1, ctx);
      modelRoutes(v1, models);
    },
    { prefix: '/v1' },
  );
  await app.register(
    async (storage) => {
      recordRequests(storage, ctx);
      storageRoutes(storage, ctx, MAX_UPLOAD_BYTES);
    },
    { prefix: '/_storage' },
  );

  const fake: TogetherFake = {
    url: '',
    port: 0,
    state,
    requests: log.entries,
    app,
    configure(patch) {
      options = mergeOptions(options, patch);
      if (patch.rateLimits) limiter.reset();
      if (patch.seed !== undefined) random = randomFor(patch.seed);
      if (patch.faults) faults.configure(options.faults, patch.faults);
    },
    script(rule) {
      options = { ...options, script: rule ?? undefined };
    },
    reset() {
      options = startOptions;
      random = randomFor(options.seed);
      state.clear();
      limiter.reset();
      stats.reset();
      log.clear();
      faults.reset(options.faults);
    },
    stats: (): FakeStats => ({ ...stats.snapshot(), pendingStatuses: faults.pending().length }),
    options: () => options,
    async close() {
      for (const socket of hung) socket.destroy();
      hung.clear();
      await app.close();
    },
  };

  await app.register(
    async (control) =>
      controlRoutes(control, {
        configure: fake.configure,
        script: fake.script,
        reset: fake.reset,
        stats: fake.stats,
        options: () => describeOptions(options),
        requests: log.entries,
        clearRequests: log.clear,
        url: () => fake.url,
      }),
    { prefix: '/_fake' },
  );

  await app.listen({ host: options.host, port: options.port });
  const address = app.server.address();
  fake.port = typeof address === 'object' && address ? address.port : options.port;
  origin = `http://${options.host}:${fake.port}`;
  fake.url = `${origin}/v1`;
  return fake;
}

const randomFor = (seed: number | undefined): (() => number) => (seed === undefined ? Math.random : seededRandom(seed));
