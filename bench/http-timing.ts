import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';

/** One request at a time over a kept-alive connection, timed with sub-millisecond resolution; sorted. */
export async function sequential(
  url: string,
  body: string | null,
  headers: Record<string, string>,
  count: number,
): Promise<number[]> {
  return sequentialEach(url, body === null ? null : [body], headers, count);
}

/** As `sequential`, cycling through `bodies` (null: GET). */
export async function sequentialEach(
  url: string,
  bodies: string[] | null,
  headers: Record<string, string>,
  count: number,
): Promise<number[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const target = new URL(url);
  const once = (body: string | null) =>
    new Promise<number>((resolve, reject) => {
      const started = performance.now();
      const req = request(
        {
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: body === null ? 'GET' : 'POST',
          agent,
          headers: { ...(body === null ? {} : { 'content-type': 'application/json' }), ...headers },
        },
        (res) => {
          res.resume();
          res.on('end', () =>
            res.statusCode === 200
              ? resolve(performance.now() - started)
              : reject(new Error(`status ${res.statusCode}`)),
          );
        },
      );
      req.on('error', reject);
      req.end(body ?? undefined);
    });
  const bodyAt = (i: number) => (bodies === null ? null : bodies[i % bodies.length]!);
  for (let i = 0; i < 20; i++) await once(bodyAt(i)); // warm-up
  const times: number[] = [];
  for (let i = 0; i < count; i++) times.push(await once(bodyAt(i)));
  agent.destroy();
  return times.sort((a, b) => a - b);
}

export const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

export const ms = (value: number) => `${value.toFixed(2)} ms`;

/** `connections` at once for `seconds`, cycling through `bodies`. */
export async function load(
  url: string,
  bodies: string[],
  headers: Record<string, string>,
  options: { connections: number; seconds: number },
) {
  const result = await autocannon({
    url,
    method: 'POST',
    connections: options.connections,
    duration: options.seconds,
    headers: { 'content-type': 'application/json', ...headers },
    requests: bodies.map((body) => ({ body })),
  });
  const total = result['2xx'] + result.non2xx + result.errors + result.timeouts;
  return {
    perSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok: result['2xx'],
    failed: total - result['2xx'],
    total,
  };
}
