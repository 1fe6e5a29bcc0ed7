import type { FastifyInstance } from 'fastify';
import { generate, type GeneratedToken } from '../shared/generation.js';
import { resolveAnswer, type ScriptMessage } from '../shared/scripting.js';
import type { FakeContext } from './context.js';
import { errors } from './errors.js';
import { ids, unixSeconds } from './ids.js';
import { enforceQuota, enforceRateLimit } from './pipeline.js';
import { reportedUsage } from './usage.js';
import { REPLY_PRIMING_TOKENS, TOKENS_PER_MESSAGE, TOKENS_PER_NAME, tokenizerForModel } from './tokens.js';
import {
  bodyObject,
  optionalBoolean,
  optionalNumber,
  optionalStop,
  rejectStreaming,
  requiredString,
  type Body,
} from './validation.js';

/** `POST /v1/chat/completions` (notes §4): the classification subset, answers from the script. */

const ROLES = new Set(['developer', 'system', 'user', 'assistant', 'tool', 'function']);
const REASONING_MODEL = /^o\d/;

interface ChatRequest {
  model: string;
  messages: (ScriptMessage & { name?: string })[];
  maxTokens: number | null;
  n: number;
  logprobs: boolean;
  topLogprobs: number;
  stop: string[];
}

export function chatRoutes(app: FastifyInstance, ctx: FakeContext): void {
  app.post('/chat/completions', async (request) => {
    const chat = parseChatRequest(bodyObject(request.body));
    const model = ctx.models.require(chat.model, 'chat');
    enforceQuota(ctx);
    const tokenizer = tokenizerForModel(chat.model, ctx.options().tokenizer);
    const promptTokens =
      chat.messages.reduce(
        (sum, message) =>
          sum + TOKENS_PER_MESSAGE + tokenizer.count(message.content) + (message.name ? TOKENS_PER_NAME : 0),
        0,
      ) + REPLY_PRIMING_TOKENS;
    enforceRateLimit(ctx, request, chat.model, promptTokens + (chat.maxTokens ?? 0) * chat.n);

    const options = ctx.options();
    const resolved = resolveAnswer(
      options.script,
      {
        model: chat.model,
        messages: chat.messages,
        userText: chat.messages.findLast((message) => message.role === 'user')?.content ?? '',
        systemText: chat.messages
          .filter((message) => message.role === 'system' || message.role === 'developer')
          .map((message) => message.content)
          .join('\n\n'),
        endpoint: 'chat',
      },
      options.answerProbability,
    );
    const withLogprobs = chat.logprobs && options.logprobs;
    const generation = generate(resolved, tokenizer, {
      maxTokens: chat.maxTokens,
      stop: chat.stop,
      alternatives: withLogprobs ? chat.topLogprobs : 0,
    });
    const completionTokens = generation.tokens.length * chat.n;
    ctx.stats.served(chat.model, promptTokens, completionTokens);
    return {
      id: ids.chatCompletion(),
      object: 'chat.completion',
      created: unixSeconds(ctx.now()),
      model,
      choices: Array.from({ length: chat.n }, (_, index) => ({
        index,
        message: { role: 'assistant', content: generation.text, refusal: null, annotations: [] },
        logprobs: withLogprobs
          ? { content: generation.tokens.map((token) => tokenLogprob(token, chat.topLogprobs)), refusal: null }
          : null,
        finish_reason: generation.finishReason,
      })),
      usage: {
        ...reportedUsage(options.faults.usage, promptTokens, completionTokens),
        prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
        completion_tokens_details: {
          reasoning_tokens: 0,
          audio_tokens: 0,
          accepted_prediction_tokens: 0,
          rejected_prediction_tokens: 0,
        },
      },
      service_tier: 'default',
      system_fingerprint: 'fp_0fake0000',
    };
  });
}

function tokenLogprob(token: GeneratedToken, topLogprobs: number) {
  return {
    token: token.token,
    logprob: token.logprob,
    bytes: token.bytes,
    top_logprobs: token.alternatives
      .slice(0, topLogprobs)
      .map(({ token: text, logprob, bytes }) => ({ token: text, logprob, bytes })),
  };
}

function parseChatRequest(body: Body): ChatRequest {
  rejectStreaming(body);
  const model = requiredString(body, 'model');
  const messages = parseMessages(body['messages']);
  optionalNumber(body, 'temperature', { min: 0, max: 2 });
  optionalNumber(body, 'top_p', { min: 0, max: 1 });
  optionalNumber(body, 'frequency_penalty', { min: -2, max: 2 });
  optionalNumber(body, 'presence_penalty', { min: -2, max: 2 });
  const n = optionalNumber(body, 'n', { min: 1, max: 128, integer: true }) ?? 1;
  const logprobs = optionalBoolean(body, 'logprobs') ?? false;
  const topLogprobs = optionalNumber(body, 'top_logprobs', { min: 0, max: 20, integer: true });
  if (topLogprobs !== null && !logprobs) {
    throw errors.invalidRequest(
      "Invalid value for 'top_logprobs': 'logprobs' must be set to true when 'top_logprobs' is used.",
      'top_logprobs',
    );
  }
  const maxTokens = optionalNumber(body, 'max_tokens', { min: 1, integer: true });
  const maxCompletionTokens = optionalNumber(body, 'max_completion_tokens', { min: 1, integer: true });
  if (maxTokens !== null && REASONING_MODEL.test(model)) {
    throw errors.unsupportedParameter(
      'max_tokens',
      "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
    );
  }
  parseLogitBias(body['logit_bias']);
  return {
    model,
    messages,
    maxTokens: maxCompletionTokens ?? maxTokens,
    n,
    logprobs,
    topLogprobs: topLogprobs ?? 0,
    stop: optionalStop(body),
  };
}

function parseMessages(value: unknown): ChatRequest['messages'] {
  if (value === undefined || value === null) throw errors.missingParameter('messages');
  if (!Array.isArray(value)) throw errors.invalidType('messages', 'an array', value);
  if (value.length === 0) {
    throw errors.invalidRequest(
      "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
      'messages',
      'empty_array',
    );
  }
  return value.map((message: unknown, index) => {
    const param = `messages[${index}]`;
    if (!message || typeof message !== 'object') throw errors.invalidType(param, 'an object', message);
    const { role, content, name } = message as { role?: unknown; content?: unknown; name?: unknown };
    if (typeof role !== 'string' || !ROLES.has(role)) {
      throw errors.invalidRequest(
        `Invalid value: '${String(role)}'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.`,
        `${param}.role`,
        'invalid_value',
      );
    }
    return { role, content: textOf(content, `${param}.content`, role), ...(typeof name === 'string' ? { name } : {}) };
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
        throw errors.invalidRequest(`Invalid content part in '${param}'.`, param);
      })
      .join('');
  }
  throw errors.invalidType(param, 'one of a string or array of objects', content);
}

export function parseLogitBias(value: unknown): void {
  if (value === undefined || value === null) return;
  if (typeof value !== 'object' || Array.isArray(value)) throw errors.invalidType('logit_bias', 'an object', value);
  for (const [token, bias] of Object.entries(value)) {
    if (!/^\d+$/.test(token))
      throw errors.invalidRequest(`Invalid key in 'logit_bias': ${token}. Should be a token ID.`, 'logit_bias');
    if (typeof bias !== 'number' || bias < -100 || bias > 100) {
      throw errors.invalidRequest(
        `Invalid value for 'logit_bias': ${String(bias)}. Should be a number between -100 and 100.`,
        'logit_bias',
      );
    }
  }
}
