import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { retryAfterHeaders } from '../shared/fault-injector.js';
import { type GeneratedToken, generate } from '../shared/generation.js';
import { unixSeconds } from '../shared/random.js';
import { resolveAnswer, type ScriptMessage } from '../shared/scripting.js';
import { O200K } from '../shared/tokenizer.js';
import { type FakeContext, requestInfo } from './context.js';
import { errors, TogetherError } from './errors.js';
import { type Body, bodyObject, optionalBoolean, optionalEnum, optionalNumber, requiredString } from './validation.js';

/**
 * `POST /v1/chat/completions`: the classification subset, answers from the script. Logprobs follow
 * Together's shape, not OpenAI's: `logprobs` in the request is a count (0..20), and the answer's
 * `logprobs` holds parallel `tokens` / `token_logprobs` / `token_ids` lists and `top_logprobs`,
 * which the spec types as one `{ token: logprob }` map (here: the alternatives at the first
 * generated token, where a label's probability sits). Serverless models are rate-limited per
 * second; dedicated endpoints are not.
 */

const ROLES = new Set(['system', 'user', 'assistant', 'tool', 'function']);
/** Chat-template overhead: begin-of-text, per-message header and end-of-turn, the assistant header to answer in. */
const TOKENS_PER_PROMPT = 1 + 4;
const TOKENS_PER_MESSAGE = 4;

interface ChatRequest {
  model: string;
  messages: ScriptMessage[];
  maxTokens: number | null;
  n: number;
  logprobs: number | null;
  echo: boolean;
  stop: string[];
  seed: number | null;
  contextBehaviour: 'truncate' | 'error';
}

