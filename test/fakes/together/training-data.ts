import { O200K } from '../shared/tokenizer.js';

/**
 * Reads a fine-tuning JSONL file the way Together's checker does (the rules and wording of the
 * official SDK's `checkFile`, which mirrors the server): every line a JSON object in one of the
 * documented formats (conversational `messages` with system/user/assistant turns that alternate
 * and include an assistant turn, instruction `prompt`/`completion`, general `text`, or preference
 * `input`/`preferred_output`/`non_preferred_output`), and no extra columns. Tokens are counted with
 * o200k_base as a stand-in for the models' own tokenizers.
 */

export type DatasetFormat = 'general' | 'conversation' | 'instruction' | 'preference_openai';

export interface ValidationReport {
  valid: boolean;
  datasetFormat: DatasetFormat | null;
  error: string | null;
  /** 1-based line of the first problem. */
  line: number | null;
  nlines: number;
  hasWeights: boolean;
  /** Tokens per example, for token counts, steps and prices. */
  tokens: number[];
}

const REQUIRED_COLUMNS: Record<DatasetFormat, string[]> = {
  general: ['text'],
  conversation: ['messages'],
  instruction: ['prompt', 'completion'],
  preference_openai: ['input', 'preferred_output', 'non_preferred_output'],
};
const ROLES = ['system', 'user', 'assistant'];
/** Chat-template overhead per message (header and end-of-turn tokens) and per example (begin-of-text). */
const TOKENS_PER_MESSAGE = 4;
const TOKENS_PER_EXAMPLE = 1;

class FormatError extends Error {}

export function validateTrainingFile(content: Buffer, purpose: string, fileType: string): ValidationReport {
  const report: ValidationReport = {
    valid: true,
    datasetFormat: null,
    error: null,
    line: null,
    nlines: 0,
    hasWeights: false,
    tokens: [],
  };
  const fail = (error: string, line: number | null = null): ValidationReport => ({
    ...report,
    valid: false,
    error,
    line,
  });
  if (content.length === 0) return fail('File is empty');
  if (fileType !== 'jsonl')
    return purpose === 'fine-tune' && fileType === 'csv'
      ? fail(`CSV files are not supported for ${purpose}. Only JSONL and Parquet files are supported.`)
      : report;
  const text = content.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(content)) return fail('File is not UTF-8 encoded.');
  const lines = text.split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  for (const [index, line] of lines.entries()) {
    const number = index + 1;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch {
      return fail(`Error parsing json payload. Unexpected format on line ${number}.`, number);
    }
    try {
      if (!row || typeof row !== 'object' || Array.isArray(row)) {
        throw new FormatError(
          `Error parsing file. Invalid format on line ${number} of the input file. Datasets must follow text, conversational, or instruction format. For more information, see https://docs.together.ai/docs/fine-tuning-data-preparation`,
        );
      }
      if (purpose === 'eval') continue;
      const record = row as Record<string, unknown>;
      const format = detectFormat(record, number);
      if (report.datasetFormat === null) report.datasetFormat = format;
      else if (report.datasetFormat !== format) {
        throw new FormatError(
          `All samples in the dataset must have the same dataset format. Got ${report.datasetFormat} for the first line and ${format} for the line ${number}.`,
        );
      }
      report.tokens.push(countExample(record, format, number, report));
    } catch (error) {
      if (error instanceof FormatError) return fail(error.message, number);
      throw error;
    }
  }
  report.nlines = lines.length;
  if (lines.length < 1) return fail(`Processing resulted in only ${lines.length} samples. Our minimum is 1 samples. `);
  return report;
}

function detectFormat(record: Record<string, unknown>, line: number): DatasetFormat {
  let found: DatasetFormat | null = null;
  for (const [format, columns] of Object.entries(REQUIRED_COLUMNS) as [DatasetFormat, string[]][]) {
    if (!columns.every((column) => column in record)) continue;
    if (found !== null)
      throw new FormatError(
        `Found multiple dataset formats in the input file. Got ${found} and ${format} on line ${line}.`,
      );
    found = format;
    for (const column of Object.keys(record)) {
      if (!columns.includes(column)) throw new FormatError(`Found extra column "${column}" in the line ${line}.`);
    }
  }
  if (found === null)
    throw new FormatError(
      `Error parsing file. Could not detect a format for the line ${line} with the columns:\n${Object.keys(record).join(', ')}`,
    );
  return found;
}

