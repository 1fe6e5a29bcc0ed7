import OpenAI from 'openai';
import { codeProbabilities } from '../../domain/labeling/legacy-logprobs.js';
import { labelProbabilities } from '../../domain/labeling/logprob-mapping.js';
import { chatMessages, legacyPrompt, maxAnswerTokens } from '../../domain/labeling/prompt.js';
import type { PromptConfig } from '../../domain/labeling/prompt-config.js';
import { boundedUsage, promptTokenBound } from '../../domain/labeling/reported-usage.js';
import { tokenStrings } from '../../domain/labeling/token-strings.js';
import { answerOutcome } from '../chat-outcome.js';
import type { Classifier, ClassifyOutcome, ListedModel } from '../provider.js';
import { parseRateLimitHeaders } from './error-classification.js';
import { keepAliveFetch } from '../keep-alive-fetch.js';
import { toProviderError } from './provider-errors.js';

export interface OpenAIConnection {
  apiKey: string;
  baseUrl: string;
  organization?: string;
  project?: string;
  timeoutMs: number;
  /** Sent with every request (a gateway's own headers). */
  headers?: Readonly<Record<string, string>> | undefined;
}

/**
 * One SDK client per connection. `maxRetries: 0`: the SDK would otherwise retry 429s itself
 * (sleeping for retry-after) and hide them from the rate limiter that must slow every worker down.
 * Calls go over kept-alive `node:http` connections (see ../keep-alive-fetch.ts), the cheaper path.
 */
export function openAIClient(connection: OpenAIConnection): OpenAI {
  return new OpenAI({
    apiKey: connection.apiKey,
    baseURL: connection.baseUrl,
    organization: connection.organization ?? null,
    project: connection.project ?? null,
    maxRetries: 0,
    timeout: connection.timeoutMs,
    fetch: keepAliveFetch(),
    ...(connection.headers ? { defaultHeaders: { ...connection.headers } } : {}),
  });
}

/** The cheapest authenticated call: one page of the model list. */
export async function probeModels(client: OpenAI, signal: AbortSignal): Promise<void> {
  try {
    await client.models.list({ signal });
  } catch (error) {
    throw toProviderError(error, signal);
  }
}

const SHUTDOWN_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * GET /models: one unpaginated answer (`{object: "list", data}`), so one page is the whole list
 * and nothing can page for ever. `shutdown_date` is OpenAI's (notes §0); a server that sends none,
 * or something that is not a date, has none.
 */
export async function listModels(client: OpenAI, signal: AbortSignal): Promise<ListedModel[]> {
  try {
    const page = await client.models.list({ signal });
    return page.data.map((model) => {
      const date = (model as { shutdown_date?: unknown }).shutdown_date;
      return { id: model.id, shutdownDate: typeof date === 'string' && SHUTDOWN_DATE.test(date) ? date : null };
    });
  } catch (error) {
    throw toProviderError(error, signal);
  }
}

/** Legacy prompt/completion fine-tunes (babbage-002, davinci-002 and their ft: models) use /completions. */
export const usesLegacyCompletions = (model: string): boolean => /^(ft:)?(babbage|davinci)-002/.test(model);

/**
 * `options.logprobs: false`: none are asked for (a server that gives none, some of which refuse
 * the parameter); every answer is then read from its text alone.
 */
export function createOpenAIClassifier(
  client: OpenAI,
  model: string,
  labelCodes?: Record<string, string>,
  options: { logprobs?: boolean } = {},
): Classifier {
  const tokenize = tokenStrings(model);
  const legacy = usesLegacyCompletions(model);
  const askLogprobs = options.logprobs !== false;

  const chat = async (text: string, prompt: PromptConfig, signal?: AbortSignal) => {
    const labels = prompt.labels.map((label) => label.name);
    const messages = chatMessages(prompt, text);
    const maxOutputTokens = maxAnswerTokens(labels, tokenize);
    const { data, response } = await client.chat.completions
      .create(
        {
          model,
          messages,
          max_completion_tokens: maxOutputTokens,
          temperature: 0,
          ...(askLogprobs ? { logprobs: true, top_logprobs: 20 } : {}),
        },
        { signal },
      )
      .withResponse();
    const choice = data.choices[0];
    const content = choice?.message.content ?? '';
    // The spec makes a choice's `logprobs` nullable: servers without logprob support send null.
    const positions = choice?.logprobs?.content ?? null;
    const mapped = labelProbabilities({ content, positions, labels, tokenize });
    const usage = boundedUsage(data.usage, {
      maxInputTokens: promptTokenBound(messages.map((message) => message.content)),
      maxOutputTokens,
    });
    return { mapped, content, usage, headers: response.headers, withoutLogprobs: positions === null };
  };

  const completions = async (text: string, signal?: AbortSignal) => {
    const codes = labelCodes ?? {};
    const longest = Math.max(1, ...Object.values(codes).map((code) => tokenize(code).length));
    const legacyText = legacyPrompt(text);
    const { data, response } = await client.completions
      .create(
        {
          model,
          prompt: legacyText,
          max_tokens: longest + 1,
          temperature: 0,
          ...(askLogprobs ? { logprobs: 5 } : {}),
          stop: ['\n'],
        },
        { signal },
      )
      .withResponse();
    const choice = data.choices[0];
    const content = choice?.text ?? '';
    const topLogprobs = choice?.logprobs?.top_logprobs ?? null;
    const mapped = codeProbabilities({ text: content, topLogprobs, codes });
    const usage = boundedUsage(data.usage, {
      maxInputTokens: promptTokenBound([legacyText]),
      maxOutputTokens: longest + 1,
    });
    return { mapped, content, usage, headers: response.headers, withoutLogprobs: topLogprobs === null };
  };

  return {
    provider: 'openai',
    model,
    async classify(text, prompt, signal): Promise<ClassifyOutcome> {
      const started = performance.now();
      // A signal of its own per call: the SDK adds an abort listener to the signal it is given and
      // never removes it, and callers share one signal across many calls (a labeling chunk's job).
      const own = signal && AbortSignal.any([signal]);
      try {
        const answer = legacy ? await completions(text, own) : await chat(text, prompt, own);
        return answerOutcome({
          mapped: answer.mapped,
          content: answer.content,
          usage: answer.usage,
          withoutLogprobs: answer.withoutLogprobs,
          startedAt: started,
          rateLimit: parseRateLimitHeaders(answer.headers),
        });
      } catch (error) {
        throw toProviderError(error, signal);
      }
    },
  };
}
