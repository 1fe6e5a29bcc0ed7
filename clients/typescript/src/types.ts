import type { paths } from './schema.js';

export type Method = 'get' | 'post' | 'patch' | 'delete';

/** The paths that have this method. */
export type PathsWith<M extends Method> = {
  [P in keyof paths]: paths[P] extends { [K in M]: unknown } ? P : never;
}[keyof paths];

type SuccessStatus = 200 | 201 | 202;

/** The JSON body of an operation's successful answer: `ResponseBody<'/v1/tasks/{task}/classify', 'post'>`. */
export type ResponseBody<P extends PathsWith<M>, M extends Method = 'get'> = paths[P][M] extends {
  responses: infer Responses;
}
  ? {
      [S in keyof Responses]: S extends SuccessStatus
        ? Responses[S] extends { content: { 'application/json': infer Body } }
          ? Body
          : never
        : never;
    }[keyof Responses]
  : never;

/** The JSON body an operation takes: `RequestBody<'/v1/tasks', 'post'>`. */
export type RequestBody<P extends PathsWith<M>, M extends Method = 'post'> = paths[P][M] extends {
  requestBody?: { content: { 'application/json': infer Body } };
}
  ? Body
  : never;
