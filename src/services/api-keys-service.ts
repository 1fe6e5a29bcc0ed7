import { timingSafeEqual, createHash } from 'node:crypto';
import type { ApiKeysRepository } from '../db/repositories/api-keys-repository.js';
import type { ApiKeyRow, Scope } from '../db/schema/api-keys.js';
import { errors } from '../errors.js';
import { generateApiKey, hashApiKey } from '../domain/api-key-secret.js';
import { isUuid, newId } from '../domain/ids.js';
import { afterCursor, toPage, type Page } from '../domain/pagination.js';

export interface Principal {
  /** The key's id, or `bootstrap` for the ADMIN_API_KEY from configuration. */
  keyId: string;
  scopes: readonly Scope[];
}

export interface CreateApiKeyInput {
  name: string;
  scopes: Scope[];
  expiresAt?: Date;
}

export const apiKeysService = ({ apiKeys, adminApiKey }: { apiKeys: ApiKeysRepository; adminApiKey: string }) => {
  const adminDigest = createHash('sha256').update(adminApiKey).digest();

  return {
    /** Returns who holds `key`, or undefined when it is unknown, revoked or expired. */
    async authenticate(key: string, now = new Date()): Promise<Principal | undefined> {
      // Compare digests so the comparison takes the same time whatever the key's length.
      if (timingSafeEqual(createHash('sha256').update(key).digest(), adminDigest)) {
        return { keyId: 'bootstrap', scopes: ['admin'] };
      }
      const row = await apiKeys.findByHash(hashApiKey(key));
      if (!row || row.revokedAt || (row.expiresAt && row.expiresAt <= now)) return undefined;
      return { keyId: row.id, scopes: row.scopes };
    },

    /** The only time the secret exists in clear: it is returned once and never stored. */
    async create(input: CreateApiKeyInput): Promise<{ key: string; record: ApiKeyRow }> {
      if (input.expiresAt && input.expiresAt <= new Date()) {
        throw errors.validation('The key would already be expired.', [
          { field: 'body.expires_at', message: 'must be in the future' },
        ]);
      }
      const secret = generateApiKey();
      const record = await apiKeys.insert({
        id: newId(),
        name: input.name,
        prefix: secret.prefix,
        keyHash: secret.hash,
        scopes: [...new Set(input.scopes)],
        expiresAt: input.expiresAt ?? null,
      });
      return { key: secret.key, record };
    },

    async list(input: { limit: number; cursor?: string; includeRevoked: boolean }): Promise<Page<ApiKeyRow>> {
      const after = afterCursor(input.cursor);
      return toPage(await apiKeys.list({ limit: input.limit, after, includeRevoked: input.includeRevoked }), input.limit);
    },

    async revoke(id: string): Promise<ApiKeyRow> {
      const row = isUuid(id) ? await apiKeys.revoke(id, new Date()) : undefined;
      if (!row) throw errors.notFound('API key', id);
      return row;
    },
  };
};

export type ApiKeysService = ReturnType<typeof apiKeysService>;
