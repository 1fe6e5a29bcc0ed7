import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';

/** Processes a benchmark starts: the API, workers and the provider fakes, each with its own event loop. */

export const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });

/** Starts a TypeScript entry point; `firstLine` is the first line it prints (a fake prints its URL). */
export function start(
  entry: string,
  args: string[],
  env: Record<string, string>,
): { child: ChildProcess; firstLine: Promise<string> } {
  const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const firstLine = new Promise<string>((resolve) => {
    let buffered = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      if (buffered.includes('\n')) resolve(buffered.split('\n')[0]!);
    });
  });
  return { child, firstLine };
}

export const stop = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });

/** Waits (at most `timeoutMs`) until the API answers /health/ready. */
export async function waitUntilReady(base: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ready = await fetch(`${base}/health/ready`)
      .then((r) => r.ok)
      .catch(() => false);
    if (ready) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${base} was not ready within ${timeoutMs} ms`);
}

/** A JSON client for the API under test; a non-2xx answer throws with its problem document. */
export const apiClient =
  (base: string, key: string) =>
  async <T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    type = 'application/json',
  ): Promise<T> => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': type }) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const json: unknown = await response.json();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
    return json as T;
  };

/**
 * The API as its own process on a free port, migrating its database on start, with rate limits
 * lifted so the benchmark measures Tuneline rather than its limiter; `env` is for its workers.
 */
export async function startApi(baseEnv: Record<string, string>, extra: Record<string, string> = {}) {
  const port = await freePort();
  const env = {
    ...baseEnv,
    MIGRATE_ON_START: 'true',
    PORT: String(port),
    HOST: '127.0.0.1',
    CLASSIFY_RATE_LIMIT_PER_MINUTE: '100000000',
    ...extra,
  };
  const api = start('src/start/server.ts', [], env);
  const base = `http://127.0.0.1:${port}`;
  await waitUntilReady(base);
  return { child: api.child, base, env };
}
