import { CL100K, O200K, type Tokenizer } from '../shared/tokenizer.js';

/**
 * Which tokenizer a model counts with. The brief fixes o200k_base for every model;
 * `tokenizer: 'by-model'` switches babbage/davinci/gpt-3.5/gpt-4 to cl100k_base as the real API does.
 */
export type TokenizerChoice = 'o200k_base' | 'by-model';
export type { Tokenizer };

const CL100K_PREFIXES = ['gpt-4-', 'gpt-4', 'gpt-3.5', 'gpt-35', 'babbage-002', 'davinci-002'];
const O200K_PREFIXES = ['gpt-4o', 'gpt-4.1', 'gpt-4.5', 'gpt-5', 'chatgpt-4o', 'o1', 'o3', 'o4'];

export function tokenizerForModel(model: string, choice: TokenizerChoice): Tokenizer {
  if (choice === 'o200k_base') return O200K;
  let name = model.toLowerCase();
  if (name.startsWith('ft:')) name = name.slice(3).split(':', 1)[0] ?? '';
  if (O200K_PREFIXES.some((prefix) => name.startsWith(prefix))) return O200K;
  return CL100K_PREFIXES.some((prefix) => name.startsWith(prefix)) ? CL100K : O200K;
}

/** OpenAI's published chat accounting: 3 tokens per message (+1 with a name), 3 to prime the reply. */
export const TOKENS_PER_MESSAGE = 3;
export const TOKENS_PER_NAME = 1;
export const REPLY_PRIMING_TOKENS = 3;
