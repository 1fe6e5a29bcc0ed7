import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { errors } from '../../errors.js';

// Long enough for a client's retries after an outage; the reservation while in flight is short
// so a request cut off by a crash does not block its key for a day.
const RESULT_TTL_SECONDS = 24 * 3600;
const IN_FLIGHT_TTL_SECONDS = 120;

interface Stored<T> {
  state: 'in_flight' | 'done';
  body: string;
  response?: T;
}

export type Reservation<T> = { replay: T } | { key: string; body: string };

/**
 * `Idempotency-Key` for classify, kept in Redis so every API instance agrees: the first request
 * with a key reserves it; a repeat with the same body gets the stored response (the same
 * prediction ids, no new records); a repeat with another body is 422; a repeat while the first
 * is still running is 409. A request that fails releases its key, so the client can retry.
 */
export function idempotencyStore(redis: Redis, prefix: string) {
  return {
    async reserve<T>(scope: string, idempotencyKey: string, body: unknown): Promise<Reservation<T>> {
      const key = `${prefix}:idempotency:${scope}:${createHash('sha256').update(idempotencyKey).digest('hex')}`;
      const digest = createHash('sha256').update(JSON.stringify(body)).digest('hex');
      for (;;) {
        const reserved = await redis.set(key, JSON.stringify({ state: 'in_flight', body: digest }), 'EX', IN_FLIGHT_TTL_SECONDS, 'NX');
        if (reserved === 'OK') return { key, body: digest };
        const raw = await redis.get(key);
        if (raw === null) continue; // expired between the two calls: try to reserve again
        const stored = JSON.parse(raw) as Stored<T>;
        if (stored.body !== digest) {
          throw errors.idempotencyKeyReused();
        }
        if (stored.state === 'in_flight') {
          throw errors.idempotencyKeyInFlight();
        }
        return { replay: stored.response as T };
      }
    },

    async complete<T>(reservation: { key: string; body: string }, response: T): Promise<void> {
      await redis.set(reservation.key, JSON.stringify({ state: 'done', body: reservation.body, response }), 'EX', RESULT_TTL_SECONDS);
    },

    async release(reservation: { key: string }): Promise<void> {
      await redis.del(reservation.key);
    },
  };
}

export type IdempotencyStore = ReturnType<typeof idempotencyStore>;
