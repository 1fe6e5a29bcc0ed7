import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { ConnectionError, FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_CATALOGUE, errors, type ErrorCode } from '../../errors.js';
import { PROBLEM_CONTENT_TYPE, sendProblem } from './problem-details.js';

/**
 * Errors met before a request reaches a route: Fastify's router (a URL it cannot decode) and
 * Node's HTTP parser (headers or URL too large, malformed requests). Both answered plain JSON of
 * their own shape; they are problem+json like every other error.
 */

/** Fastify `frameworkErrors`: the router could not take the URL (bad percent-encoding). */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  return sendProblem(request, reply, errors.badRequest(`The request URL cannot be decoded: ${error.message}`));
}

// A request line this long is answered 414 (URI too long) rather than 431.
const LONG_REQUEST_LINE = 8_192;

const of = (code: ErrorCode, detail: string) => ({ status: ERROR_CATALOGUE[code].status, code, detail });

/** The problem for an error of Node's HTTP parser, judged from the bytes it choked on. */
function clientProblem(error: { code?: string; rawPacket?: unknown }): {
  status: number;
  code: ErrorCode;
  detail: string;
} {
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return of('request_timeout', 'The request was not received in time.');
  if (error.code === 'HPE_HEADER_OVERFLOW') {
    const packet = Buffer.isBuffer(error.rawPacket) ? error.rawPacket : Buffer.alloc(0);
    const lineEnd = packet.indexOf('\r\n');
    const requestLine = lineEnd === -1 ? packet.length : lineEnd;
    return requestLine > LONG_REQUEST_LINE
      ? of('uri_too_long', 'The request URL is too long.')
      : of('headers_too_large', 'The request headers are too large.');
  }
  return of('bad_request', 'The request is not valid HTTP.');
}

/** Fastify `clientErrorHandler`: writes the problem on the raw socket (there is no request yet). */
export function clientErrorHandler(error: ConnectionError, socket: Socket): void {
  // A reset connection has nobody to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const problem = clientProblem(error);
  const requestId = randomUUID();
  const body = JSON.stringify({
    type: `urn:tuneline:problem:${problem.code}`,
    title: STATUS_CODES[problem.status] ?? 'Error',
    status: problem.status,
    code: problem.code,
    detail: problem.detail,
    request_id: requestId,
  });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status]}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `x-request-id: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
