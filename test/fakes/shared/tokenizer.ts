import * as cl100k from 'gpt-tokenizer/encoding/cl100k_base';
import * as o200k from 'gpt-tokenizer/encoding/o200k_base';

/** Token arithmetic for usage, truncation and logprobs, over gpt-tokenizer's encodings. */

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

function tokenizerFor(encoding: Encoding): Tokenizer {
  // gpt-tokenizer has no public per-token bytes API; its core keeps each token as a string
  // (valid UTF-8) or a Uint8Array (a fragment). Read that when present, else re-encode the text.
  const core = (
    encoding.default as unknown as {
      bytePairEncodingCoreProcessor?: { tryDecodeToken?: (t: number) => string | Uint8Array | undefined };
    }
  ).bytePairEncodingCoreProcessor;
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
      if (value instanceof Uint8Array)
        return `bytes:${[...value].map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('')}`;
      return typeof value === 'string' ? value : encoding.decode([token]);
    },
  };
}

export const O200K = tokenizerFor(o200k);
export const CL100K = tokenizerFor(cl100k as unknown as Encoding);
