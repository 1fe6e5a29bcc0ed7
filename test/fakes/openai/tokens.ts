import * as cl100k from 'gpt-tokenizer/encoding/cl100k_base';
import * as o200k from 'gpt-tokenizer/encoding/o200k_base';

/**
 * Token arithmetic for usage, truncation and logprobs. The brief fixes o200k_base for every model;
 * `tokenizer: 'by-model'` switches babbage/davinci/gpt-3.5/gpt-4 to cl100k_base as the real API does.
 */
export type TokenizerChoice = 'o200k_base' | 'by-model';

export interface Tokenizer {
  encode(text: string): number[];
  decode(tokens: number[]): string;
  count(text: string): number;
  /** The raw bytes of one token; a token may hold part of a multi-byte UTF-8 character. */
  bytes(token: number): number[];
  /** The token as the API shows it: its text, or `bytes:\xe6\x97` when it is not valid UTF-8 alone. */
  display(token: number): string;
}

type Encoding = typeof o200k;

// User text may contain strings like `<|endoftext|>`: data, not control tokens.
const AS_PLAIN_TEXT = { disallowedSpecial: new Set<string>() };
const CL100K_PREFIXES = ['gpt-4-', 'gpt-4', 'gpt-3.5', 'gpt-35', 'babbage-002', 'davinci-002'];
const O200K_PREFIXES = ['gpt-4o', 'gpt-4.1', 'gpt-4.5', 'gpt-5', 'chatgpt-4o', 'o1', 'o3', 'o4'];

function tokenizerFor(encoding: Encoding): Tokenizer {
  // gpt-tokenizer has no public per-token bytes API; its core keeps each token as a string
  // (valid UTF-8) or a Uint8Array (a fragment). Read that when present, else re-encode the text.
  const core = (encoding.default as unknown as { bytePairEncodingCoreProcessor?: { tryDecodeToken?: (t: number) => string | Uint8Array | undefined } })
    .bytePairEncodingCoreProcessor;
  const raw = (token: number): string | Uint8Array | undefined => core?.tryDecodeToken?.(token);
  const bytes = (token: number): number[] => {
    const value = raw(token);
    if (value instanceof Uint8Array) return [...value];
    return [...Buffer.from(typeof value === 'string' ? value : encoding.decode([token]), 'utf8')];
  };
  return {
    encode: (text) => encoding.encode(text, AS_PLAIN_TEXT),
    decode: (tokens) => encoding.decode(tokens),
    count: (text) => encoding.countTokens(text, AS_PLAIN_TEXT),
    bytes,
    display(token) {
      const value = raw(token);
      if (value instanceof Uint8Array) return `bytes:${[...value].map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('')}`;
      return typeof value === 'string' ? value : encoding.decode([token]);
    },
  };
}

const O200K = tokenizerFor(o200k);
const CL100K = tokenizerFor(cl100k as unknown as Encoding);

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
