import type { APIPromise, Together } from 'together-ai';
import type { FileResponse } from 'together-ai/resources/files';
import type { RecordedRequest } from '../fakes/shared/request-log.js';
import type { SpecValidator } from '../fakes/shared/spec-validator.js';

/** What the Together fake's tests share: training rows and the upload the spec describes. */

export const BASE_MODEL = 'meta-llama/Meta-Llama-3.1-8B-Instruct-Reference';
export const SERVERLESS_MODEL = 'meta-llama/Meta-Llama-3.1-8B-Instruct-Turbo';
export const SYSTEM = 'Classify the message.\nLabels: spam, ham\nAnswer with the label only.';

export const chatRows = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    messages: [
      { role: 'system', content: SYSTEM },
      { role: 'user', content: `message number ${i}: ${i % 3 ? 'see you at lunch' : 'buy cheap pills now'}` },
      { role: 'assistant', content: i % 3 ? 'ham' : 'spam' },
    ],
  }));

export const preferenceRows = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    input: { messages: [{ role: 'user', content: `message ${i}` }] },
    preferred_output: [{ role: 'assistant', content: 'ham' }],
    non_preferred_output: [{ role: 'assistant', content: 'spam' }],
  }));

export const jsonl = (rows: unknown[]): string => `${rows.map((row) => JSON.stringify(row)).join('\n')}\n`;

/**
 * `POST /v1/files/upload`, the multipart upload the spec describes, through the SDK's generic
 * `post` (its `files.upload` cannot run in an ES module; see the fake's README).
 */
export function uploadFile(
  client: Together,
  content: string,
  fileName = 'train.jsonl',
  purpose = 'fine-tune',
): APIPromise<FileResponse> {
  const form = new FormData();
  form.set('purpose', purpose);
  form.set('file_name', fileName);
  form.set('file_type', fileName.split('.').at(-1) ?? 'jsonl');
  form.set('file', new Blob([content]), fileName);
  return client.post<FileResponse>('/files/upload', { body: form });
}

/**
 * The spec operations of what Tuneline's Together code sent (`requests`, the fake's log), with the
 * problems found: every request an operation of the spec, with declared query parameters only
 * and a body its request schema accepts.
 */
export function checkedTogetherRequests(
  spec: SpecValidator,
  requests: readonly RecordedRequest[],
): { operations: Set<string>; problems: string[] } {
  const operations = new Set<string>();
  const problems: string[] = [];
  for (const entry of requests) {
    const operation = spec.operationFor(entry.method, entry.path);
    if (!operation) {
      problems.push(`${entry.method} ${entry.path} is no operation of the spec`);
      continue;
    }
    operations.add(operation);
    const declared = new Set(
      (spec.spec.operations[operation]?.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
    );
    for (const name of Object.keys(entry.query))
      if (!declared.has(name)) problems.push(`${operation}: undeclared ?${name}`);
    if (!spec.spec.operations[operation]?.requestBody || entry.body === undefined) continue;
    // Multipart: the file part is binary.
    const body =
      operation === 'POST /files/upload'
        ? { ...(entry.body as Record<string, unknown>), file: '(binary)' }
        : entry.body;
    for (const problem of spec.validateRequest(operation, body)) problems.push(`${operation}: ${problem}`);
  }
  return { operations, problems };
}
