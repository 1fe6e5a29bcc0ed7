import { checkBoolean, type OperationContext, type OperationOf, type OperationResult } from './operations.js';
import { exampleIdOf, type DatasetRow } from './rows.js';

type CleanOp = OperationOf<'clean'>;

const FLAGS = ['urls', 'mentions', 'code_blocks', 'emails', 'collapse_whitespace', 'collapse_paragraphs'] as const;
/** Each switch's default: everything on but merging paragraphs, which would lose the `\n\n` between messages. */
const DEFAULTS: Record<Flag, boolean> = {
  urls: true,
  mentions: true,
  code_blocks: true,
  emails: true,
  collapse_whitespace: true,
  collapse_paragraphs: false,
};
type Flag = (typeof FLAGS)[number];

export function validateClean(op: CleanOp, index: number, _ctx: OperationContext): void {
  for (const flag of FLAGS) checkBoolean(op[flag], index, flag);
}

/*
 * Every pattern below must stay linear on a 200 KB line: each one starts at a fixed delimiter
 * (`, <@, @, http, www.) or, for e-mails, only at the start of a run of address characters (the
 * lookbehind), and no quantified group can match the same text two ways. Removed spans become
 * REMOVED, then one space, so the words around them do not fuse; collapsing whitespace tidies that up.
 */
const INLINE_CODE = /`[^`\n]+`/gu;
const URL = /\b(?:https?:\/\/|www\.)\S+/giu;
const EMAIL = /(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+/gu;
/** Slack `<@U123ABC>` / `<@U123|name>` and Discord `<@!123>` user references. */
const USER_REF = /<@!?\w+(?:\|[^<>\n]*)?>/gu;
/** `@user_name`, not the middle of an address; a trailing `.` stays with the sentence. */
const HANDLE = /(?<![\p{L}\p{N}_@.])@[\p{L}\p{N}_]+(?:[.-][\p{L}\p{N}_]+)*/gu;
/**
 * Marks a removed span until whitespace is collapsed, so a line that held only a URL or a code
 * block is not taken for a blank line (a paragraph break). U+0000 cannot be in a stored text:
 * imports refuse it and Postgres cannot hold it.
 */
const REMOVED = '\u0000';
// biome-ignore lint/suspicious/noControlCharactersInRegex: U+0000 marks removed spans on purpose (it can never be in a stored text)
const REMOVED_ALL = /\u0000/gu;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the same marker counts as whitespace when collapsing
const WHITESPACE = /[\s\u0000]+/gu;
/** Two line breaks with only whitespace (no removed span) between them: a blank line. A CRLF is one break. */
const BLANK_LINE = /(?:\r\n|\r(?!\n)|\n)[^\S\r\n]*(?:\r\n|\r(?!\n)|\n)/u;
/** With the u flag, \p{Cs} matches only unpaired surrogates: a paired emoji is one code point. */
const LONE_SURROGATE = /\p{Cs}/gu;
const URL_TRAILING_PUNCTUATION = '.,;:!?)]}\'"';
const FENCE = '```';

export type Removals = Record<'urls' | 'mentions' | 'code_blocks' | 'emails', number>;

/** Removes fenced blocks by scanning for fence pairs; an unclosed fence is left as text. */
function removeFencedBlocks(text: string, counts: Removals): string {
  let out = '';
  let from = 0;
  for (;;) {
    const open = text.indexOf(FENCE, from);
    if (open === -1) break;
    const close = text.indexOf(FENCE, open + FENCE.length);
    if (close === -1) break;
    out += `${text.slice(from, open)}${REMOVED}`;
    from = close + FENCE.length;
    counts.code_blocks++;
  }
  return from === 0 ? text : out + text.slice(from);
}

/** Keeps sentence punctuation that follows a URL (`see https://x.io.`) outside the removal. */
function urlTail(url: string): string {
  let end = url.length;
  while (end > 0 && URL_TRAILING_PUNCTUATION.includes(url[end - 1] as string)) end--;
  return url.slice(end);
}

/** Replaces every match of `pattern` (by one space unless `by` says otherwise), counting each under `kind`. */
function removeCounted(
  text: string,
  pattern: RegExp,
  kind: keyof Removals,
  counts: Removals,
  by: (match: string) => string = () => REMOVED,
): string {
  return text.replace(pattern, (match) => {
    counts[kind]++;
    return by(match);
  });
}

function cleanText(input: string, flags: Record<Flag, boolean>, counts: Removals): string {
  let text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  // exampleIdOf hashes UTF-8, which turns every lone surrogate into U+FFFD; doing it here keeps
  // the text equal to what its id addresses.
  text = text.replace(LONE_SURROGATE, '\uFFFD');
  if (flags.code_blocks) {
    text = removeFencedBlocks(text, counts);
    text = removeCounted(text, INLINE_CODE, 'code_blocks', counts);
  }
  if (flags.urls) text = removeCounted(text, URL, 'urls', counts, (url) => `${REMOVED}${urlTail(url)}`);
  // E-mails before handles, or `@example.com` of an address would be taken for a handle.
  if (flags.emails) text = removeCounted(text, EMAIL, 'emails', counts);
  if (flags.mentions) {
    text = removeCounted(text, USER_REF, 'mentions', counts);
    text = removeCounted(text, HANDLE, 'mentions', counts);
  }
  if (!flags.collapse_whitespace) return text.replace(REMOVED_ALL, ' ');
  // Runs of blank lines become one paragraph break (chat messages are joined by `\n\n`); other runs one space.
  const keepParagraphs = !flags.collapse_paragraphs;
  return text.replace(WHITESPACE, (run) => (keepParagraphs && BLANK_LINE.test(run) ? '\n\n' : ' ')).trim();
}

const flagsOf = (op: CleanOp): Record<Flag, boolean> =>
  Object.fromEntries(FLAGS.map((flag) => [flag, op[flag] ?? DEFAULTS[flag]])) as Record<Flag, boolean>;

/** One text as `clean` would leave it (empty when it would drop the row): for serving what was trained. */
export function cleanOne(op: CleanOp): (text: string) => string {
  const flags = flagsOf(op);
  return (text) => cleanText(text, flags, { urls: 0, mentions: 0, code_blocks: 0, emails: 0 });
}

/**
 * Strips noise a classifier should not learn from. A changed text is a different example, so it
 * gets a new exampleId; a text left blank is dropped rather than kept as an empty example.
 */
export function clean(rows: DatasetRow[], op: CleanOp, _ctx: OperationContext): OperationResult {
  const flags = flagsOf(op);
  const counts: Removals = { urls: 0, mentions: 0, code_blocks: 0, emails: 0 };
  const out: DatasetRow[] = [];
  let changed = 0;
  let emptied = 0;
  for (const row of rows) {
    const text = cleanText(row.text, flags, counts);
    if (text.trim() === '') {
      emptied++;
      continue;
    }
    if (text === row.text) {
      out.push(row);
      continue;
    }
    changed++;
    out.push({ ...row, text, exampleId: exampleIdOf(text) });
  }
  return { rows: out, details: { changed, emptied, ...counts } };
}
