import { timingSafeEqual, createHash } from 'node:crypto';
import type { ApiKeysRepository } from '../db/repositories/api-keys-repository.js';
import type { ApiKeyRow } from '../db/schema/api-keys.js';
import { errors } from '../errors.js';
import { generateApiKey, hashApiKey } from '../domain/api-key-secret.js';
import { isUuid, newId } from '../domain/ids.js';
import { afterCursor, toPage, type Page } from '../domain/pagination.js';
import type { Scope } from '../domain/scopes.js';
import type { ChangeNotices } from '../lib/change-notices.js';
import { taskLimitOf, type TaskLimit } from '../domain/task-limits.js';

export interface Principal {
  /** The key's id, or `bootstrap` for the ADMIN_API_KEY from configuration. */
  keyId: string;
  scopes: readonly Scope[];
  /** Classify requests per minute, when the key has its own limit. */
  rateLimitPerMinute?: number;
  /** The only tasks the key may touch; absent means every task. */
  tasks?: TaskLimit;
}

// Known keys are remembered this long by default; a revocation reaches every instance at once through a notice.
const CACHE_MS = 30_000;
const CACHE_MAX = 10_000;
// When a key's entry cannot be refreshed (the database is away) it is served as it was, and the
// database is asked again this often, so a key revoked meanwhile stops soon after it is back.
const STALE_RETRY_MS = 2_000;

interface CachedKey {
  principal: Principal;
  expiresAt: Date | null;
  cachedUntil: number;
  /** The last refresh failed: serve the entry while the next one runs in the background. */
  stale: boolean;
}

export interface CreateApiKeyInput {
  name: string;
  scopes: Scope[];
  expiresAt?: Date;
  rateLimitPerMinute?: number;
  taskIds?: string[];
}

/** A lookup in flight, and what happened meanwhile that makes its (older) answer out of date. */
interface Lookup {
  /** Keys revoked (by notice or here) while the lookup ran. */
  forgotten: Set<string>;
  /** A Redis reconnect while it ran: a notice may have been missed, so its answer is checked again on next use. */
  recheck: boolean;
}

