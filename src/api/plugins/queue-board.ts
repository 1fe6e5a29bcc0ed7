import type { FastifyInstance } from 'fastify';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { Queues } from '../../queues/queue-registry.js';
import { markRoutes } from './mark-routes.js';

const QUEUE_BOARD_PATH = '/admin/queues';

/** Bull Board for operators; admin only, with HTTP Basic so a browser can log in (any user, key as password). */
export async function installQueueBoard(app: FastifyInstance, queues: Queues): Promise<void> {
  const adapter = new FastifyAdapter();
  adapter.setBasePath(QUEUE_BOARD_PATH);
  createBullBoard({ queues: queues.all().map((queue) => new BullMQAdapter(queue)), serverAdapter: adapter });
  await app.register(async (board) => {
    markRoutes(board, { access: 'admin', basicAuth: true });
    await board.register(adapter.registerPlugin(), { prefix: QUEUE_BOARD_PATH });
  });
}
