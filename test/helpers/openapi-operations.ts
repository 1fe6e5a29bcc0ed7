import { readFileSync } from 'node:fs';

export interface DocumentedOperation {
  method: string;
  path: string;
  operation: { operationId: string; tags?: string[]; security?: unknown[] };
}

/** Every operation of the committed OpenAPI document that needs an API key. */
export function securedOperations(): DocumentedOperation[] {
  const document = JSON.parse(readFileSync(new URL('../../openapi/openapi.json', import.meta.url), 'utf8')) as {
    paths: Record<string, Record<string, DocumentedOperation['operation']>>;
  };
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods)
      .filter(([, operation]) => operation.security)
      .map(([method, operation]) => ({ method, path, operation })),
  );
}
