import { unstorableReason } from '../text/storable-text.js';
import { renderTextTemplate, type TextTemplate } from './text-template.js';

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
  /** Builds the text from several fields (CSV and JSONL); replaces textColumn / the "text" field. */
  textTemplate?: TextTemplate;
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
  | 'missing_field'
  | 'invalid_text';

export type LineResult =
  | { ok: true; text: string; label: string | null }
  | {
      ok: false;
      reason: LineErrorReason;
      message: string;
      /** For missing_field: the template's fields the line lacks, so the caller can report them once. */
      missingFields?: string[];
    };

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

/** With a text template, any JSON object is plain JSONL: its fields are the template's to name. */
export function detectFormat(firstLine: string, withTemplate = false): ImportFormat | undefined {
  const line = normalizeLine(firstLine).trim();
  if (line === '') return undefined;
  const parsed = parseJson(line);
  if (!parsed.ok) return /[,;\t]/.test(line) ? 'csv' : undefined;
  if (!isObject(parsed.value)) return undefined;
  if (withTemplate) return 'jsonl';
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

const fieldList = (fields: readonly string[]) => fields.map((field) => JSON.stringify(field)).join(', ');

/** A template field's value: numbers and booleans as written, null as an empty string. */
function templatedJson(object: JsonObject, template: TextTemplate): { ok: true; text: string } | Failure {
  const missing = template.fields.filter((field) => object[field] === undefined);
  if (missing.length > 0) return { ...fail('missing_field', `no field ${fieldList(missing)}`), missingFields: missing };
  for (const field of template.fields) {
    const value = object[field];
    if (typeof value === 'object' && value !== null)
      return fail('wrong_type', `"${field}" must be a string, got ${typeName(value)}`);
  }
  return {
    ok: true,
    text: renderTextTemplate(template, (field) => (object[field] === null ? '' : String(object[field]))),
  };
}

function fromJsonl(object: JsonObject, options: ImportOptions): LineResult {
  const text = options.textTemplate
    ? templatedJson(object, options.textTemplate)
    : textValue(object, 'text', 'missing "text"');
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
  return findHeader(Object.keys(record), column);
}

function findHeader(header: readonly string[], column: string): string | undefined {
  if (header.includes(column)) return column;
  const loose = (name: string) =>
    name
      .replace(/^\uFEFF/, '')
      .trim()
      .toLowerCase();
  const wanted = loose(column);
  return header.find((key) => loose(key) === wanted);
}

/**
 * What the CSV header lacks, judged once: a missing column would otherwise fail every record
 * alike (one identical error per line). `option` is the query parameter that named the column.
 */
export function checkCsvHeader(
  header: readonly string[],
  options: ImportOptions,
): { option: 'text_template' | 'text_column'; message: string } | undefined {
  const wanted = options.textTemplate?.fields ?? [options.textColumn ?? 'text'];
  const missing = wanted.filter((column) => findHeader(header, column) === undefined);
  if (missing.length === 0) return undefined;
  const present = header.map((key) => JSON.stringify(key)).join(', ');
  return {
    option: options.textTemplate ? 'text_template' : 'text_column',
    message: `no column ${fieldList(missing)}; columns present: ${present || 'none'}`,
  };
}

function templatedCsv(record: Record<string, string>, template: TextTemplate): { ok: true; text: string } | Failure {
  const keys = template.fields.map((field) => findColumn(record, field));
  const missing = template.fields.filter((_, i) => keys[i] === undefined);
  if (missing.length > 0) return fail('missing_column', `no column ${fieldList(missing)}`);
  // A short row in a ragged file leaves cells undefined; they join as empty, like an empty cell.
  return {
    ok: true,
    text: renderTextTemplate(template, (field) => record[keys[template.fields.indexOf(field)] as string] ?? ''),
  };
}

export function parseCsvRecord(record: Record<string, string>, options: ImportOptions): LineResult {
  if (options.textTemplate) {
    const text = templatedCsv(record, options.textTemplate);
    if (!text.ok) return text;
    const labelKey = findColumn(record, options.labelColumn ?? 'label');
    const rawLabel = labelKey === undefined ? undefined : record[labelKey];
    return finish(text.text, labelValue(rawLabel, labelKey ?? 'label', options), options);
  }
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