function countExample(
  record: Record<string, unknown>,
  format: DatasetFormat,
  line: number,
  report: ValidationReport,
): number {
  if (format === 'conversation') return TOKENS_PER_EXAMPLE + countMessages(record['messages'], line, true, report);
  if (format === 'preference_openai') return TOKENS_PER_EXAMPLE + countPreference(record, line, report);
  let tokens = TOKENS_PER_EXAMPLE;
  for (const column of REQUIRED_COLUMNS[format]) {
    const value = record[column];
    if (typeof value !== 'string')
      throw new FormatError(
        `Invalid value type for "${column}" key on line ${line}. Expected string. Found ${typeof value}.`,
      );
    tokens += O200K.count(value);
  }
  return tokens;
}

function countMessages(messages: unknown, line: number, requireAssistant: boolean, report: ValidationReport): number {
  if (!Array.isArray(messages))
    throw new FormatError(
      `Invalid format on line ${line} of the input file. The \`messages\` column must be a list. Found ${typeof messages}`,
    );
  if (messages.length === 0)
    throw new FormatError(
      `Invalid format on line ${line} of the input file. The \`messages\` column must not be empty.`,
    );
  const hasWeights = messages.some((message) => !!message && typeof message === 'object' && 'weight' in message);
  report.hasWeights ||= hasWeights;
  let previous: string | null = null;
  let assistant = false;
  let tokens = 0;
  for (const message of messages as unknown[]) {
    if (!message || typeof message !== 'object' || Array.isArray(message)) {
      throw new FormatError(
        `Invalid format on line ${line} of the input file. The \`messages\` column must be a list of dicts. Found ${typeof message}`,
      );
    }
    const fields = message as Record<string, unknown>;
    for (const column of ['role', 'content']) {
      if (!(column in fields))
        throw new FormatError(`Missing required column \`${column}\` in message on line ${line}.`);
      if (typeof fields[column] !== 'string')
        throw new FormatError(`Column \`${column}\` is not a string on line ${line}. Found ${typeof fields[column]}`);
    }
    if (hasWeights && 'weight' in fields) {
      const weight = fields['weight'];
      if (typeof weight !== 'number' || !Number.isInteger(weight))
        throw new FormatError(`Weight must be an integer on line ${line}.`);
      if (weight !== 0 && weight !== 1) throw new FormatError(`Weight must be either 0 or 1 on line ${line}.`);
    }
    const role = fields['role'] as string;
    if (!ROLES.includes(role))
      throw new FormatError(
        `Invalid role \`${role}\` in conversation on line ${line}. Possible roles: ${ROLES.join(', ')}`,
      );
    if (previous !== null && role === previous) {
      throw new FormatError(
        `Invalid role turns on line ${line} of the input file. After the optional system message, conversation roles must alternate between user/assistant/user/assistant.`,
      );
    }
    previous = role;
    assistant ||= role === 'assistant';
    tokens += TOKENS_PER_MESSAGE + O200K.count(fields['content'] as string);
  }
  if (requireAssistant && !assistant) {
    throw new FormatError(
      `Invalid format on line ${line} of the input file. At least one message with the assistant role must be present in the example.`,
    );
  }
  return tokens;
}

function countPreference(record: Record<string, unknown>, line: number, report: ValidationReport): number {
  const input = record['input'];
  if (!input || typeof input !== 'object' || Array.isArray(input))
    throw new FormatError('The dataset is malformed, the `input` field must be a dictionary.');
  const messages = (input as Record<string, unknown>)['messages'];
  if (messages === undefined)
    throw new FormatError('The dataset is malformed, the `input` dictionary must contain a `messages` field.');
  let tokens = countMessages(messages, line, false, report);
  if ((messages as { role?: unknown }[]).at(-1)?.role === 'assistant') {
    throw new FormatError(`The last message in the input conversation must not be from the assistant on line ${line}.`);
  }
  for (const key of ['preferred_output', 'non_preferred_output']) {
    const output = record[key];
    if (!Array.isArray(output))
      throw new FormatError(`The dataset is malformed, the \`${key}\` field must be a list on line ${line}.`);
    if (output.length !== 1)
      throw new FormatError(
        `The dataset is malformed, the \`${key}\` list must contain exactly one message on line ${line}.`,
      );
    const message = output[0] as Record<string, unknown> | null;
    if (!message || typeof message !== 'object' || Array.isArray(message)) {
      throw new FormatError(
        `The dataset is malformed, the first element of \`${key}\` must be a dictionary on line ${line}.`,
      );
    }
    if (message['role'] !== 'assistant')
      throw new FormatError(
        `The dataset is malformed, the first element of \`${key}\` must have the 'assistant' role on line ${line}.`,
      );
    if (typeof message['content'] !== 'string')
      throw new FormatError(
        `The dataset is malformed, the 'content' field in \`${key}\` must be a string on line ${line}.`,
      );
    tokens += TOKENS_PER_MESSAGE + O200K.count(message['content']);
  }
  return tokens;
}
