import type { TokenAlternative, TokenPosition } from '../../domain/labeling/logprob-mapping.js';

/** A chat answer's `logprobs` as Together sends them (the spec's LogprobsPart, the SDK's LogProbs). */
export interface TogetherLogprobs {
  tokens?: (string | null)[];
  token_logprobs?: (number | null)[];
  /** One `{ token: logprob }` map as the spec types it, or one per token as the live API has answered. */
  top_logprobs?: Record<string, number> | Record<string, number>[] | null;
}

const alternativesOf = (map: Record<string, number> | undefined): TokenAlternative[] =>
  Object.entries(map ?? {})
    .filter(([, logprob]) => typeof logprob === 'number' && !Number.isNaN(logprob))
    .map(([token, logprob]) => ({ token, logprob }));

/**
 * Together's parallel lists as the token positions the domain's label mapping reads
 * (logprob-mapping.ts, shared with OpenAI's answers). A single `top_logprobs` map holds the
 * alternatives at the first generated token, which is where a label's probability sits; a list
 * of maps gives every position its own. Later positions without alternatives show only the
 * sampled token. Reading stops at a position with no token or logprob, since nothing after it
 * can be lined up. Null when there is nothing to read (no logprobs asked for, offered or sent).
 */
export function togetherPositions(logprobs: TogetherLogprobs | null | undefined): TokenPosition[] | null {
  const tokens = logprobs?.tokens ?? [];
  const top = logprobs?.top_logprobs ?? undefined;
  const positions: TokenPosition[] = [];
  for (const [index, token] of tokens.entries()) {
    const alternatives = alternativesOf(Array.isArray(top) ? top[index] : index === 0 ? top : undefined);
    const logprob =
      logprobs?.token_logprobs?.[index] ?? alternatives.find((alternative) => alternative.token === token)?.logprob;
    if (token === null || typeof logprob !== 'number' || Number.isNaN(logprob)) break;
    positions.push({ token, logprob, top_logprobs: alternatives });
  }
  return positions.length > 0 ? positions : null;
}
