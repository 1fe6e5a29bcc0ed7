import type { Socket } from 'node:net';
import multipart from '@fastify/multipart';
import Fastify, { type FastifyInstance } from 'fastify';
import { controlRoutes } from './control.js';
import { acceptEmptyJson } from './empty-json.js';
import type { FaultInjector, InjectableFaults } from './fault-injector.js';
import { seededRandom } from './random.js';
import { createRequestLog, type RecordedRequest, type RequestLog } from './request-log.js';
import type { ScriptRule } from './scripting.js';

/**
 * Starting a provider fake, the same for each: one Fastify instance (JSON that may be empty,
 * multipart uploads), options that `configure()` changes and `reset()` restores, a seedable random
 * source, the request log, the control routes under /_fake, and a `close()` that also drops the
 * connections a `hang` fault holds open. The provider builds its state, limits, faults and routes.
 */

export const MAX_UPLOAD_BYTES = 512 * 1024 * 1024;

/** The resolved options every fake has. */
export interface CommonOptions {
  host: string;
  port: number;
  seed: number | undefined;
  maxLoggedRequests: number;
  script: ScriptRule | undefined;
  faults: InjectableFaults;
  now(): number;
}

/** What `configure()` acts on in a patch, beyond merging it into the options. */
export interface CommonPatch {
  seed?: number;
  rateLimits?: object;
  faults?: InjectableFaults;
}

/** What the shared setup gives the provider's parts. */
export interface FakeRuntime<Options> {
  options(): Options;
  now(): number;
  random(): number;
  log: RequestLog;
  /** Sockets of hung requests (for the shared pipeline), destroyed on `close()`. */
  hung: Set<Socket>;
  /** The fake's origin, e.g. `http://127.0.0.1:54321`; known once it listens. */
  origin(): string;
}

/** What the provider builds; the shared setup resets and reports it. */
export interface FakeParts<State, Stats> {
  state: State;
  stats: { snapshot(): Stats; reset(): void };
  limiter: { reset(): void };
  faults: FaultInjector<unknown>;
  /** Registers the provider's routes: its surface under /v1, and anything beside it. */
  routes(app: FastifyInstance): PromiseLike<unknown>;
}

export interface ProviderSetup<Options, Patch, State, Stats> {
  /** The resolved start options, which `reset()` goes back to. */
  options: Options;
  /** `configure()`'s merge of a patch into the options. */
  merge(current: Options, patch: Patch): Options;
  /** The provider's answer to a malformed JSON body. */
  invalidJson(): Error;
  build(runtime: FakeRuntime<Options>): FakeParts<State, Stats>;
}

export interface ProviderFake<Options, Patch, State, Stats> {
  /** Base URL for the SDK, e.g. `http://127.0.0.1:54321/v1`. */
  url: string;
  port: number;
  /** What the fake remembers (files, jobs, …), live. */
  state: State;
  /** Log of requests to the provider's surface (bounded by `maxLoggedRequests`), live. */
  requests: RecordedRequest[];
  /** Changes options; the nested option groups merge one level deep. */
  configure(patch: Patch): void;
  /** Sets (or with null clears) what the models answer. */
  script(rule: ScriptRule | null): void;
  /** Back to the options given at start, with nothing remembered, logged, counted or used of the limits. */
  reset(): void;
  stats(): Stats;
  options(): Options;
  close(): Promise<void>;
  /** The Fastify instance, e.g. for `inject()`. */
  app: FastifyInstance;
}

export async function startFake<
  Options extends CommonOptions,
  Patch extends CommonPatch,
  State extends { clear(): void },
  Stats extends { pendingStatuses: number },
>(setup: ProviderSetup<Options, Patch, State, Stats>): Promise<ProviderFake<Options, Patch, State, Stats>> {
  const startOptions = setup.options;
  let options = startOptions;
  let random = randomFor(options.seed);
  let origin = '';
  const log = createRequestLog(() => options.maxLoggedRequests);
  const hung = new Set<Socket>();
  const { state, stats, limiter, faults, routes } = setup.build({
    options: () => options,
    now: () => options.now(),
    random: () => random(),
    log,
    hung,
    origin: () => origin,
  });
  faults.reset(options.faults);

  const app = Fastify({ logger: false, forceCloseConnections: true, bodyLimit: MAX_UPLOAD_BYTES });
  acceptEmptyJson(app, setup.invalidJson);
  await app.register(multipart, { limits: { fileSize: MAX_UPLOAD_BYTES, files: 1 } });
  await routes(app);

  const fake: ProviderFake<Options, Patch, State, Stats> = {
    url: '',
    port: 0,
    state,
    requests: log.entries,
    app,
    configure(patch) {
      options = setup.merge(options, patch);
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
    stats: (): Stats => ({ ...stats.snapshot(), pendingStatuses: faults.pending().length }),
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

/** The options as JSON (no clock, no function script), for `GET /_fake/options`. */
function describeOptions(options: CommonOptions): Record<string, unknown> {
  const { now: _now, script, ...rest } = options;
  return { ...rest, script: typeof script === 'function' ? '[function]' : (script ?? null) };
}
