/**
 * The floor bench/classify.ts measures Tuneline's hosted path against: the least a service in
 * between can do, one extra hop. A plain `node:http` server that forwards each request to the
 * upstream over a pooled keep-alive undici client and sends the answer back unchanged.
 *
 *   npx tsx bench/one-hop-proxy.ts <upstream origin>     prints its own URL, then serves
 *
 * `GET /_cpu` answers this process's CPU microseconds so far, for CPU per request.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';

const upstream = new URL(process.argv[2] ?? 'http://127.0.0.1:8080');
const pool = new Pool(upstream.origin, { connections: 256, keepAliveTimeout: 30_000 });
// Hop-by-hop headers are the proxy's own business on each side (RFC 9110 §7.6.1).
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host', 'upgrade', 'te', 'trailer']);

const forwarded = (headers: IncomingHttpHeaders) => {
  const kept: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers))
    if (value !== undefined && !HOP_BY_HOP.has(name)) kept[name] = value;
  return kept;
};

const server = createServer(async (request, response) => {
  if (request.url === '/_cpu') {
    const used = process.cpuUsage();
    response.end(JSON.stringify({ cpu_micros: used.user + used.system }));
    return;
  }
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const answer = await pool.request({
      path: request.url ?? '/',
      method: (request.method ?? 'GET') as 'GET',
      headers: forwarded(request.headers),
      body: chunks.length > 0 ? Buffer.concat(chunks) : null,
    });
    const body = Buffer.from(await answer.body.arrayBuffer());
    response.writeHead(answer.statusCode, forwarded(answer.headers as IncomingHttpHeaders));
    response.end(body);
  } catch (error) {
    response.writeHead(502).end(String(error));
  }
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => {
  console.log(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
process.on('SIGTERM', () => {
  server.close();
  void pool.close();
  server.closeAllConnections();
});
