/** What the fake received, for assertions on what our client sent (headers, bodies, retries). */
export interface RecordedRequest {
  requestId: string;
  method: string;
  /** Path without the query string, e.g. `/v1/chat/completions`. */
  path: string;
  query: Record<string, string>;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  /** Parsed JSON body; for uploads `{ purpose, file: { filename, bytes, contentType } , ...fields }`. */
  body: unknown;
  receivedAt: number;
  /** Filled in when the response is sent; undefined while in flight or hanging. */
  status?: number;
  durationMs?: number;
}

/** A bounded log: the array stays the same object so `fake.requests` can be held by a test. */
export function createRequestLog(maxEntries: () => number) {
  const entries: RecordedRequest[] = [];
  return {
    entries,
    add(entry: RecordedRequest): void {
      entries.push(entry);
      const overflow = entries.length - maxEntries();
      if (overflow > 0) entries.splice(0, overflow);
    },
    clear(): void {
      entries.length = 0;
    },
  };
}

export type RequestLog = ReturnType<typeof createRequestLog>;
