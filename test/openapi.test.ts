import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { generateOpenApi, serializeOpenApi } from '../src/api/openapi.js';

type Operation = { operationId?: string; tags?: string[]; responses?: Record<string, unknown>; security?: unknown };

describe('OpenAPI document', () => {
  it('is committed up to date: run "npm run openapi" when this fails', async () => {
    const committed = await readFile(new URL('../openapi/openapi.json', import.meta.url), 'utf8');
    expect(committed).toBe(serializeOpenApi(await generateOpenApi()));
  });

  it('gives every operation an id, tags and problem+json error responses', async () => {
    const document = (await generateOpenApi()) as { paths: Record<string, Record<string, Operation>> };
    const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ name: `${method.toUpperCase()} ${path}`, operation })),
    );
    expect(operations.length).toBeGreaterThan(5);
    const ids = operations.map(({ operation }) => operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { name, operation } of operations) {
      expect(operation.operationId, name).toBeTruthy();
      expect(operation.tags?.length, name).toBeGreaterThan(0);
      if (name.includes('/v1/')) {
        expect(operation.security, name).toEqual([{ bearerAuth: [] }]);
        const errors = Object.entries(operation.responses ?? {}).filter(([status]) => Number(status) >= 400);
        expect(errors.map(([status]) => status), name).toEqual(expect.arrayContaining(['400', '401', '403', '500']));
        for (const [, response] of errors) {
          expect(Object.keys((response as { content: object }).content), name).toEqual(['application/problem+json']);
        }
      }
    }
  });
});
