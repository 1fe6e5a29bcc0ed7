import OpenAI from 'openai';
import { providerError } from '../http-errors.js';
import { classifyOpenAIError, parseRateLimitHeaders } from './error-classification.js';

/** Any SDK failure as a ProviderError that says whether to retry; an abort is passed through untouched. */
export function toProviderError(error: unknown, signal?: AbortSignal): unknown {
  if (signal?.aborted) return error;
  if (error instanceof OpenAI.APIConnectionTimeoutError) {
    return providerError(classifyOpenAIError({ message: error.message, isTimeout: true }), error.message);
  }
  if (error instanceof OpenAI.APIConnectionError) {
    return providerError(classifyOpenAIError({ message: error.message, isConnection: true }), error.message);
  }
  if (error instanceof OpenAI.APIError) {
    const classified = classifyOpenAIError({
      status: error.status,
      code: error.code ?? null,
      type: error.type ?? null,
      message: error.message,
      headers: error.headers,
    });
    return providerError(classified, error.message, error.status, parseRateLimitHeaders(error.headers));
  }
  return error;
}