export const apiKeysService = ({
  apiKeysRepo,
  adminApiKey,
  notices,
  cacheMs = CACHE_MS,
}: {
  apiKeysRepo: Pick<ApiKeysRepository, 'findByHash' | 'existingTaskIds' | 'insert' | 'list' | 'revoke'>;
  adminApiKey: string;
  notices: Pick<ChangeNotices, 'subscribe' | 'publish'>;
  /** How long a known key is served from memory before it is looked up again. */
  cacheMs?: number;
}) => {
  const adminDigest = createHash('sha256').update(adminApiKey).digest();
  /**
   * Valid keys by hash, so an authenticated call (classify above all) costs no database round trip.
   * Unknown keys are not remembered: a key created a moment ago on another instance must work.
   */
  const known = new Map<string, CachedKey>();
  /** The one lookup per key hash in flight; every request waiting for that key shares it. */
  const refreshing = new Map<string, Promise<Principal | undefined>>();
  const lookups = new Set<Lookup>();
  let listening = false;
  const forget = (keyId: string) => {
    for (const [cachedHash, cached] of known) if (cached.principal.keyId === keyId) known.delete(cachedHash);
    // A lookup that read the row before the revocation committed must not put the key back.
    for (const running of lookups) running.forgotten.add(keyId);
  };
  // After a Redis reconnect a notice may have been missed: every entry is checked again on its next
  // use, but kept, so a database outage at the same time does not lock out every caller.
  const recheckAll = () => {
    for (const cached of known.values()) cached.cachedUntil = 0;
    for (const running of lookups) running.recheck = true;
  };
  const listen = () => {
    if (listening) return;
    listening = true;
    notices.subscribe('api-keys', forget, recheckAll);
  };
  const remember = (hash: string, entry: { principal: Principal; expiresAt: Date | null }, recheck: boolean) => {
    if (known.size >= CACHE_MAX) known.clear();
    known.set(hash, { ...entry, cachedUntil: recheck ? 0 : Date.now() + cacheMs, stale: false });
  };

  const lookup = async (hash: string): Promise<Principal | undefined> => {
    // Listening before the first read, so a revocation during that read is seen.
    listen();
    const running: Lookup = { forgotten: new Set(), recheck: false };
    lookups.add(running);
    const row = await apiKeysRepo.findByHash(hash).finally(() => lookups.delete(running));
    if (!row || row.revokedAt || (row.expiresAt && row.expiresAt <= new Date()) || running.forgotten.has(row.id)) {
      // Also what catches a revocation whose notice never arrived (or came while the database was away).
      known.delete(hash);
      return undefined;
    }
    const principal: Principal = {
      keyId: row.id,
      scopes: row.scopes,
      ...(row.rateLimitPerMinute ? { rateLimitPerMinute: row.rateLimitPerMinute } : {}),
      ...(row.tasks ? { tasks: taskLimitOf(row.tasks) } : {}),
    };
    remember(hash, { principal, expiresAt: row.expiresAt }, running.recheck);
    return principal;
  };

  /**
   * One lookup per key at a time (single-flight): when a popular key's entry expires under load, the
   * requests that arrive meanwhile wait for the same lookup and share its answer or its error. A
   * failed one leaves the cached entry to be served stale. Removed once settled, so the next expiry
   * asks again.
   */
  const refresh = (hash: string): Promise<Principal | undefined> => {
    let pending = refreshing.get(hash);
    if (!pending) {
      pending = lookup(hash)
        .catch((error: unknown) => {
          const cached = known.get(hash);
          if (cached) Object.assign(cached, { stale: true, cachedUntil: Date.now() + STALE_RETRY_MS });
          throw error;
        })
        .finally(() => refreshing.delete(hash));
      refreshing.set(hash, pending);
    }
    return pending;
  };

  const usable = (cached: CachedKey, now: Date) =>
    cached.expiresAt && cached.expiresAt <= now ? undefined : cached.principal;

  /** An admin key can create keys for every task, so limiting one would mean nothing. */
  const checkTaskLimit = async (scopes: Scope[], taskIds: string[], given: string[]) => {
    if (scopes.includes('admin')) {
      throw errors.validation('An admin key cannot be limited to tasks.', [
        { field: 'body.task_ids', message: 'not allowed with the admin scope' },
      ]);
    }
    const existing = await apiKeysRepo.existingTaskIds(taskIds);
    const unknown = given.map((id, index) => ({ id, index })).filter(({ id }) => !existing.has(id.toLowerCase()));
    if (unknown.length > 0) {
      throw errors.validation(
        'Some of the tasks do not exist.',
        unknown.map(({ index }) => ({ field: `body.task_ids[${index}]`, message: 'no such task' })),
      );
    }
  };

  return {
    /** Returns who holds `key`, or undefined when it is unknown, revoked or expired. */
    async authenticate(key: string, now = new Date()): Promise<Principal | undefined> {
      // Compare digests so the comparison takes the same time whatever the key's length.
      if (timingSafeEqual(createHash('sha256').update(key).digest(), adminDigest)) {
        return { keyId: 'bootstrap', scopes: ['admin'] };
      }
      const hash = hashApiKey(key);
      const cached = known.get(hash);
      if (cached && cached.cachedUntil > Date.now()) return usable(cached, now);
      if (cached?.stale) {
        // The database was away a moment ago: answer now rather than wait for it again.
        refresh(hash).catch(() => undefined);
        return usable(cached, now);
      }
      try {
        return await refresh(hash);
      } catch (error) {
        // A key known before the failure stays valid; one never seen cannot be checked (the error handler makes it a 503).
        if (!cached) throw error;
        // Unless a revocation notice removed it while the lookup was failing.
        return known.get(hash) === cached ? usable(cached, now) : undefined;
      }
    },

    /** The only time the secret exists in clear: it is returned once and never stored. */
    async create(input: CreateApiKeyInput): Promise<{ key: string; record: ApiKeyRow }> {
      if (input.expiresAt && input.expiresAt <= new Date()) {
        throw errors.validation('The key would already be expired.', [
          { field: 'body.expires_at', message: 'must be in the future' },
        ]);
      }
      const taskIds = input.taskIds ? [...new Set(input.taskIds.map((id) => id.toLowerCase()))] : null;
      if (taskIds) await checkTaskLimit(input.scopes, taskIds, input.taskIds!);
      const secret = generateApiKey();
      const record = await apiKeysRepo.insert({
        id: newId(),
        name: input.name,
        prefix: secret.prefix,
        keyHash: secret.hash,
        scopes: [...new Set(input.scopes)],
        expiresAt: input.expiresAt ?? null,
        rateLimitPerMinute: input.rateLimitPerMinute ?? null,
        taskIds,
      });
      return { key: secret.key, record };
    },

    async list(input: { limit: number; cursor?: string; includeRevoked: boolean }): Promise<Page<ApiKeyRow>> {
      const after = afterCursor(input.cursor);
      return toPage(
        await apiKeysRepo.list({ limit: input.limit, after, includeRevoked: input.includeRevoked }),
        input.limit,
      );
    },

    async revoke(id: string): Promise<ApiKeyRow> {
      const row = isUuid(id) ? await apiKeysRepo.revoke(id, new Date()) : undefined;
      if (!row) throw errors.notFound('API key', id);
      forget(row.id);
      await notices.publish('api-keys', row.id);
      return row;
    },
  };
};

export type ApiKeysService = ReturnType<typeof apiKeysService>;