export function chatRoutes(app: FastifyInstance, ctx: FakeContext): void {
  app.post('/chat/completions', async (request) => {
    const chat = parseChatRequest(bodyObject(request.body));
    ctx.stats.modelRequested(chat.model);
    const route = ctx.models.route(chat.model);
    const servedModel = route.kind === 'endpoint' ? route.endpoint.model : chat.model;
    const promptTokens =
      TOKENS_PER_PROMPT +
      chat.messages.reduce((sum, message) => sum + TOKENS_PER_MESSAGE + O200K.count(message.content), 0);
    const maxTokens = fitContext(ctx, servedModel, chat, promptTokens);
    if (route.kind === 'serverless')
      enforceRateLimit(ctx, request, chat.model, promptTokens + (maxTokens ?? 0) * chat.n);
    else route.endpoint.lastActiveMs = ctx.now();

    const options = ctx.options();
    const resolved = resolveAnswer(
      options.script,
      {
        model: chat.model,
        messages: chat.messages,
        userText: chat.messages.findLast((message) => message.role === 'user')?.content ?? '',
        systemText: chat.messages
          .filter((message) => message.role === 'system')
          .map((message) => message.content)
          .join('\n\n'),
        endpoint: 'chat',
      },
      options.answerProbability,
    );
    const generation = generate(resolved, O200K, { maxTokens, stop: chat.stop, alternatives: chat.logprobs ?? 0 });
    const stopped = generation.text !== resolved.answer && generation.finishReason === 'stop';
    const completionTokens = generation.tokens.length * chat.n;
    ctx.stats.served(chat.model, promptTokens, completionTokens);
    const faults = options.faults;
    const withLogprobs = chat.logprobs !== null && !faults.dropLogprobs;
    const prompt = faults.usage?.prompt_tokens ?? promptTokens;
    const completion = faults.usage?.completion_tokens ?? completionTokens;
    return {
      id: randomBytes(8).toString('hex'),
      object: 'chat.completion',
      created: unixSeconds(ctx.now()),
      model: chat.model,
      prompt: chat.echo ? chat.messages.map((message) => ({ text: message.content })) : [],
      choices: Array.from({ length: chat.n }, (_, index) => ({
        index,
        ...(chat.seed !== null ? { seed: chat.seed } : {}),
        // Together says `eos` when the model ended its answer, `stop` when a stop sequence cut it.
        finish_reason: generation.finishReason === 'length' ? 'length' : stopped ? 'stop' : 'eos',
        message: { role: 'assistant', content: generation.text, tool_calls: [] },
        ...(withLogprobs
          ? { logprobs: logprobsPart(generation.tokens, chat.logprobs ?? 0, options.topLogprobsShape) }
          : {}),
      })),
      usage: faults.nullUsage
        ? null
        : { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
    };
  });
}

function logprobsPart(tokens: GeneratedToken[], wanted: number, shape: 'spec' | 'per-token') {
  const top = (token: GeneratedToken) =>
    Object.fromEntries(
      token.alternatives.slice(0, wanted).map((alternative) => [alternative.token, alternative.logprob]),
    );
  return {
    token_ids: tokens.map((token) => token.id),
    tokens: tokens.map((token) => token.token),
    token_logprobs: tokens.map((token) => token.logprob),
    top_logprobs: shape === 'per-token' ? tokens.map(top) : tokens[0] ? top(tokens[0]) : {},
  };
}

/**
 * `max_tokens` against the model's context: `error` (the default) refuses with the wording of the
 * inference server behind Together, `truncate` lowers it to what fits.
 */
function fitContext(ctx: FakeContext, model: string, chat: ChatRequest, promptTokens: number): number | null {
  const tuned = ctx.models.fineTuned(model);
  const context =
    ctx.models.serverless(model)?.contextLength ?? ctx.models.fineTunable(tuned?.base ?? model)?.contextLength ?? 8192;
  if (chat.maxTokens === null || promptTokens + chat.maxTokens <= context) return chat.maxTokens;
  if (chat.contextBehaviour === 'truncate') return Math.max(1, context - promptTokens);
  throw errors.invalidRequest(
    `Input validation error: \`inputs\` tokens + \`max_new_tokens\` must be <= ${context}. Given: ${promptTokens} \`inputs\` tokens and ${chat.maxTokens} \`max_new_tokens\``,
    'max_tokens',
  );
}

function enforceRateLimit(ctx: FakeContext, request: FastifyRequest, model: string, tokens: number): void {
  const decision = ctx.limiter.consume(model, tokens);
  const info = requestInfo(request);
  if (info) info.rateLimit = decision.snapshot;
  if (decision.allowed) return;
  ctx.stats.rateLimited(decision.kind, model);
  const unit = decision.kind === 'requests' ? 'requests' : 'tokens';
  throw new TogetherError(
    429,
    decision.kind === 'requests' ? 'dynamic_request_limited' : 'dynamic_token_limited',
    `Rate limit exceeded for ${model}: ${decision.limit} ${unit} per second. Please retry after ${Math.ceil(decision.retryAfterMs / 1000)}s.`,
    null,
    'rate_limit_exceeded',
    retryAfterHeaders(decision.retryAfterMs),
  );
}

function parseChatRequest(body: Body): ChatRequest {
  if (body['stream'] === true)
    throw errors.invalidRequest(
      'The Together fake does not stream; send stream: false.',
      'stream',
      'unsupported_parameter',
    );
  const model = requiredString(body, 'model');
  const messages = parseMessages(body['messages']);
  optionalNumber(body, 'temperature', { min: 0 });
  optionalNumber(body, 'top_p', { min: 0, max: 1 });
  optionalNumber(body, 'top_k', { min: 1, integer: true });
  optionalNumber(body, 'min_p', { min: 0, max: 1 });
  optionalNumber(body, 'repetition_penalty', {});
  optionalNumber(body, 'presence_penalty', { min: -2, max: 2 });
  optionalNumber(body, 'frequency_penalty', { min: -2, max: 2 });
  const logitBias = body['logit_bias'];
  if (
    logitBias !== undefined &&
    logitBias !== null &&
    (typeof logitBias !== 'object' ||
      Array.isArray(logitBias) ||
      Object.values(logitBias).some((bias) => typeof bias !== 'number'))
  ) {
    throw errors.invalidType('logit_bias', 'an object of token → number');
  }
  return {
    model,
    messages,
    maxTokens: optionalNumber(body, 'max_tokens', { min: 1, integer: true }),
    n: optionalNumber(body, 'n', { min: 1, max: 128, integer: true }) ?? 1,
    // A count, not OpenAI's boolean: `logprobs: true` is refused, not read as 1.
    logprobs: optionalNumber(body, 'logprobs', { min: 0, max: 20, integer: true }),
    echo: optionalBoolean(body, 'echo') ?? false,
    stop: parseStop(body['stop']),
    seed: optionalNumber(body, 'seed', { integer: true }),
    contextBehaviour: optionalEnum(body, 'context_length_exceeded_behavior', ['truncate', 'error'] as const) ?? 'error',
  };
}

/** The spec types `stop` as a list of strings; a lone string is taken too, as OpenAI-style clients send it. */
function parseStop(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value as string[];
  throw errors.invalidType('stop', 'a list of strings');
}

function parseMessages(value: unknown): ScriptMessage[] {
  if (value === undefined || value === null) throw errors.missingParameter('messages');
  if (!Array.isArray(value) || value.length === 0)
    throw errors.invalidRequest('messages must be a non-empty list of messages.', 'messages');
  return value.map((message: unknown, index) => {
    const param = `messages[${index}]`;
    if (!message || typeof message !== 'object') throw errors.invalidType(param, 'an object');
    const { role, content } = message as { role?: unknown; content?: unknown };
    if (typeof role !== 'string' || !ROLES.has(role)) {
      throw errors.invalidRequest(
        `Invalid role ${JSON.stringify(role)} in ${param}. Expected one of ${[...ROLES].join(', ')}.`,
        `${param}.role`,
        'invalid_value',
      );
    }
    return { role, content: textOf(content, `${param}.content`, role) };
  });
}

/** Flattens string or text-part content; assistant messages may have null content (tool calls). */
function textOf(content: unknown, param: string, role: string): string {
  if (typeof content === 'string') return content;
  if ((content === null || content === undefined) && role === 'assistant') return '';
  if (Array.isArray(content)) {
    return content
      .map((part: unknown) => {
        const { type, text } = (part ?? {}) as { type?: unknown; text?: unknown };
        if (type === 'text' && typeof text === 'string') return text;
        if (typeof type === 'string' && type !== 'text') return '';
        throw errors.invalidRequest(`Invalid content part in ${param}.`, param);
      })
      .join('');
  }
  throw errors.invalidType(param, 'a string or a list of content parts');
}
