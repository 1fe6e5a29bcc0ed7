import { randomUUID } from 'node:crypto';
import { Pool } from 'undici';
import {
  type LabelTokenTable,
  labelTokenTable,
  mapChatAnswer,
  type TokenPosition,
} from '../../domain/labeling/logprob-mapping.js';
import { chatMessages } from '../../domain/labeling/prompt.js';
import type { PromptConfig } from '../../domain/labeling/prompt-config.js';
import { boundedUsage, promptTokenBound } from '../../domain/labeling/reported-usage.js';
import { tokenStrings } from '../../domain/labeling/token-strings.js';
import { type HeaderSource, providerError } from '../http-errors.js';
import { answerOutcome } from '../chat-outcome.js';
import type { Classifier, ClassifyOutcome } from '../provider.js';
import { classifyOpenAIError, parseRateLimitHeaders } from './error-classification.js';

/**
 * The classify endpoint's path to a hosted chat model (OpenAI and OpenAI-compatible servers):
 * `POST {base}/chat/completions` over a pooled keep-alive undici client, with the request body
 * built once per model and prompt (only the input text is spliced in per call) and the answer
 * parsed straight from the response buffer. Request and response are exactly the shapes of
 * OpenAI's API description (CreateChatCompletionRequest / CreateChatCompletionResponse), the
 * same the SDK sends for the same prompt: the contract test checks both paths' requests.
 *
 * Why not the SDK here: on the classify path it cost about a quarter of the API's CPU per
 * request (request building, debug-log arguments, a fetch Response per answer, two extra
 * AbortSignals). Labeling, fine-tuning and everything else keep using the official SDK.
 */

export interface PooledChatConnection {
  apiKey: string;
  baseUrl: string;
  organization?: string | undefined;
  project?: string | undefined;
  timeoutMs: number;
  /** Sent with every request (a gateway's own headers). */
  headers?: Readonly<Record<string, string>> | undefined;
  /** False: no logprobs are asked for (servers that give none or refuse the parameter). */
  logprobs?: boolean;
}

/** What one prompt's requests share: the body around the input text, and its label token table. */
interface PreparedPrompt {
  bodyBefore: string;
  bodyAfter: string;
  labels: LabelTokenTable;
  maxOutputTokens: number;
  /** promptTokenBound of everything but the input text, which each call adds. */
  fixedTokenBound: number;
}

// Kept-alive connections per upstream; enough for the concurrency one API process serves.
const POOL_CONNECTIONS = 256;
const IDLE_KEEP_ALIVE_MS = 30_000;

interface ChatAnswer {
  choices?: { message?: { content?: string | null } | null; logprobs?: { content?: TokenPosition[] | null } | null }[];
  usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } | null;
}

interface ErrorBody {
  error?: { code?: unknown; type?: unknown; message?: unknown } | null;
}

/** One pool per connection; classifiers for its models share it. */
export function pooledChat(connection: PooledChatConnection) {
  const base = new URL(connection.baseUrl.endsWith('/') ? connection.baseUrl : `${connection.baseUrl}/`);
  const path = `${new URL('chat/completions', base).pathname}${base.search}`;
  const pool = new Pool(base.origin, {
    connections: POOL_CONNECTIONS,
    keepAliveTimeout: IDLE_KEEP_ALIVE_MS,
    headersTimeout: connection.timeoutMs,
    bodyTimeout: connection.timeoutMs,
  });
  const headers: Record<string, string> = {
    ...connection.headers,
    authorization: `Bearer ${connection.apiKey}`,
    'content-type': 'application/json',
    accept: 'application/json',
    ...(connection.organization ? { 'openai-organization': connection.organization } : {}),
    ...(connection.project ? { 'openai-project': connection.project } : {}),
  };
  const askLogprobs = connection.logprobs !== false;

  return {
    classifier(model: string): Classifier {
      const tokenize = tokenStrings(model);
      const prepared = new WeakMap<PromptConfig, PreparedPrompt>();
      const prepare = (prompt: PromptConfig): PreparedPrompt => {
        let found = prepared.get(prompt);
        if (!found) {
          found = preparePrompt(
            model,
            prompt,
            labelTokenTable(
              prompt.labels.map((label) => label.name),
              tokenize,
            ),
            askLogprobs,
          );
          prepared.set(prompt, found);
        }
        return found;
      };

      return {
        provider: 'openai',
        model,
        async classify(text, prompt, signal): Promise<ClassifyOutcome> {
          const started = performance.now();
          const shape = prepare(prompt);
          const body = shape.bodyBefore + JSON.stringify(text) + shape.bodyAfter;
          let status: number;
          let responseHeaders: HeaderSource;
          let raw: string;
          try {
            const response = await pool.request({ path, method: 'POST', headers, body, signal });
            status = response.statusCode;
            responseHeaders = response.headers;
            raw = await response.body.text();
          } catch (error) {
            throw transportError(error, signal);
          }
          if (status < 200 || status > 299) throw answeredError(status, responseHeaders, raw);
          const answer = parseAnswer(raw);
          const choice = answer.choices?.[0];
          const content = typeof choice?.message?.content === 'string' ? choice.message.content : '';
          // The spec makes a choice's `logprobs` nullable: servers without logprob support send null.
          const positions = Array.isArray(choice?.logprobs?.content) ? choice.logprobs.content : null;
          return answerOutcome({
            mapped: mapChatAnswer(shape.labels, content, positions),
            content,
            usage: boundedUsage(answer.usage, {
              maxInputTokens: shape.fixedTokenBound + promptTokenBound([text]) - promptTokenBound([]),
              maxOutputTokens: shape.maxOutputTokens,
            }),
            withoutLogprobs: positions === null,
            startedAt: started,
            rateLimit: parseRateLimitHeaders(responseHeaders),
          });
        },
      };
    },

    close: () => pool.close(),
  };
}

