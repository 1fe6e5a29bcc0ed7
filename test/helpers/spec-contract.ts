import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import type { RecordedRequest } from '../fakes/shared/request-log.js';
import { loadYamlParser, type YamlParse } from '../fakes/shared/spec-subset.js';
import type { SpecSubset, SpecValidator } from '../fakes/shared/spec-validator.js';

/**
 * What the provider fakes' contract tests share: assertions against a spec excerpt, raw requests
 * for error bodies, and the tests that tie the committed excerpt to the spec file it was cut from.
 */

const yamlParse = await loadYamlParser();

/** Fails, showing the start of `data`, unless the validator found no problems. */
export function expectValid(problems: string[], data: unknown, what: string): void {
  expect(problems, `${what}: ${JSON.stringify(data).slice(0, 600)}`).toEqual([]);
}

/** Sends through the SDK, then validates the body on the wire with `problemsOf`. */
export async function onTheWire(
  call: { asResponse(): Promise<Response> },
  status: number,
  problemsOf: (body: Record<string, unknown>) => string[],
  what: string,
): Promise<Record<string, unknown>> {
  const response = await call.asResponse();
  expect(response.status, what).toBe(status);
  const body = (await response.json()) as Record<string, unknown>;
  expectValid(problemsOf(body), body, what);
  return body;
}

/** Raw requests to a fake's surface, for error bodies (the SDK throws before showing them). */
export const rawRequests =
  (baseUrl: () => string) =>
  async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = { authorization: 'Bearer test' },
  ) => {
    const response = await fetch(`${baseUrl()}${path}`, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, headers: response.headers, body: (await response.json()) as unknown };
  };

/** A POST whose JSON body does not parse, for the provider's invalid-JSON error. */
export async function postMalformedJson(url: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization: 'Bearer test', 'content-type': 'application/json' },
    body: '{"model":',
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as unknown };
}

export interface ExcerptSource {
  /** Where the spec file the excerpt names is looked for (next to the repository). */
  specPath: string;
  loadSubset(): SpecSubset;
  /** The extraction script's cut. */
  extract(text: string, parse: YamlParse): Record<string, unknown>;
}

/**
 * Two tests, run when the spec file is there: the excerpt names that file's bytes, and it is what
 * extract-spec-subset.ts cuts from it now (not stale).
 */
export function excerptMatchesSpecFile(source: ExcerptSource): void {
  const specAvailable = existsSync(source.specPath);

  it.skipIf(!specAvailable)('matches the spec file it names (same bytes)', () => {
    const digest = createHash('sha256').update(readFileSync(source.specPath)).digest('hex');
    expect(digest).toBe(source.loadSubset().source.sha256);
  });

  it.skipIf(!specAvailable || !yamlParse)(
    'is what extract-spec-subset.ts produces from that file (not stale)',
    () => {
      const fresh = source.extract(readFileSync(source.specPath, 'utf8'), yamlParse as YamlParse);
      expect(JSON.parse(JSON.stringify(fresh))).toEqual(source.loadSubset());
    },
    60_000,
  );
}

/**
 * Holds what a fake received to the spec: every request is one of its operations and sends only
 * declared query parameters (`a[b]` is parameter `a`, deepObject style), and every body the
 * operation declares is valid by `problemsOf`, the file part of `multipartOperation`'s upload
 * standing in as binary. Returns how many bodies it checked.
 */
export function expectRequestsInSpec(
  spec: SpecValidator,
  requests: RecordedRequest[],
  multipartOperation: string,
  problemsOf: (operation: string, body: unknown) => string[],
): number {
  let checked = 0;
  for (const entry of requests) {
    const operation = spec.operationFor(entry.method, entry.path);
    expect(operation, `${entry.method} ${entry.path} is an operation of the spec`).toBeDefined();
    if (!operation) continue;
    const declared = new Set(
      (spec.spec.operations[operation]?.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
    );
    for (const name of Object.keys(entry.query))
      expect(declared, `${operation} ?${name}`).toContain(name.replace(/\[.*$/, ''));
    if (!spec.spec.operations[operation]?.requestBody || entry.body === undefined) continue;
    const body =
      operation === multipartOperation ? { ...(entry.body as Record<string, unknown>), file: '(binary)' } : entry.body;
    expectValid(problemsOf(operation, body), body, operation);
    checked += 1;
  }
  return checked;
}
