import { createHash, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

// Long enough for a client's retries after an outage; the reservation while in flight is short
// (and renewed while the request runs) so a request cut off by a crash does not block its key.
const RESULT_TTL_SECONDS = 24 * 3600;
const IN_FLIGHT_TTL_SECONDS = 120;
const RENEW_EVERY_MS = (IN_FLIGHT_TTL_SECONDS * 1000) / 4;
// A request that runs longer than this stops renewing; its key then frees itself.
const MAX_IN_FLIGHT_MS = 3600 * 1000;

/** The response a request with a key produced, replayed to its repeats. */
export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

interface InFlight {
  state: 'in_flight';
  token: string;
}
interface Done {
  state: 'done';
  fingerprint: string;
  response: StoredResponse;
}

export interface Reservation {
  readonly key: string;
  readonly token: string;
  stopRenewing(): void;
}

/** `inFlight`: another request with the key has not finished yet. */
export type ReserveOutcome =
  | { reservation: Reservation }
  | { done: { fingerprint: string; response: StoredResponse } }
  | { inFlight: true };

// Renew or delete a reservation only while it is still ours: after it expired another request
// may have taken the key.
const RENEW_IF_OURS = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('EXPIRE', KEYS[1], ARGV[2]) end return 0`;
const DELETE_IF_OURS = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * `Idempotency-Key` records in Redis, so every API instance agrees. The first request with a key
 * reserves it (in flight); when it succeeds its response is stored for 24 hours under the
 * request's fingerprint; when it fails the reservation is released so the client can retry.
 * Repeats learn that it is in flight (the caller answers 409) or get the stored response, which
 * the caller replays when the fingerprint matches and refuses (422) when it does not.
 */
export function idempotencyStore(redis: Redis, prefix: string) {
  const keyOf = (scope: string, idempotencyKey: string) =>
    `${prefix}:idempotency:${createHash('sha256').update(scope).update('\n').update(idempotencyKey).digest('hex')}`;

  return {
    /** `scope` says whose and where (API key, method, path): the same key elsewhere is another key. */
    async reserve(scope: string, idempotencyKey: string): Promise<ReserveOutcome> {
      const key = keyOf(scope, idempotencyKey);
      const token = randomUUID();
      const inFlight = JSON.stringify({ state: 'in_flight', token } satisfies InFlight);
      for (;;) {
        const reserved = await redis.set(key, inFlight, 'EX', IN_FLIGHT_TTL_SECONDS, 'NX');
        if (reserved === 'OK') {
          const startedAt = Date.now();
          const timer = setInterval(() => {
            if (Date.now() - startedAt > MAX_IN_FLIGHT_MS) return clearInterval(timer);
            redis.eval(RENEW_IF_OURS, 1, key, inFlight, IN_FLIGHT_TTL_SECONDS).catch(() => undefined);
          }, RENEW_EVERY_MS);
          timer.unref();
          return { reservation: { key, token: inFlight, stopRenewing: () => clearInterval(timer) } };
        }
        const raw = await redis.get(key);
        if (raw === null) continue; // expired between the two calls: try to reserve again
        const stored = JSON.parse(raw) as InFlight | Done;
        if (stored.state === 'in_flight') return { inFlight: true };
        return { done: { fingerprint: stored.fingerprint, response: stored.response } };
      }
    },

    async complete(reservation: Reservation, fingerprint: string, response: StoredResponse): Promise<void> {
      reservation.stopRenewing();
      const done: Done = { state: 'done', fingerprint, response };
      await redis.set(reservation.key, JSON.stringify(done), 'EX', RESULT_TTL_SECONDS);
    },

    async release(reservation: Reservation): Promise<void> {
      reservation.stopRenewing();
      await redis.eval(DELETE_IF_OURS, 1, reservation.key, reservation.token);
    },
  };
}

export type IdempotencyStore = ReturnType<typeof idempotencyStore>;
