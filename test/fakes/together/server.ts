import { MAX_UPLOAD_BYTES, type ProviderFake, startFake } from '../shared/server.js';
import { createStats, type FakeStats } from '../shared/stats.js';
import { chatRoutes } from './chat.js';
import type { FakeContext } from './context.js';
import { endpointRoutes } from './endpoints.js';
import { errors } from './errors.js';
import { createFaultInjector } from './faults.js';
import { fileRoutes, storageRoutes } from './files.js';
import { fineTuningRoutes } from './fine-tuning.js';
import { createModelRegistry, modelRoutes } from './models.js';
import { mergeOptions, type ResolvedOptions, resolveOptions, type TogetherFakeOptions } from './options.js';
import { installPipeline, recordRequests } from './pipeline.js';
import { createRateLimiter } from './rate-limiter.js';
import { createState, type FakeState } from './state.js';

/**
 * The Together fake (shared/server.ts): `state` holds files, jobs, fine-tuned models and endpoints,
 * `requests` the requests to the Together surface and the upload storage, and `configure()` merges
 * faults, rateLimits, jobTiming and endpointTiming one level deep.
 */
export type TogetherFake = ProviderFake<ResolvedOptions, TogetherFakeOptions, FakeState, FakeStats>;

export async function startTogetherFake(initial: TogetherFakeOptions = {}): Promise<TogetherFake> {
  return startFake({
    options: resolveOptions(initial),
    merge: mergeOptions,
    invalidJson: errors.invalidJson,
    build({ options, now, random, log, hung, origin }) {
      const state = createState();
      const stats = createStats({});
      const limiter = createRateLimiter(() => options().rateLimits, now);
      const faults = createFaultInjector(stats, random);
      let advanceJobs = (): void => undefined;
      const models = createModelRegistry(options, state, now, () => advanceJobs());
      const ctx: FakeContext = { options, now, state, limiter, stats, log, models, origin };
      return {
        state,
        stats,
        limiter,
        faults,
        async routes(app) {
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
        },
      };
    },
  });
}
