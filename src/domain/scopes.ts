import type { Scope } from '../db/schema/api-keys.js';

export type { Scope };

/** `admin` can do everything; `write` and `classify` are independent, so a key gets both when it needs both. */
export const hasScope = (held: readonly Scope[], required: Scope): boolean =>
  held.includes('admin') || held.includes(required);
