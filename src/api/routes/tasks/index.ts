import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { TasksService } from '../../../services/tasks-service.js';
import { authenticatedErrors, presentPage } from '../../schemas/common.js';
import { CreateTaskBody, ListTasksQuery, presentTask, Task, TaskPage, TaskParams, UpdateTaskBody } from './schemas.js';
import { NO_TASK, taskInPath } from '../../task-bindings.js';

const tags = ['tasks'];

export const tasksRoutes: FastifyPluginAsyncTypebox<{ tasks: TasksService }> = async (app, { tasks }) => {
  app.post('/v1/tasks', {
    config: { access: 'write', idempotent: true },
    schema: {
      tags,
      operationId: 'createTask',
      summary: 'Create a classification task',
      body: CreateTaskBody,
      response: { 201: Task, ...authenticatedErrors(409) },
    },
    handler: async (request, reply) => {
      const { good_threshold, ...definition } = request.body;
      const task = await tasks.create({ ...definition, goodThreshold: good_threshold });
      return reply.status(201).header('location', `/v1/tasks/${task.slug}`).send(presentTask(task));
    },
  });

  app.get('/v1/tasks', {
    // Names no task; what it lists is kept to the key's tasks below.
    config: { access: 'read', tasks: NO_TASK },
    schema: {
      tags,
      operationId: 'listTasks',
      summary: 'List tasks, newest first',
      querystring: ListTasksQuery,
      response: { 200: TaskPage, ...authenticatedErrors() },
    },
    handler: async (request) => {
      const { limit, cursor, include_archived } = request.query;
      const only = request.principal?.tasks?.ids;
      const page = await tasks.list({
        limit,
        cursor,
        includeArchived: include_archived,
        ...(only ? { onlyIds: [...only] } : {}),
      });
      return presentPage(page, presentTask);
    },
  });

  app.get('/v1/tasks/:task', {
    config: { access: 'read', tasks: [taskInPath] },
    schema: {
      tags,
      operationId: 'getTask',
      summary: 'Get a task by slug or id',
      params: TaskParams,
      response: { 200: Task, ...authenticatedErrors(404) },
    },
    handler: async (request) => presentTask(await tasks.get(request.params.task)),
  });

  app.patch('/v1/tasks/:task', {
    config: { access: 'write', tasks: [taskInPath] },
    schema: {
      tags,
      operationId: 'updateTask',
      summary: 'Change a task’s description, instructions, labels or good-vs-bad threshold',
      params: TaskParams,
      body: UpdateTaskBody,
      response: { 200: Task, ...authenticatedErrors(404, 409) },
    },
    handler: async (request) => {
      const { good_threshold, ...changes } = request.body;
      return presentTask(await tasks.update(request.params.task, { ...changes, goodThreshold: good_threshold }));
    },
  });

  app.post('/v1/tasks/:task/archive', {
    config: { access: 'write', tasks: [taskInPath] },
    schema: {
      tags,
      operationId: 'archiveTask',
      summary: 'Archive a task (tasks are never deleted); idempotent',
      params: TaskParams,
      response: { 200: Task, ...authenticatedErrors(404) },
    },
    handler: async (request) => presentTask(await tasks.archive(request.params.task)),
  });

  app.post('/v1/tasks/:task/restore', {
    config: { access: 'write', tasks: [taskInPath] },
    schema: {
      tags,
      operationId: 'restoreTask',
      summary: 'Bring an archived task back; idempotent',
      params: TaskParams,
      response: { 200: Task, ...authenticatedErrors(404) },
    },
    handler: async (request) => presentTask(await tasks.restore(request.params.task)),
  });
};
