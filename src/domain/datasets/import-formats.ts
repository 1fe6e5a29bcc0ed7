import { unstorableReason } from '../text/storable-text.js';

/**
 * Turns one line (JSON formats) or one record (CSV) of an uploaded file into a text and a label,
 * or into the one precise reason it cannot be imported. Splitting the file into lines, skipping
 * blank ones and numbering errors are the caller's business.
 */

export const IMPORT_FORMATS = ['jsonl', 'openai-chat', 'openai-completions', 'csv'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

export interface ImportOptions {
  /** The task's label names, matched exactly. */
  labels: string[];
  /** File label → task label, applied to the trimmed label before checking membership. */
  labelMap: Record<string, string>;
  /** Counted in Unicode code points, so an emoji counts once. */
  maxTextChars: number;
  /** Legacy prompt suffix to strip; undefined recognises LEGACY_PROMPT_SUFFIXES. */
  promptSuffix?: string;
  textColumn?: string;
  labelColumn?: string;
}

export type LineErrorReason =
  | 'invalid_json'
  | 'not_an_object'
  | 'missing_text'
  | 'empty_text'
  | 'wrong_type'
  | 'unknown_label'
  | 'text_too_long'
  | 'missing_column'
  | 'invalid_text';

export type LineResult =
  | { ok: true; text: string; label: string | null }
  | { ok: false; reason: LineErrorReason; message: string };

/** Longest first: '\n\n###\n\n' also ends with '\n\n', and we must strip the whole separator. */
const LEGACY_PROMPT_SUFFIXES = ['\n\n###\n\n', '\n\n###\n', '\n###\n', ' ->', '\n\n'] as const;

/** Stop sequences the old OpenAI guide told people to end completions with. */
const COMPLETION_STOPS = ['\n', ' END', '###'] as const;

const MAX_ALLOWED_IN_MESSAGE = 10;

type Json = unknown;
type JsonObject = Record<string, Json>;
type Failure = Extract<LineResult, { ok: false }>;

const fail = (reason: LineErrorReason, message: string): Failure => ({ ok: false, reason, message });

/** Strips what editors and Windows leave on a line; the BOM can appear on any line of concatenated files. */
const normalizeLine = (line: string): string => {
  const withoutBom = line.startsWith('\uFEFF') ? line.slice(1) : line;
  return withoutBom.endsWith('\r') ? withoutBom.slice(0, -1) : withoutBom;
};

const typeName = (value: Json): string => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);

const isObject = (value: Json): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const quote = (value: string): string => JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);

