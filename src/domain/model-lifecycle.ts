import { familyOf, isLocalModel } from './pricing.js';

/**
 * When hosted models stop serving, so nothing is trained, labeled, evaluated or registered on a
 * model that is already gone (a fine-tune on one trains, is billed, and is retired in the same
 * second), and a champion can be retrained before its model goes. Dates come from a dated table
 * per kind of connection (src/providers/<kind>) and from what a provider's model list announces;
 * this module only reads them. Pure: callers pass the table, the list and `today`.
 */

export interface Lifecycle {
  /** Shutdown of the model itself (YYYY-MM-DD). */
  shutdown: string;
  /** Shutdown of its fine-tunes, when it differs (babbage/davinci fine-tunes outlived their bases). */
  fineTunes?: string;
}

/** A kind's dated table: when it was read, and a lifecycle per model (families stand for their snapshots). */
export interface LifecycleTable {
  date: string;
  models: Readonly<Record<string, Lifecycle>>;
}

const own = (table: LifecycleTable, key: string): Lifecycle | undefined =>
  Object.hasOwn(table.models, key) ? table.models[key] : undefined;

/** `ft:<base>:<org>:<suffix>:<id>` → `<base>` (lower-cased); undefined for a name that is no such fine-tune. */
export function fineTuneBaseOf(model: string): string | undefined {
  const name = model.trim().toLowerCase();
  if (!name.startsWith('ft:')) return undefined;
  return name.slice(3).split(':', 1)[0] || undefined;
}

/**
 * The table's shutdown date of a model, or undefined when it has none (local models, models not
 * in the table). A fine-tune `ft:<base>:…` goes with its base: the base's fine-tune date, else the
 * base's own; the exact base first, then its family. Exact entries win over families
 * (gpt-3.5-turbo-1106 went earlier than its family).
 */
export function shutdownDateIn(table: LifecycleTable, model: string): string | undefined {
  const name = model.trim().toLowerCase();
  if (isLocalModel(name)) return undefined;
  if (name.startsWith('ft:')) {
    const base = fineTuneBaseOf(name) ?? '';
    const exact = own(table, base);
    const family = own(table, familyOf(base));
    return exact?.fineTunes ?? family?.fineTunes ?? exact?.shutdown ?? family?.shutdown;
  }
  return (own(table, name) ?? own(table, familyOf(name)))?.shutdown;
}

/** The date a provider's model list announces for exactly this model; undefined when it says nothing. */
export function listedShutdownDateOf(listed: ReadonlyMap<string, string | null>, model: string): string | undefined {
  return listed.get(model) ?? undefined;
}

/**
 * The date the list announces for a fine-tune's base, for a fine-tune the list does not show (a
 * base's own date, which its fine-tunes may outlive: only when nothing better is known).
 */
export function listedBaseShutdownDateOf(
  listed: ReadonlyMap<string, string | null>,
  model: string,
): string | undefined {
  const base = fineTuneBaseOf(model);
  return (base !== undefined ? listed.get(base) : undefined) ?? undefined;
}

/** `today` as the dates are written (UTC). */
export const dayOf = (date: Date): string => date.toISOString().slice(0, 10);

const DAY_MS = 24 * 3600 * 1000;

/** Whole days from `today` to `date` (both YYYY-MM-DD); negative once it has passed. */
export const daysUntil = (date: string, today: string): number =>
  Math.round((Date.parse(`${date}T00:00:00Z`) - Date.parse(`${today}T00:00:00Z`)) / DAY_MS);

/** The date when it is on or before `today`: the model no longer serves. */
export const isPast = (date: string | undefined, today: string): date is string => date !== undefined && date <= today;
