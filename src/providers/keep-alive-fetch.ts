import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

type Fetch = typeof fetch;

/**
 * A `fetch` for the providers' SDKs (OpenAI's, Together's) on the classify path: plain
 * `node:http` over kept-alive connections. Node's built-in fetch costs about 0.8 ms more per call
 * (WHATWG streams and header objects), which is most of what Tuneline adds to a hosted model's
 * latency and CPU.
 * Only requests with a string or byte body take this path; anything else (multipart file
 * uploads) goes to the built-in fetch. Responses are buffered: classification answers are small.
 */
export function keepAliveFetch(fallback: Fetch = globalThis.fetch): Fetch {
  const agents = {
    'http:': new HttpAgent({ keepAlive: true, scheduling: 'lifo' }),
    'https:': new HttpsAgent({ keepAlive: true, scheduling: 'lifo' }),
  };

  return (async (input: string | URL | Request, init: RequestInit = {}) => {
    const body = init.body;
    const simpleBody = body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array;
    if (input instanceof Request || !simpleBody) return fallback(input, init);
    const url = new URL(input);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return fallback(input, init);
    const signal = init.signal ?? undefined;
    signal?.throwIfAborted();
    const headers: Record<string, string> = {};
    for (const [name, value] of new Headers(init.headers)) headers[name] = value;

    return new Promise<Response>((resolve, reject) => {
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const request = send(
        url,
        { method: init.method ?? 'GET', headers, agent: agents[url.protocol as 'http:' | 'https:'] },
        (response: IncomingMessage) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', (error) => {
            signal?.removeEventListener('abort', abort);
            reject(new TypeError('fetch failed', { cause: error }));
          });
          response.on('end', () => {
            signal?.removeEventListener('abort', abort);
            const responseHeaders = new Headers();
            for (let i = 0; i < response.rawHeaders.length; i += 2)
              responseHeaders.append(response.rawHeaders[i]!, response.rawHeaders[i + 1]!);
            const status = response.statusCode ?? 500;
            // Responses with these statuses may not carry a body.
            const payload = status === 204 || status === 304 ? null : Buffer.concat(chunks);
            resolve(
              new Response(payload, { status, statusText: response.statusMessage ?? '', headers: responseHeaders }),
            );
          });
        },
      );
      const abort = () => {
        request.destroy();
        reject(signal?.reason ?? new DOMException('This operation was aborted', 'AbortError'));
      };
      signal?.addEventListener('abort', abort, { once: true });
      request.on('error', (error) => {
        signal?.removeEventListener('abort', abort);
        reject(new TypeError('fetch failed', { cause: error }));
      });
      request.end(body ?? undefined);
    });
  }) as Fetch;
}
