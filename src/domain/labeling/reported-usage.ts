/**
 * Token counts as a provider reports them, made safe to bill and count. The OpenAI spec types
 * `prompt_tokens` and `completion_tokens` as plain integers, so a compatible server may send a
 * negative, fractional or absurd count; trusted as sent, a negative one made a Prometheus counter
 * throw (a good answer became a failed job) and a huge one billed $204 for six answers. Counts are
 * clamped to what the call could have used, and each correction is named so it can be counted.
 */

export type UsageOddity = 'missing_usage' | 'non_integer_usage' | 'negative_usage' | 'usage_over_bound';

export interface UsageBounds {
  /** Most prompt tokens the request could hold: every token covers at least one byte of it. */
  maxInputTokens: number;
  /** The answer limit the request set (max_completion_tokens / max_tokens). */
  maxOutputTokens: number;
}

// Per-message framing tokens and a reply primer, generously: no tokenizer spends more.
const FRAMING_TOKENS_PER_MESSAGE = 16;
const FRAMING_TOKENS = 64;

/** The prompt-token bound for a request made of these message texts. */
export const promptTokenBound = (texts: readonly string[]): number =>
  texts.reduce((sum, text) => sum + Buffer.byteLength(text, 'utf8') + FRAMING_TOKENS_PER_MESSAGE, FRAMING_TOKENS);

export function boundedUsage(
  reported: { prompt_tokens?: unknown; completion_tokens?: unknown } | null | undefined,
  bounds: UsageBounds,
): { inputTokens: number; outputTokens: number; oddities: UsageOddity[] } {
  const oddities = new Set<UsageOddity>();
  if (!reported) oddities.add('missing_usage');
  const clamp = (value: unknown, max: number): number => {
    if (value === undefined || value === null) return 0;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      oddities.add('non_integer_usage');
      return 0;
    }
    let count = value;
    if (!Number.isInteger(count)) {
      oddities.add('non_integer_usage');
      count = Math.round(count);
    }
    if (count < 0) {
      oddities.add('negative_usage');
      return 0;
    }
    if (count > max) {
      oddities.add('usage_over_bound');
      return max;
    }
    return count;
  };
  return {
    inputTokens: clamp(reported?.prompt_tokens, bounds.maxInputTokens),
    outputTokens: clamp(reported?.completion_tokens, bounds.maxOutputTokens),
    oddities: [...oddities],
  };
}
