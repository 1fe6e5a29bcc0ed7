import { type ProviderFake, startFake } from '../shared/server.js';
import { chatRoutes } from './chat.js';
import { completionRoutes } from './completions.js';
import type { FakeContext } from './context.js';
import { errors } from './errors.js';
import { createFaultInjector } from './faults.js';
import { fileRoutes } from './files.js';
import { fineTuningRoutes } from './fine-tuning.js';
import { createModelRegistry, modelRoutes } from './models.js';
import { type FakeOptions, mergeOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { installPipeline } from './pipeline.js';
import { createRateLimiter } from './rate-limiter.js';
import { createState, type FakeState } from './state.js';
import { createStats, type FakeStats } from './stats.js';

/**
 * The OpenAI fake (shared/server.ts): `state` holds files, jobs and fine-tuned models, `requests`
 * the OpenAI-surface requests, and `configure()` merges faults, rateLimits, models and jobTiming
 * one level deep.
 */
export type OpenAIFake = ProviderFake<ResolvedOptions, FakeOptions, FakeState, FakeStats>;

export async function startOpenAIFake(initial: FakeOptions = {}): Promise<OpenAIFake> {
  return startFake({
    options: resolveOptions(initial),
    merge: mergeOptions,
    invalidJson: errors.invalidJson,
    build({ options, now, random, log, hung }) {
      const state = createState();
      const stats = createStats();
      const limiter = createRateLimiter(() => options().rateLimits, now);
      const faults = createFaultInjector(stats, random);
      let advanceJobs = (): void => undefined;
      const models = createModelRegistry(options, state, () => advanceJobs());
      const ctx: FakeContext = { options, now, random, state, limiter, stats, log, models };
      return {
        state,
        stats,
        limiter,
        faults,
        routes: (app) =>
          app.register(
            async (v1) => {
              installPipeline(v1, ctx, faults, hung);
              chatRoutes(v1, ctx);
              completionRoutes(v1, ctx);
              fileRoutes(v1, ctx);
              advanceJobs = fineTuningRoutes(v1, ctx).advanceAll;
              modelRoutes(v1, models);
            },
            { prefix: '/v1' },
          ),
      };
    },
  });
}
