import { decode, encode } from 'gpt-tokenizer/encoding/cl100k_base';
import { certain, pathProbabilities, type LabelProbabilities, type PathPosition } from './logprob-mapping.js';

/**
 * Label probabilities from a legacy completion (babbage-002 / davinci-002 fine-tunes) that
 * answers with a label code such as ' 1' or ' nil' (see labelCodes in export-formats.ts).
 *
 * cl100k splits ' 1' into ' ' + '1' (digits never merge with the space before them), while
 * ' nil' is one token. So the first position alone cannot tell ' 1' from ' 2': all numeric codes
 * collide on ' ', and the split uses the next position, exactly as for colliding chat labels
 * (the rule is documented in logprob-mapping.ts). A code is also matched without its leading
 * space, since a model may drop it.
 */

const AS_PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

/** cl100k_base token strings: the tokenizer of every legacy completions model. */
export const cl100kTokens = (text: string): string[] => encode(text, AS_PLAIN_TEXT).map((id) => decode([id]));

const DEFAULT_STOP_SEQUENCES: readonly string[] = ['\n', ' END'];

// Codes keep their leading space on purpose: ' ' and ' 1' are different tokens. Only case folds.
const codeNormalize = (token: string): string => token.toLowerCase();

/**
 * The answer without what follows a stop sequence. Leading whitespace is skipped first, so a
 * stop of '\n' does not cut an answer that merely starts on a new line.
 */
export function stripStop(text: string, stop: readonly string[] = DEFAULT_STOP_SEQUENCES): string {
  const answer = text.trimStart();
  let end = answer.length;
  for (const sequence of stop) {
    const at = sequence === '' ? -1 : answer.indexOf(sequence, 1);
    if (at >= 0 && at < end) end = at;
  }
  return answer.slice(0, end).trim();
}

/**
 * The sampled token at each position, recovered from the text when the caller lacks `tokens`:
 * the longest alternative the remaining text starts with (the sampled token is always listed).
 */
function sampledTokens(text: string, topLogprobs: readonly Record<string, number>[]): (string | undefined)[] {
  let rest = text;
  return topLogprobs.map((alternatives) => {
    let best: string | undefined;
    for (const token of Object.keys(alternatives)) {
      if (token !== '' && rest.startsWith(token) && (best === undefined || token.length > best.length)) best = token;
    }
    // Once the text is lost, later positions cannot be placed on any path.
    rest = best === undefined ? '\u0000' : rest.slice(best.length);
    return best;
  });
}

function matchCode(answer: string, codes: Record<string, string>): string | null {
  const entries = Object.entries(codes);
  const exact = entries.find(([, code]) => code.trim() === answer);
  if (exact) return exact[0];
  const folded = answer.toLowerCase();
  return entries.find(([, code]) => code.trim().toLowerCase() === folded)?.[0] ?? null;
}

export function codeProbabilities(input: {
  text: string;
  topLogprobs: Record<string, number>[] | null;
  /** label → code with its leading space. */
  codes: Record<string, string>;
  /** The sampled tokens (logprobs.tokens), when available; otherwise recovered from `text`. */
  tokens?: string[];
  tokenize?: (text: string) => string[];
  stop?: readonly string[];
}): LabelProbabilities {
  const labels = Object.keys(input.codes);
  const label = matchCode(stripStop(input.text, input.stop), input.codes);
  const top = input.topLogprobs;
  if (top === null || top.length === 0) return { label, probabilities: certain(labels, label), confidence: null };

  const tokenize = input.tokenize ?? cl100kTokens;
  const paths = new Map(
    Object.entries(input.codes).map(([name, code]) => [name, [tokenize(code), tokenize(code.trimStart())]]),
  );
  const sampled = input.tokens ?? sampledTokens(input.text, top);
  const positions: PathPosition[] = top.map((alternatives, i) => ({
    sampled: sampled[i],
    alternatives: Object.entries(alternatives).map(([token, logprob]) => ({ token, logprob })),
  }));
  const probabilities = pathProbabilities(paths, positions, codeNormalize);
  return { label, probabilities, confidence: label === null ? null : (probabilities[label] ?? 0) };
}
