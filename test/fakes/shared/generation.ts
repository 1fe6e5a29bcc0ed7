import type { ResolvedAnswer } from './scripting.js';
import type { Tokenizer } from './tokenizer.js';

/**
 * Turns a scripted answer into generated tokens with log probabilities. The candidates form a tiny
 * language model: at each position, the probability of a token is the mass of the candidates that
 * continue the generated prefix with it, divided by the mass of all candidates sharing the prefix
 * (the whole mass, 1, at the first position). So a label's first token carries the label's
 * probability and multi-token labels multiply out to it, as with the real API.
 */

export interface Alternative {
  /** The token id in the tokenizer's vocabulary. */
  id: number;
  token: string;
  bytes: number[];
  logprob: number;
}

export interface GeneratedToken extends Alternative {
  /** Other likely tokens at this position, most likely first; includes the generated one. */
  alternatives: Alternative[];
}

export interface Generation {
  text: string;
  finishReason: 'stop' | 'length';
  tokens: GeneratedToken[];
}

export interface GenerateOptions {
  /** Cap on generated tokens; null or undefined for none. */
  maxTokens?: number | null;
  stop?: string[];
  /** How many alternatives to compute per position (0 skips the work). */
  alternatives: number;
}

const MIN_PROBABILITY = 1e-12;

export function generate(resolved: ResolvedAnswer, tokenizer: Tokenizer, options: GenerateOptions): Generation {
  let text = resolved.answer;
  for (const stop of options.stop ?? []) {
    const at = stop ? text.indexOf(stop) : -1;
    if (at >= 0) text = text.slice(0, at);
  }
  let ids = tokenizer.encode(text);
  let finishReason: Generation['finishReason'] = 'stop';
  const max = options.maxTokens;
  if (max !== null && max !== undefined && ids.length > max) {
    ids = ids.slice(0, max);
    text = tokenizer.decode(ids);
    finishReason = 'length';
  }
  const candidates = resolved.candidates.map((candidate) => ({
    ids: tokenizer.encode(candidate.text),
    mass: candidate.mass,
  }));
  const tokens = ids.map((id, position) => tokenAt(ids, position, id, candidates, tokenizer, options.alternatives));
  return { text, finishReason, tokens };
}

function tokenAt(
  generated: number[],
  position: number,
  id: number,
  candidates: { ids: number[]; mass: number }[],
  tokenizer: Tokenizer,
  wanted: number,
): GeneratedToken {
  const prefix = generated.slice(0, position);
  const sharing = candidates.filter((candidate) => prefix.every((token, i) => candidate.ids[i] === token));
  const denominator = position === 0 ? 1 : sharing.reduce((sum, candidate) => sum + candidate.mass, 0);
  const massByToken = new Map<number, number>();
  for (const candidate of sharing) {
    const next = candidate.ids[position];
    if (next !== undefined) massByToken.set(next, (massByToken.get(next) ?? 0) + candidate.mass);
  }
  // A truncated or stopped answer may leave the candidates' paths; keep it plausible.
  if (!massByToken.has(id)) massByToken.set(id, Math.max(denominator - sum(massByToken.values()), denominator * 1e-3));
  const logprobOf = (mass: number) => Math.log(Math.min(1, Math.max(MIN_PROBABILITY, mass / (denominator || 1))));
  const describe = (token: number, mass: number): Alternative => ({
    id: token,
    token: tokenizer.display(token),
    bytes: tokenizer.bytes(token),
    logprob: logprobOf(mass),
  });
  const alternatives =
    wanted > 0
      ? [...massByToken.entries()]
          .sort((a, b) => b[1] - a[1] || a[0] - b[0])
          .slice(0, wanted)
          .map(([token, mass]) => describe(token, mass))
      : [];
  return { ...describe(id, massByToken.get(id) ?? 0), alternatives };
}

const sum = (values: Iterable<number>): number => {
  let total = 0;
  for (const value of values) total += value;
  return total;
};
