import { REPLY_PRIMING_TOKENS, TOKENS_PER_MESSAGE, type Tokenizer } from './tokens.js';

/**
 * Reads a fine-tuning JSONL file the way the real validator does, as far as the fake needs:
 * every line must be JSON of the right shape, and a training file needs at least 10 examples.
 * Content problems fail the job asynchronously (notes §11.2); this only computes the verdict.
 */

export interface JobProblem {
  code: string;
  message: string;
  param: string;
}

export interface DatasetAnalysis {
  examples: number;
  /** Tokens per example, used for trained_tokens and step counts. */
  tokens: number[];
  problem: JobProblem | null;
}

export type DatasetFormat = 'chat' | 'prompt-completion' | 'preference';

export const MIN_TRAINING_EXAMPLES = 10;

export function analyseDataset(
  content: string,
  format: DatasetFormat,
  tokenizer: Tokenizer,
  role: 'training' | 'validation',
): DatasetAnalysis {
  const param = `${role}_file`;
  const fail = (code: string, detail: string): JobProblem => ({
    code,
    param,
    message: `The job failed due to a file format error in the ${role} file. Invalid file format. ${detail}`,
  });
  const tokens: number[] = [];
  const lines = content.split(/\r?\n/).filter((line) => line.trim().length > 0);
  for (const [index, line] of lines.entries()) {
    const example = index + 1;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return {
        examples: lines.length,
        tokens,
        problem: fail(
          `invalid_${role}_file`,
          `Example ${example} cannot be parsed. Error: line contains invalid json: ${reason} (line ${example})`,
        ),
      };
    }
    const counted = countExample(value, format, tokenizer);
    if (typeof counted === 'string')
      return {
        examples: lines.length,
        tokens,
        problem: fail(`invalid_${role}_file`, `Example ${example}: ${counted}`),
      };
    tokens.push(counted);
  }
  if (role === 'training' && lines.length < MIN_TRAINING_EXAMPLES) {
    return {
      examples: lines.length,
      tokens,
      problem: {
        code: 'invalid_n_examples',
        param,
        message: `Training file has ${lines.length} example(s), but must have at least ${MIN_TRAINING_EXAMPLES} examples`,
      },
    };
  }
  return { examples: lines.length, tokens, problem: null };
}

/** Token count of one example, or what is wrong with it. */
function countExample(value: unknown, format: DatasetFormat, tokenizer: Tokenizer): number | string {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return 'each line must be a JSON object.';
  const record = value as Record<string, unknown>;
  if (format === 'prompt-completion') {
    if (typeof record['prompt'] !== 'string') return "missing 'prompt' key or it is not a string.";
    if (typeof record['completion'] !== 'string') return "missing 'completion' key or it is not a string.";
    return tokenizer.count(record['prompt']) + tokenizer.count(record['completion']);
  }
  if (format === 'preference') {
    const input = record['input'] as { messages?: unknown } | undefined;
    const messages = countMessages(input?.messages, tokenizer);
    if (typeof messages === 'string') return `input ${messages}`;
    const preferred = countMessages(record['preferred_output'], tokenizer);
    const rejected = countMessages(record['non_preferred_output'], tokenizer);
    if (typeof preferred === 'string') return `preferred_output ${preferred}`;
    if (typeof rejected === 'string') return `non_preferred_output ${rejected}`;
    return messages + preferred + rejected;
  }
  const counted = countMessages(record['messages'], tokenizer);
  if (typeof counted === 'string') return counted;
  const messages = record['messages'] as { role?: unknown }[];
  if (!messages.some((message) => message.role === 'assistant'))
    return 'messages must contain at least one assistant message.';
  return counted + REPLY_PRIMING_TOKENS;
}

const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool', 'function']);

function countMessages(messages: unknown, tokenizer: Tokenizer): number | string {
  if (!Array.isArray(messages) || messages.length === 0) return "missing 'messages' key or it is empty.";
  let total = 0;
  for (const [i, message] of messages.entries()) {
    const { role, content } = (message ?? {}) as { role?: unknown; content?: unknown };
    if (typeof role !== 'string' || !ROLES.has(role)) return `message ${i + 1} has an invalid role.`;
    if (typeof content !== 'string' && !(role === 'assistant' && content == null))
      return `message ${i + 1} has no string content.`;
    total += TOKENS_PER_MESSAGE + (typeof content === 'string' ? tokenizer.count(content) : 0);
  }
  return total;
}

export function datasetFormatFor(model: string, methodType: string): DatasetFormat {
  if (methodType === 'dpo') return 'preference';
  const base = model.startsWith('ft:') ? (model.split(':')[1] ?? '') : model;
  return base.startsWith('babbage-002') || base.startsWith('davinci-002') ? 'prompt-completion' : 'chat';
}

/** Per-example token cap: longer examples are truncated, not rejected (notes §10). */
export function exampleTokenCap(model: string): number {
  const base = model.startsWith('ft:') ? (model.split(':')[1] ?? '') : model;
  if (base.startsWith('gpt-3.5-turbo-0613')) return 4_096;
  if (base.startsWith('gpt-3.5') || base.startsWith('babbage') || base.startsWith('davinci')) return 16_385;
  return 65_536;
}

/** The cookbook's `auto` epochs (openai-cookbook Chat_finetuning_data_prep.ipynb). */
export function autoEpochs(examples: number): number {
  const target = 3;
  if (examples * target < 100) return Math.min(25, Math.floor(100 / Math.max(1, examples)));
  if (examples * target > 25_000) return Math.max(1, Math.floor(25_000 / examples));
  return target;
}

/** OpenAI does not publish its `auto` batch size; about 0.2% of the examples, 1..256, is close to what jobs report. */
export const autoBatchSize = (examples: number): number => Math.max(1, Math.min(256, Math.round(examples * 0.002)));
export const AUTO_LEARNING_RATE_MULTIPLIER = 1.8;
