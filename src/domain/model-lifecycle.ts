import { familyOf, isLocalModel } from './pricing.js';

/**
 * When hosted models stop serving, from one dated table, so nothing is trained, labeled, evaluated
 * or registered on a model that is already gone (a fine-tune on one trains, is billed, and is
 * retired in the same second). Pure: callers pass `today`.
 */

/** When the table below was read. */
export const LIFECYCLE_TABLE_DATE = '2026-11-22';

interface Lifecycle {
  /** Shutdown of the model itself (YYYY-MM-DD). */
  shutdown: string;
  /** Shutdown of its fine-tunes, when it differs (babbage/davinci fine-tunes outlived their bases). */
  fineTunes?: string;
}

/**
 * OpenAI deprecations page (developers.openai.com/api/docs/deprecations), as of 2026-11; the
 * 2027-01-14 dates from reports citing that page. Families stand for their snapshots
 * (gpt-3.5-turbo-0125, gpt-4o-mini-2024-07-18, gpt-4o-2024-08-06, gpt-4.1-2025-04-14 …) as the
 * page groups them; an exact entry wins (gpt-3.5-turbo-1106 went earlier than its family).
 * gpt-4.1-nano and the o-series have no date.
 */
const TABLE: Readonly<Record<string, Lifecycle>> = {
  'babbage-002': { shutdown: '2026-09-28', fineTunes: '2026-10-23' },
  'davinci-002': { shutdown: '2026-09-28', fineTunes: '2026-10-23' },
  'gpt-3.5-turbo-instruct': { shutdown: '2026-09-28' },
  // Its fine-tunes are "fine-tuned gpt-3.5-turbo" models, which the page dates with the family.
  'gpt-3.5-turbo-1106': { shutdown: '2026-09-28', fineTunes: '2026-10-23' },
  'gpt-3.5-turbo': { shutdown: '2026-10-23' },
  'gpt-4o-mini': { shutdown: '2027-01-14' },
  'gpt-4o': { shutdown: '2027-01-14' },
  'gpt-4.1': { shutdown: '2027-01-14' },
  'gpt-4.1-mini': { shutdown: '2027-01-14' },
};

const own = (key: string): Lifecycle | undefined => (Object.hasOwn(TABLE, key) ? TABLE[key] : undefined);

/**
 * The announced shutdown date of a model, or undefined when none is known (local models, models
 * not in the table). A fine-tune `ft:<base>:<org>:<suffix>:<id>` goes with its base: the base's
 * fine-tune date, else the base's own; the exact base first, then its family.
 */
export function shutdownDateOf(model: string): string | undefined {
  const name = model.trim().toLowerCase();
  if (isLocalModel(name)) return undefined;
  if (name.startsWith('ft:')) {
    const base = name.slice(3).split(':', 1)[0] ?? '';
    const exact = own(base);
    const family = own(familyOf(base));
    return exact?.fineTunes ?? family?.fineTunes ?? exact?.shutdown ?? family?.shutdown;
  }
  return (own(name) ?? own(familyOf(name)))?.shutdown;
}

/** `today` as the table's dates are written (UTC). */
export const dayOf = (date: Date): string => date.toISOString().slice(0, 10);

/** The model's shutdown date when it is on or before `today` (YYYY-MM-DD): it no longer serves. */
export function shutDownBy(model: string, today: string): string | undefined {
  const date = shutdownDateOf(model);
  return date !== undefined && date <= today ? date : undefined;
}
