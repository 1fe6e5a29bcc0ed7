import Together from 'together-ai';
import { labelProbabilities } from '../../domain/labeling/logprob-mapping.js';
import { chatMessages, maxAnswerTokens } from '../../domain/labeling/prompt.js';
import type { PromptConfig } from '../../domain/labeling/prompt-config.js';
import { boundedUsage, promptTokenBound } from '../../domain/labeling/reported-usage.js';
import { tokenStrings } from '../../domain/labeling/token-strings.js';
import { keepAliveFetch } from '../keep-alive-fetch.js';
import { answerOutcome } from '../chat-outcome.js';
import type { Classifier, ClassifyOutcome, ListedModel } from '../provider.js';
import { parseTogetherRateLimitHeaders, toProviderError } from './together-errors.js';
import { togetherPositions } from './together-logprobs.js';

export interface TogetherConnection {
  apiKey: string;
  baseUrl: string;
  timeoutMs: number;
}

/** Together's most alternatives per position (`logprobs` is a count, 0–20, not OpenAI's boolean). */
const TOP_LOGPROBS = 20;

/**
 * Labels are tokenized with o200k_base as a stand-in for the served model's own tokenizer
 * (Llama's, Qwen's, ...), which may cut a label into more pieces: the answer gets twice the
 * tokens o200k needs, so it is not cut off before the label is complete.
 */
const ANSWER_TOKEN_SLACK = 2;

/**
 * One SDK client per connection. `maxRetries: 0`: the SDK would otherwise retry 429s itself and
 * hide them from the rate limiter that must slow every worker down. The key, base URL and log
 * level are given explicitly, so the SDK reads none of its environment variables (TOGETHER_LOG,
 * TOGETHER_PROJECT_ID, ...): configuration stays in config.ts.
 */
export function togetherClient(connection: TogetherConnection): Together {
  return new Together({
    apiKey: connection.apiKey,
    baseURL: connection.baseUrl,
    projectID: null,
    maxRetries: 0,
    timeout: connection.timeoutMs,
    logLevel: 'warn',
    fetch: keepAliveFetch(),
  });
}

/**
 * The cheapest authenticated call: the model list (`GET /models`, one unpaginated answer). A
 * failure is thrown classified, so the health listing can show its code.
 */
export async function probeTogetherModels(client: Together, signal: AbortSignal): Promise<void> {
  try {
    await client.models.list(null, { signal });
  } catch (error) {
    throw toProviderError(error, signal);
  }
}

/** GET /models: one unpaginated answer (a bare array); Together announces no shutdown dates in it. */
export async function listTogetherModels(client: Together, signal: AbortSignal): Promise<ListedModel[]> {
  try {
    const models = await client.models.list(null, { signal });
    return models.map((model) => ({ id: model.id, shutdownDate: null }));
  } catch (error) {
    throw toProviderError(error, signal);
  }
}

/**
 * Classifies with Together chat completions: the same prompt as every chat provider, temperature
 * 0, and logprobs turned into label probabilities by the domain's mapping. A model that sends no
 * logprobs (some fine-tunes, some endpoints) still answers: its label is read from the text, with
 * confidence null.
 */
export function createTogetherClassifier(client: Together, model: string): Classifier {
  const tokenize = tokenStrings(model);

  return {
    provider: 'together',
    model,
    async classify(text: string, prompt: PromptConfig, signal?: AbortSignal): Promise<ClassifyOutcome> {
      const started = performance.now();
      // A signal of its own per call: the SDK adds an abort listener to the signal it is given and
      // never removes it, and callers share one signal across many calls (a labeling chunk's job).
      const own = signal && AbortSignal.any([signal]);
      try {
        const labels = prompt.labels.map((label) => label.name);
        const messages = chatMessages(prompt, text);
        const maxOutputTokens = ANSWER_TOKEN_SLACK * maxAnswerTokens(labels, tokenize);
        const { data, response } = await client.chat.completions
          .create(
            { model, messages, max_tokens: maxOutputTokens, temperature: 0, logprobs: TOP_LOGPROBS },
            { signal: own },
          )
          .withResponse();
        const choice = data.choices[0];
        const content = choice?.message?.content ?? '';
        const positions = togetherPositions(choice?.logprobs);
        return answerOutcome({
          mapped: labelProbabilities({ content, positions, labels, tokenize }),
          content,
          usage: boundedUsage(data.usage, {
            maxInputTokens: promptTokenBound(messages.map((message) => message.content)),
            maxOutputTokens,
          }),
          withoutLogprobs: positions === null,
          startedAt: started,
          rateLimit: parseTogetherRateLimitHeaders(response.headers),
        });
      } catch (error) {
        throw toProviderError(error, signal);
      }
    },
  };
}
