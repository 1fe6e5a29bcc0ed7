import type { FastifyInstance } from 'fastify';
import { generate, type Generation } from '../shared/generation.js';
import { resolveAnswer } from '../shared/scripting.js';
import { parseLogitBias } from './chat.js';
import type { FakeContext } from './context.js';
import { errors } from './errors.js';
import { ids, unixSeconds } from './ids.js';
import { enforceQuota, enforceRateLimit } from './pipeline.js';
import { reportedUsage } from './usage.js';
import { tokenizerForModel, type Tokenizer } from './tokens.js';
import {
  bodyObject,
  optionalBoolean,
  optionalNumber,
  optionalStop,
  rejectStreaming,
  requiredString,
  type Body,
} from './validation.js';

/**
 * `POST /v1/completions` (notes §5), for babbage-002 / davinci-002 and their fine-tunes. The script
 * sees the prompt without its `\n\n###\n\n` separator and its answer is used verbatim, so legacy
 * label codes keep their leading space (" 1").
 */

const DEFAULT_MAX_TOKENS = 16;
const LEGACY_PROMPT_SUFFIX = '\n\n###\n\n';

export function completionRoutes(app: FastifyInstance, ctx: FakeContext): void {
  app.post('/completions', async (request) => {
    const body = bodyObject(request.body);
    rejectStreaming(body);
    const modelName = requiredString(body, 'model');
    const prompts = parsePrompts(body, tokenizerForModel(modelName, ctx.options().tokenizer));
    optionalNumber(body, 'temperature', { min: 0, max: 2 });
    optionalNumber(body, 'top_p', { min: 0, max: 1 });
    optionalNumber(body, 'best_of', { min: 0, max: 20, integer: true });
    const n = optionalNumber(body, 'n', { min: 1, max: 128, integer: true }) ?? 1;
    const logprobs = optionalNumber(body, 'logprobs', { min: 0, max: 5, integer: true });
    const maxTokens = optionalNumber(body, 'max_tokens', { min: 0, integer: true }) ?? DEFAULT_MAX_TOKENS;
    const echo = optionalBoolean(body, 'echo') ?? false;
    const stop = optionalStop(body);
    parseLogitBias(body['logit_bias']);

    const model = ctx.models.require(modelName, 'completions');
    enforceQuota(ctx);
    const options = ctx.options();
    const tokenizer = tokenizerForModel(modelName, options.tokenizer);
    const promptTokens = prompts.reduce((sum, prompt) => sum + tokenizer.count(prompt), 0);
    enforceRateLimit(ctx, request, modelName, promptTokens + maxTokens * n * prompts.length);

    const choices = prompts.flatMap((prompt, promptIndex) => {
      const userText = prompt.endsWith(LEGACY_PROMPT_SUFFIX) ? prompt.slice(0, -LEGACY_PROMPT_SUFFIX.length) : prompt;
      const resolved = resolveAnswer(
        options.script,
        {
          model: modelName,
          messages: [{ role: 'user', content: prompt }],
          userText,
          systemText: '',
          endpoint: 'completions',
        },
        options.answerProbability,
      );
      const generation = generate(resolved, tokenizer, { maxTokens, stop, alternatives: logprobs ?? 0 });
      return Array.from({ length: n }, (_, j) => ({ promptIndex, index: promptIndex * n + j, prompt, generation }));
    });
    const completionTokens = choices.reduce((sum, choice) => sum + choice.generation.tokens.length, 0);
    ctx.stats.served(modelName, promptTokens, completionTokens);
    return {
      id: ids.completion(),
      object: 'text_completion',
      created: unixSeconds(ctx.now()),
      model,
      choices: choices.map(({ index, prompt, generation }) => ({
        text: echo ? prompt + generation.text : generation.text,
        index,
        logprobs: logprobs === null ? null : legacyLogprobs(generation, prompt.length, logprobs),
        finish_reason: generation.finishReason,
      })),
      usage: reportedUsage(options.faults.usage, promptTokens, completionTokens),
      system_fingerprint: 'fp_0fake0000',
    };
  });
}

/**
 * Parallel arrays, one `{token: logprob}` map per position with the top `logprobs` tokens plus
 * the sampled one (so up to logprobs+1 entries). Offsets count from the start of the prompt,
 * as the legacy API reports them.
 */
function legacyLogprobs(generation: Generation, promptLength: number, wanted: number) {
  let offset = promptLength;
  const textOffset: number[] = [];
  for (const token of generation.tokens) {
    textOffset.push(offset);
    offset += Buffer.from(token.bytes).toString('utf8').length;
  }
  return {
    tokens: generation.tokens.map((token) => token.token),
    token_logprobs: generation.tokens.map((token) => token.logprob),
    top_logprobs: generation.tokens.map((token) => {
      const top = Object.fromEntries(
        token.alternatives.slice(0, wanted).map((alternative) => [alternative.token, alternative.logprob]),
      );
      top[token.token] ??= token.logprob;
      return top;
    }),
    text_offset: textOffset,
  };
}

/** A string, strings, token ids, or lists of token ids; token ids are decoded to text. */
function parsePrompts(body: Body, tokenizer: Tokenizer): string[] {
  const prompt = body['prompt'];
  if (prompt === undefined || prompt === null) throw errors.missingParameter('prompt');
  if (typeof prompt === 'string') return [prompt];
  if (Array.isArray(prompt) && prompt.length > 0) {
    if (prompt.every((item) => typeof item === 'string')) return prompt as string[];
    if (prompt.every((item) => Number.isInteger(item))) return [tokenizer.decode(prompt as number[])];
    if (prompt.every((item) => Array.isArray(item) && item.length > 0 && item.every(Number.isInteger))) {
      return (prompt as number[][]).map((ids) => tokenizer.decode(ids));
    }
  }
  throw errors.invalidType(
    'prompt',
    'a string, an array of strings, an array of integers or an array of integer arrays',
    prompt,
  );
}
