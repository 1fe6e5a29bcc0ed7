import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export type EventSource = () => Promise<{ event: string; data: unknown; done: boolean }>;

/**
 * Server-sent events for a plugin's routes: `open` calls `next` every `intervalMs` and sends what
 * it returns as an event, until it says `done` or the client goes away. Open streams are ended
 * when the server starts closing, or they would hold graceful shutdown until its timeout.
 */
export function eventStreams(app: FastifyInstance) {
  const open = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const stop of [...open]) stop();
  });

  return (request: FastifyRequest, reply: FastifyReply, intervalMs: number, next: EventSource): void => {
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-request-id': request.id,
    });
    let timer: NodeJS.Timeout | undefined;
    const stop = () => {
      if (!open.delete(stop)) return;
      clearTimeout(timer);
      raw.end();
    };
    open.add(stop);
    request.raw.on('close', stop);

    const tick = async () => {
      if (!open.has(stop)) return;
      try {
        const { event, data, done } = await next();
        raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
        if (done) return stop();
        timer = setTimeout(tick, intervalMs);
      } catch (error) {
        request.log.error({ err: error }, 'event stream failed');
        raw.write(`event: error\ndata: ${JSON.stringify({ message: 'stream failed' })}\n\n`);
        stop();
      }
    };
    void tick();
  };
}
