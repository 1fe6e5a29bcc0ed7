import { randomFillSync } from 'node:crypto';
import { v7 as uuidv7, validate, version } from 'uuid';

// uuid's v7 asks the system for 16 random bytes per id, one syscall each: about 5 % of a
// classify request's CPU (every prediction gets an id). Random bytes are drawn here 4 KiB at a
// time instead, and the library is given them with the same monotonic clock and sequence it keeps
// itself (uuid's updateV7State), so ids still sort by creation within a millisecond.
const POOL_BYTES = 4096;
const pool = new Uint8Array(POOL_BYTES);
let used = POOL_BYTES;
const state = { msecs: Number.NEGATIVE_INFINITY, seq: 0 };

function randomBytes16(): Uint8Array {
  if (used + 16 > POOL_BYTES) {
    randomFillSync(pool);
    used = 0;
  }
  used += 16;
  return pool.subarray(used - 16, used);
}

/** Time-ordered ids: sorting by id is sorting by creation, which keyset pagination relies on. */
export function newId(): string {
  const random = randomBytes16();
  const now = Date.now();
  if (now > state.msecs) {
    state.msecs = now;
    state.seq = ((random[6]! & 0x7f) << 24) | (random[7]! << 16) | (random[8]! << 8) | random[9]!;
  } else {
    state.seq = (state.seq + 1) | 0;
    if (state.seq === 0) state.msecs++;
  }
  return uuidv7({ msecs: state.msecs, seq: state.seq, random });
}

export const isUuid = (value: string): boolean => validate(value);

export const isTimeOrderedId = (value: string): boolean => validate(value) && version(value) === 7;

/** When a time-ordered id was issued: its first 48 bits are milliseconds since the epoch. */
export const idTime = (id: string): Date => new Date(parseInt(id.replace(/-/g, '').slice(0, 12), 16));