export type PooledChat = ReturnType<typeof pooledChat>;

/**
 * The request body with a marker where the input text goes, split there: each call then costs one
 * JSON.stringify of the text. The marker is random, so no prompt can contain it.
 */
function preparePrompt(
  model: string,
  prompt: PromptConfig,
  labels: LabelTokenTable,
  askLogprobs: boolean,
): PreparedPrompt {
  const marker = `tuneline-input-${randomUUID()}`;
  const messages = chatMessages(prompt, marker);
  const last = messages.at(-1);
  if (last?.role !== 'user' || last.content !== marker) throw new Error('the input text is not the last message');
  const maxOutputTokens = labels.longestLabelTokens + 1;
  const body = JSON.stringify({
    model,
    messages,
    max_completion_tokens: maxOutputTokens,
    temperature: 0,
    ...(askLogprobs ? { logprobs: true, top_logprobs: 20 } : {}),
  });
  const [bodyBefore, bodyAfter, extra] = body.split(JSON.stringify(marker));
  if (bodyBefore === undefined || bodyAfter === undefined || extra !== undefined) throw new Error('marker not unique');
  return {
    bodyBefore,
    bodyAfter,
    labels,
    maxOutputTokens,
    fixedTokenBound: promptTokenBound(messages.slice(0, -1).map((message) => message.content)),
  };
}

/** A 2xx body that is not a JSON object is the server's fault: retryable, like a 5xx. */
function parseAnswer(raw: string): ChatAnswer {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw providerError({ kind: 'retryable', code: 'invalid_response' }, 'the answer is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw providerError({ kind: 'retryable', code: 'invalid_response' }, 'the answer is not a JSON object');
  return parsed as ChatAnswer;
}

/** A refused request, sorted by the same table as the SDK path's errors (status, then code). */
function answeredError(status: number, headers: HeaderSource, raw: string) {
  let body: ErrorBody | undefined;
  try {
    body = JSON.parse(raw) as ErrorBody;
  } catch {
    body = undefined;
  }
  const error = typeof body === 'object' && body !== null ? body.error : undefined;
  const text = (value: unknown) => (typeof value === 'string' ? value : null);
  const message = text(error?.message) ?? `${status} status code${raw ? '' : ' (no body)'}`;
  const classified = classifyOpenAIError({
    status,
    code: text(error?.code),
    type: text(error?.type),
    message,
    headers,
  });
  return providerError(classified, `${status} ${message}`, status, parseRateLimitHeaders(headers));
}

// undici's codes for a request that got no answer in time.
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/** No answer at all: timed out, refused, reset. An abort by the caller is passed through untouched. */
function transportError(error: unknown, signal: AbortSignal | undefined): unknown {
  if (signal?.aborted) return error;
  const code = (error as { code?: unknown } | undefined)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (typeof code === 'string' && TIMEOUT_CODES.has(code))
    return providerError(classifyOpenAIError({ message, isTimeout: true }), `Request timed out: ${message}`);
  return providerError(classifyOpenAIError({ message, isConnection: true }), `Connection error: ${message}`);
}
