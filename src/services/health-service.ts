import type pg from 'pg';
import type { Redis } from 'ioredis';
import type { PredictionLogHealth } from './predictions/prediction-log.js';

export interface DependencyCheck {
  status: 'up' | 'down';
  latency_ms: number;
  error?: string;
}

const CHECK_TIMEOUT_MS = 1_000;

async function timed(check: () => Promise<unknown>): Promise<DependencyCheck> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      }),
    ]);
    return { status: 'up', latency_ms: Math.round(performance.now() - started) };
  } catch (error) {
    return {
      status: 'down',
      latency_ms: Math.round(performance.now() - started),
      error: error instanceof Error ? error.message : String(error),
    };
  } finally {
    clearTimeout(timer);
  }
}

interface Deps {
  pool: pg.Pool;
  redis: Redis;
  /** Down when it cannot write: classify would soon hang on a full buffer, so traffic should move. */
  predictionLog: { health(): PredictionLogHealth };
}

export const healthService = ({ pool, redis, predictionLog }: Deps) => {
  let draining = false;
  return {
    async readiness() {
      // ioredis queues commands while disconnected (retrying forever), so the timeout is what
      // turns an unreachable Redis into "down" instead of a hung probe.
      const [postgres, redisCheck] = await Promise.all([
        timed(() => pool.query('SELECT 1')),
        timed(() => redis.ping()),
      ]);
      const log = predictionLog.health();
      const ready = !draining && postgres.status === 'up' && redisCheck.status === 'up' && log.status === 'up';
      return { ready, draining, checks: { postgres, redis: redisCheck, prediction_log: log } };
    },

    /** From now on the instance reports not ready, so load balancers stop sending it requests. */
    startDraining(): void {
      draining = true;
    },
  };
};

export type HealthService = ReturnType<typeof healthService>;
