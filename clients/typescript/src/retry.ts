/** How the client retries a request the server refused for now. */
export interface RetryOptions {
  /** Retries after the first attempt; 0 turns retrying off. Default 3. */
  attempts?: number;
  /** The longest the client waits before one retry: a server that asks for longer gets its answer back instead. Default 30 s. */
  maxWaitMs?: number;
  /** The wait when the server names none (no `retry-after`), doubled on each retry. Default 500 ms. */
  baseDelayMs?: number;
  /** Told before each wait: for logs and metrics. */
  onRetry?: (retry: RetryNotice) => void;
}

export interface RetryNotice {
  /** 1 for the first retry. */
  attempt: number;
  waitMs: number;
  status: number;
  method: string;
  url: string;
}

export type FetchLike = (request: Request) => Promise<Response>;

const DEFAULTS = { attempts: 3, maxWaitMs: 30_000, baseDelayMs: 500 };
// Methods HTTP defines as idempotent: sending one twice has the effect of sending it once.
const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

/** The wait `retry-after` asks for, in milliseconds: delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(value: string | null, now: number = Date.now()): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Which refusals are worth sending again, and for which requests:
 * - 429: Tuneline's rate limiter refuses before the handler runs, so nothing was done; any method.
 * - 503: the request may have got part way (classify logs a failed prediction; Postgres went away
 *   mid-request), so only requests that are safe to repeat: an idempotent method, or any request
 *   carrying an Idempotency-Key (the server does the work once and releases the key on an error).
 * - 409 with `retry-after` on a request with an Idempotency-Key: the first request with that key is
 *   still running; the retry gets its answer.
 */
export function isRetryable(request: Request, response: Response): boolean {
  const keyed = request.headers.has('idempotency-key');
  if (response.status === 429) return true;
  if (response.status === 503) return keyed || IDEMPOTENT_METHODS.has(request.method);
  if (response.status === 409) return keyed && response.headers.has('retry-after');
  return false;
}

const sleep = (ms: number, signal: AbortSignal | null) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', abort);
      resolve();
    }, ms);
    const abort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', abort, { once: true });
  });

/** A fetch that sends a request again after a retryable refusal, waiting as the server asks, within bounds. */
export function retryingFetch(send: FetchLike, options: RetryOptions = {}): FetchLike {
  const attempts = Math.max(0, Math.floor(options.attempts ?? DEFAULTS.attempts));
  const maxWaitMs = options.maxWaitMs ?? DEFAULTS.maxWaitMs;
  const baseDelayMs = options.baseDelayMs ?? DEFAULTS.baseDelayMs;
  return async (request) => {
    for (let attempt = 1; ; attempt++) {
      const last = attempt > attempts;
      // A body can be sent once: every attempt but the last sends a copy.
      const response = await send(last ? request : request.clone());
      if (last || !isRetryable(request, response)) return response;
      const waitMs = retryAfterMs(response.headers.get('retry-after')) ?? baseDelayMs * 2 ** (attempt - 1);
      if (waitMs > maxWaitMs) return response;
      options.onRetry?.({ attempt, waitMs, status: response.status, method: request.method, url: request.url });
      // Frees the connection: the refusal's body is not needed.
      await response.body?.cancel().catch(() => undefined);
      await sleep(waitMs, request.signal);
    }
  };
}

export { sleep };
