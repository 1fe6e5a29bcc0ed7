import { countTokens as countCl100k } from 'gpt-tokenizer/encoding/cl100k_base';
import { countTokens as countO200k } from 'gpt-tokenizer/encoding/o200k_base';

export type Encoding = 'o200k_base' | 'cl100k_base';

// Checked in order: the gpt-4o / gpt-4.1 / gpt-4.5 prefixes must win over plain gpt-4.
const O200K_PREFIXES = ['gpt-4o', 'gpt-4.1', 'gpt-4.5', 'gpt-5', 'o1', 'o3', 'o4', 'chatgpt-4o'];
const CL100K_PREFIXES = ['gpt-4', 'gpt-3.5', 'gpt-35', 'babbage-002', 'davinci-002', 'text-embedding-'];

/** The tokenizer a model uses; unknown names get o200k_base, the encoding of every current model. */
export function encodingForModel(model: string): Encoding {
  let name = model.trim().toLowerCase();
  // Fine-tuned ids look like `ft:<base>:<org>:<suffix>:<id>`; they tokenize like their base.
  if (name.startsWith('ft:')) name = name.slice(3).split(':', 1)[0] ?? '';
  if (O200K_PREFIXES.some((prefix) => name.startsWith(prefix))) return 'o200k_base';
  if (CL100K_PREFIXES.some((prefix) => name.startsWith(prefix))) return 'cl100k_base';
  return 'o200k_base';
}

// User text may contain strings like `<|endoftext|>`; they are data, not control tokens, and the
// library would otherwise throw on them.
const AS_PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

export function countTokens(text: string, model: string): number {
  return encodingForModel(model) === 'cl100k_base' ? countCl100k(text, AS_PLAIN_TEXT) : countO200k(text, AS_PLAIN_TEXT);
}

export interface TokenStats {
  min: number;
  p50: number;
  p95: number;
  max: number;
  mean: number;
}

/** Percentiles by nearest rank (always an observed value); mean rounded to 2 decimals. */
export function tokenStats(counts: readonly number[]): TokenStats | null {
  if (counts.length === 0) return null;
  const sorted = Float64Array.from(counts).sort();
  const n = sorted.length;
  // Integer numerator keeps ceil() exact: 95 * n / 100 is only an integer when it really is one.
  const nearestRank = (percent: number) => sorted[Math.max(1, Math.ceil((percent * n) / 100)) - 1] as number;
  let sum = 0;
  for (const count of sorted) sum += count;
  return {
    min: sorted[0] as number,
    p50: nearestRank(50),
    p95: nearestRank(95),
    max: sorted[n - 1] as number,
    mean: Math.round((sum / n) * 100) / 100,
  };
}
