import * as cl100k from 'gpt-tokenizer/encoding/cl100k_base';
import * as o200k from 'gpt-tokenizer/encoding/o200k_base';
import { encodingForModel } from '../datasets/tokens.js';

/** Splits text into the model's tokens as strings, to line labels up with logprob positions. */
export function tokenStrings(model: string): (text: string) => string[] {
  const encoding = encodingForModel(model) === 'cl100k_base' ? cl100k : o200k;
  return (text: string) => encoding.encode(text, { disallowedSpecial: new Set() }).map((id) => encoding.decode([id]));
}