function parseJson(line: string): { ok: true; value: Json } | Failure {
  try {
    return { ok: true, value: JSON.parse(line) as Json };
  } catch (error) {
    return fail('invalid_json', `invalid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export function detectFormat(firstLine: string): ImportFormat | undefined {
  const line = normalizeLine(firstLine).trim();
  if (line === '') return undefined;
  const parsed = parseJson(line);
  if (!parsed.ok) return /[,;\t]/.test(line) ? 'csv' : undefined;
  if (!isObject(parsed.value)) return undefined;
  if (Object.hasOwn(parsed.value, 'messages')) return 'openai-chat';
  if (Object.hasOwn(parsed.value, 'prompt')) return 'openai-completions';
  if (Object.hasOwn(parsed.value, 'text')) return 'jsonl';
  return undefined;
}

function codePointLength(text: string, atLeast: number): number {
  // A UTF-16 length within the limit cannot hold more code points, so skip the walk for most texts.
  if (text.length <= atLeast) return text.length;
  let count = 0;
  for (const _ of text) count++;
  return count;
}

function checkText(raw: string, options: ImportOptions): { ok: true; text: string } | Failure {
  const text = raw.trim();
  if (text === '') return fail('empty_text', 'text is empty');
  const unstorable = unstorableReason(text);
  if (unstorable) return fail('invalid_text', `text ${unstorable}; it cannot be stored`);
  const length = codePointLength(text, options.maxTextChars);
  if (length > options.maxTextChars) {
    return fail('text_too_long', `text has ${length} characters; the limit is ${options.maxTextChars}`);
  }
  return { ok: true, text };
}

function unknownLabel(label: string, original: string, options: ImportOptions): Failure {
  const mapped = label === original ? '' : ` (mapped from ${quote(original)})`;
  // Names are exact, but a case slip is the usual cause, so point at the intended label.
  const near = options.labels.find((name) => name.toLowerCase() === label.toLowerCase());
  const hint = near === undefined ? '' : `; did you mean ${quote(near)}?`;
  const shown = options.labels.slice(0, MAX_ALLOWED_IN_MESSAGE).map(quote).join(', ');
  const more =
    options.labels.length > MAX_ALLOWED_IN_MESSAGE
      ? `, … (${options.labels.length - MAX_ALLOWED_IN_MESSAGE} more)`
      : '';
  return fail('unknown_label', `unknown label ${quote(label)}${mapped}${hint}; allowed: ${shown}${more}`);
}

/** Trims, maps and checks a label string; an empty label (before or after mapping) means unlabeled. */
function resolveLabel(raw: string, options: ImportOptions): { ok: true; label: string | null } | Failure {
  const original = raw.trim();
  if (original === '') return { ok: true, label: null };
  const label = Object.hasOwn(options.labelMap, original) ? (options.labelMap[original] ?? '').trim() : original;
  if (label === '') return { ok: true, label: null };
  if (!options.labels.includes(label)) return unknownLabel(label, original, options);
  return { ok: true, label };
}

/** Star ratings arrive as JSON numbers, so numbers are read as their decimal string. */
function labelValue(
  value: Json,
  field: string,
  options: ImportOptions,
  clean = (s: string) => s,
): { ok: true; label: string | null } | Failure {
  if (value === undefined || value === null) return { ok: true, label: null };
  if (typeof value === 'number') return resolveLabel(String(value), options);
  if (typeof value !== 'string') return fail('wrong_type', `"${field}" must be a string, got ${typeName(value)}`);
  return resolveLabel(clean(value), options);
}

function textValue(object: JsonObject, field: string, missing: string): { ok: true; text: string } | Failure {
  const value = object[field];
  if (value === undefined) return fail('missing_text', missing);
  if (typeof value !== 'string') return fail('wrong_type', `"${field}" must be a string, got ${typeName(value)}`);
  return { ok: true, text: value };
}

function finish(
  rawText: string,
  label: { ok: true; label: string | null } | Failure,
  options: ImportOptions,
): LineResult {
  const text = checkText(rawText, options);
  if (!text.ok) return text;
  if (!label.ok) return label;
  return { ok: true, text: text.text, label: label.label };
}

function fromJsonl(object: JsonObject, options: ImportOptions): LineResult {
  const text = textValue(object, 'text', 'missing "text"');
  if (!text.ok) return text;
  return finish(text.text, labelValue(object.label, 'label', options), options);
}

function fromChat(object: JsonObject, options: ImportOptions): LineResult {
  const messages = object.messages;
  if (messages === undefined) return fail('missing_text', 'missing "messages"');
  if (!Array.isArray(messages)) return fail('wrong_type', `"messages" must be an array, got ${typeName(messages)}`);
  const bad = messages.findIndex((message) => !isObject(message));
  if (bad >= 0) return fail('wrong_type', `"messages[${bad}]" must be an object, got ${typeName(messages[bad])}`);
  const list = messages as JsonObject[];
  const user = list.findLastIndex((message) => message.role === 'user');
  if (user < 0) return fail('missing_text', 'no user message in "messages"');
  const content = list[user]?.content;
  if (typeof content !== 'string')
    return fail('wrong_type', `"messages[${user}].content" must be a string, got ${typeName(content)}`);
  // Only the answer to the last user turn is the label; earlier turns are few-shot context.
  const offset = list.slice(user + 1).findIndex((message) => message.role === 'assistant');
  const answer = offset < 0 ? undefined : user + 1 + offset;
  const label =
    answer === undefined
      ? { ok: true as const, label: null }
      : labelValue(list[answer]?.content, `messages[${answer}].content`, options);
  return finish(content, label, options);
}

function stripPromptSuffix(prompt: string, suffix: string | undefined): string {
  const candidates = suffix === undefined ? LEGACY_PROMPT_SUFFIXES : [suffix];
  const found = candidates.find((candidate) => candidate !== '' && prompt.endsWith(candidate));
  return found === undefined ? prompt : prompt.slice(0, -found.length);
}

function cleanCompletion(completion: string): string {
  let label = completion.startsWith(' ') ? completion.slice(1) : completion;
  // Repeated because files combine stops, e.g. ' positive END\n'.
  let stop = COMPLETION_STOPS.find((s) => label.endsWith(s));
  while (stop !== undefined) {
    label = label.slice(0, -stop.length);
    stop = COMPLETION_STOPS.find((s) => label.endsWith(s));
  }
  return label;
}

function fromCompletions(object: JsonObject, options: ImportOptions): LineResult {
  const prompt = textValue(object, 'prompt', 'missing "prompt"');
  if (!prompt.ok) return prompt;
  const label = labelValue(object.completion, 'completion', options, cleanCompletion);
  return finish(stripPromptSuffix(prompt.text, options.promptSuffix), label, options);
}

export function parseJsonLine(
  line: string,
  format: 'jsonl' | 'openai-chat' | 'openai-completions',
  options: ImportOptions,
): LineResult {
  const parsed = parseJson(normalizeLine(line));
  if (!parsed.ok) return parsed;
  const value = parsed.value;
  if (!isObject(value)) return fail('not_an_object', `expected a JSON object, got ${typeName(value)}`);
  if (format === 'openai-chat') return fromChat(value, options);
  if (format === 'openai-completions') return fromCompletions(value, options);
  return fromJsonl(value, options);
}

/** Exact header first; then ignoring a BOM, surrounding spaces and case, as spreadsheets export them. */
function findColumn(record: Record<string, string>, column: string): string | undefined {
  if (Object.hasOwn(record, column)) return column;
  const loose = (name: string) =>
    name
      .replace(/^\uFEFF/, '')
      .trim()
      .toLowerCase();
  const wanted = loose(column);
  return Object.keys(record).find((key) => loose(key) === wanted);
}

export function parseCsvRecord(record: Record<string, string>, options: ImportOptions): LineResult {
  const textColumn = options.textColumn ?? 'text';
  const textKey = findColumn(record, textColumn);
  if (textKey === undefined) {
    const present = Object.keys(record)
      .map((key) => JSON.stringify(key))
      .join(', ');
    return fail('missing_column', `no column ${JSON.stringify(textColumn)}; columns present: ${present || 'none'}`);
  }
  const text = record[textKey];
  // A short row in a ragged file leaves the cell undefined even though the header has the column.
  if (typeof text !== 'string') return fail('missing_text', `no value in column ${JSON.stringify(textKey)}`);
  const labelKey = findColumn(record, options.labelColumn ?? 'label');
  const rawLabel = labelKey === undefined ? undefined : record[labelKey];
  return finish(text, labelValue(rawLabel, labelKey ?? 'label', options), options);
}
