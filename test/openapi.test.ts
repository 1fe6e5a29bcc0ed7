import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { generateOpenApi, serializeOpenApi } from '../src/start/openapi.js';

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
        expect(
          errors.map(([status]) => status),
          name,
        ).toEqual(expect.arrayContaining(['400', '401', '403', '500']));
        for (const [, response] of errors) {
          expect(Object.keys((response as { content: object }).content), name).toEqual(['application/problem+json']);
        }
      }
    }
  });

  it('bounds every number a request may carry, so none overflows a column or reaches Infinity', async () => {
    type Schema = {
      $ref?: string;
      type?: string | string[];
      maximum?: number;
      exclusiveMaximum?: number;
      properties?: Record<string, Schema>;
      anyOf?: Schema[];
      oneOf?: Schema[];
      items?: Schema;
      additionalProperties?: boolean | Schema;
    };
    type Op = {
      parameters?: { name: string; in: string; schema: Schema }[];
      requestBody?: { content: Record<string, { schema?: Schema }> };
    };
    const document = (await generateOpenApi()) as {
      paths: Record<string, Record<string, Op>>;
      components?: { schemas?: Record<string, Schema> };
    };
    const unbounded: string[] = [];
    const walk = (schema: Schema | undefined, where: string): void => {
      if (!schema) return;
      if (schema.$ref) {
        walk(document.components?.schemas?.[schema.$ref.split('/').pop()!], where);
        return;
      }
      const types = ([] as string[]).concat(schema.type ?? []);
      // Integer columns are 32-bit; 1e309 parses as Infinity, which JSON Schema still calls an integer.
      if (
        (types.includes('integer') || types.includes('number')) &&
        !((schema.maximum ?? schema.exclusiveMaximum ?? Infinity) <= 2 ** 53)
      )
        unbounded.push(where);
      if (types.includes('integer') && (schema.maximum ?? 0) > 0xffff_ffff) unbounded.push(`${where} (above 32 bits)`);
      for (const [key, value] of Object.entries(schema.properties ?? {})) walk(value, `${where}.${key}`);
      for (const branch of [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])]) walk(branch, where);
      walk(schema.items, `${where}[]`);
      if (typeof schema.additionalProperties === 'object') walk(schema.additionalProperties, `${where}{}`);
    };
    for (const [path, methods] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        for (const parameter of operation.parameters ?? [])
          walk(parameter.schema, `${method} ${path} ${parameter.in}.${parameter.name}`);
        for (const content of Object.values(operation.requestBody?.content ?? {}))
          walk(content.schema, `${method} ${path} body`);
      }
    }
    expect(unbounded).toEqual([]);
  });
});
