export const SCOPES = ['admin', 'write', 'read', 'classify'] as const;
export type Scope = (typeof SCOPES)[number];

/**
 * What holding a scope lets a key do:
 * - `admin`: everything, including managing keys and maintenance.
 * - `write`: create and change tasks, datasets, runs, models, routing; implies `read`, since
 *   changing what you cannot see is no use.
 * - `read`: every read and export (datasets, the prediction log with its logged inputs, reports).
 * - `classify`: call classify and send feedback on its predictions, nothing else.
 *
 * `write` does not imply `classify` (as before `read` existed): serving costs money per call and
 * has its own rate limit, so a key that manages the loop and a key that serves traffic are
 * separate grants; a key that needs both gets both.
 */
const IMPLIED: Record<Scope, readonly Scope[]> = {
  admin: ['admin', 'write', 'read', 'classify'],
  write: ['write', 'read'],
  read: ['read'],
  classify: ['classify'],
};

export const hasScope = (held: readonly Scope[], required: Scope): boolean =>
  held.some((scope) => IMPLIED[scope].includes(required));
