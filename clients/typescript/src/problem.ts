import type { components } from './schema.js';

/** The API's error body: RFC 9457 problem details (application/problem+json). */
export type Problem = components['schemas']['Problem'];
/** One offending field of a 4xx: `field` is a path such as `body.labels[1].name` or `query.limit`. */
export type FieldProblem = NonNullable<Problem['errors']>[number];

/** An answer of 4xx or 5xx, with the API's problem details as typed fields. */
export class TunelineProblem extends Error implements Problem {
  override readonly name = 'TunelineProblem';
  readonly type: string;
  readonly title: string;
  readonly status: number;
  /** Stable, machine-readable: `validation_failed`, `not_found`, `rate_limited`, ... */
  readonly code: string;
  readonly detail: string;
  readonly instance: string;
  readonly request_id: string;
  readonly errors: FieldProblem[];
  readonly details: Record<string, unknown>;
  /** The response's headers (`retry-after`, `x-request-id`, ...). */
  readonly headers: Headers;

  constructor(problem: Problem, headers: Headers = new Headers()) {
    super(`${problem.status} ${problem.code}: ${problem.detail}`);
    this.type = problem.type;
    this.title = problem.title;
    this.status = problem.status;
    this.code = problem.code;
    this.detail = problem.detail;
    this.instance = problem.instance;
    this.request_id = problem.request_id;
    this.errors = problem.errors ?? [];
    this.details = problem.details ?? {};
    this.headers = headers;
  }

  /** What the API said about one field (`body.inputs[0]`), if it named it. */
  field(path: string): string | undefined {
    return this.errors.find((error) => error.field === path)?.message;
  }

  /**
   * The problem of a failed response, from its parsed body. A body that is not the API's problem
   * details (a proxy's error page, an empty 502) still gives a TunelineProblem, with code `http_<status>`.
   */
  static from(body: unknown, response: Response): TunelineProblem {
    if (isProblem(body)) return new TunelineProblem(body, response.headers);
    const status = response.status;
    const path = new URL(response.url || 'http://unknown/').pathname;
    return new TunelineProblem(
      {
        type: 'about:blank',
        title: response.statusText || `HTTP ${status}`,
        status,
        code: `http_${status}`,
        detail: typeof body === 'string' && body ? body.slice(0, 500) : `The server answered ${status}.`,
        instance: path,
        request_id: response.headers.get('x-request-id') ?? '',
      },
      response.headers,
    );
  }
}

function isProblem(body: unknown): body is Problem {
  if (typeof body !== 'object' || body === null) return false;
  const candidate = body as Record<string, unknown>;
  return typeof candidate['status'] === 'number' && typeof candidate['code'] === 'string';
}

/** What openapi-fetch resolves to: data on success, the parsed error body otherwise. */
export interface CallResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The data of a successful call; a failed one throws its TunelineProblem. */
export async function unwrap<T>(call: Promise<CallResult<T>> | CallResult<T>): Promise<T> {
  const result = await call;
  if (!result.response.ok) throw TunelineProblem.from(result.error, result.response);
  return result.data as T;
}
