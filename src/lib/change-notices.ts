import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

export type ChangeTopic = 'routing' | 'api-keys';
type Handler = (id: string) => void | Promise<void>;

/**
 * Tells every process that something it may hold in memory changed (a task's routing, an API key),
 * over Redis pub/sub. The publishing process applies the change to itself before `publish`
 * resolves (so a client reads its own write from the instance it wrote to) and ignores its own
 * notice when it comes back from Redis. Publishing uses the shared connection. Subscribing needs a connection of its
 * own (a subscribed client can do nothing else), so it is opened only by processes that cache.
 * Pub/sub delivers only to those connected at the time: after a reconnect, `onReconnect`
 * handlers reload everything, since notices may have been missed meanwhile.
 */
export function changeNotices({ redis, prefix, logger }: { redis: Redis; prefix: string; logger: Logger }) {
  const channel = `${prefix}:changes`;
  const handlers = new Map<ChangeTopic, Set<Handler>>();
  const reconnectHandlers = new Set<() => void>();
  let subscriber: Redis | undefined;
  let subscribed: Promise<unknown> | undefined;
  let connectedBefore = false;
  const origin = randomUUID();

  const handle = async (topic: ChangeTopic, id: string) => {
    for (const handler of handlers.get(topic) ?? []) {
      try {
        await handler(id);
      } catch (error) {
        logger.warn({ err: error, topic, id }, 'applying a change notice failed');
      }
    }
  };

  const deliver = (_channel: string, message: string) => {
    let notice: { topic: ChangeTopic; id: string; origin: string };
    try {
      notice = JSON.parse(message) as typeof notice;
    } catch {
      return;
    }
    if (notice.origin !== origin) void handle(notice.topic, notice.id);
  };

  const listen = () => {
    if (subscriber) return;
    const connection = redis.duplicate({ connectionName: `${redis.options.connectionName ?? 'tuneline'}:changes` });
    connection.on('error', (error) => logger.warn({ err: error }, 'change notice connection error'));
    connection.on('message', deliver);
    // ioredis re-subscribes by itself after a reconnect; 'ready' fires each time it is back.
    connection.on('ready', () => {
      if (connectedBefore) for (const handler of reconnectHandlers) handler();
      connectedBefore = true;
    });
    // ioredis holds the command until the connection is ready; ready() waits for the answer.
    subscribed = connection.subscribe(channel);
    subscribed.catch((error: unknown) => logger.warn({ err: error }, 'could not subscribe to change notices'));
    subscriber = connection;
  };

  return {
    async publish(topic: ChangeTopic, id: string): Promise<void> {
      await handle(topic, id);
      await redis.publish(channel, JSON.stringify({ topic, id, origin }));
    },

    /** Calls `handler` with the id of every changed thing of `topic`, from any process. */
    subscribe(topic: ChangeTopic, handler: Handler, onReconnect?: () => void): void {
      listen();
      if (!handlers.has(topic)) handlers.set(topic, new Set());
      handlers.get(topic)!.add(handler);
      if (onReconnect) reconnectHandlers.add(onReconnect);
    },

    /** Resolves once the subscription is live, so a notice published afterwards is seen. */
    async ready(): Promise<void> {
      await subscribed;
    },

    async close(): Promise<void> {
      const connection = subscriber;
      subscriber = undefined;
      subscribed = undefined;
      if (connection) await connection.quit().catch(() => connection.disconnect());
    },
  };
}

export type ChangeNotices = ReturnType<typeof changeNotices>;
