import type { FewShotExample, PromptConfig } from './prompt-config.js';
import { COMPLETION_SUFFIX } from '../datasets/export-formats.js';
import { seededRng, shuffleInPlace } from '../seeded-rng.js';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/**
 * The allowed labels, one per line, written exactly as the answer must be: answers are matched
 * against these strings, so quoting or rephrasing them here would invite answers that miss.
 */
function labelLines(prompt: PromptConfig): string {
  const lines = prompt.labels.map((label) => {
    const description = label.description?.trim();
    return description ? `- ${label.name}: ${description}` : `- ${label.name}`;
  });
  return ['Allowed labels:', ...lines, 'Answer with the label only.'].join('\n');
}

/** System message, few-shot pairs as real turns, then the text to classify. */
export function chatMessages(prompt: PromptConfig, text: string): ChatMessage[] {
  // Trained on examples without the system message (export system_message=false): asked the same way.
  if (prompt.systemMessage === false) return [{ role: 'user', content: text }];
  // A model fine-tuned on Tuneline's chat export saw only the instructions as its system message.
  if (prompt.asTrained) {
    return [
      { role: 'system', content: prompt.instructions },
      { role: 'user', content: text },
    ];
  }
  const instructions = prompt.instructions.trim();
  const system = instructions === '' ? labelLines(prompt) : `${instructions}\n\n${labelLines(prompt)}`;
  return [
    { role: 'system', content: system },
    ...prompt.fewShot.flatMap((example): ChatMessage[] => [
      { role: 'user', content: example.text },
      { role: 'assistant', content: example.label },
    ]),
    { role: 'user', content: text },
  ];
}

/**
 * Completion budget: the longest label plus one token, so that when labels share their first
 * tokens the answer runs far enough for its logprobs to tell them apart.
 */
export function maxAnswerTokens(labels: readonly string[], tokenize: (text: string) => string[]): number {
  let longest = 0;
  for (const label of labels) longest = Math.max(longest, tokenize(label).length);
  return longest + 1;
}

/** The prompt a legacy fine-tune saw in training (export-formats.ts appends the same suffix). */
export function legacyPrompt(text: string, suffix: string = COMPLETION_SUFFIX): string {
  return text + suffix;
}

export interface FewShotRow {
  exampleId: string;
  text: string;
  label: string;
}

/**
 * Up to k few-shot examples, stratified: labels take turns in code-unit order, each giving its
 * next row from a seeded shuffle, so small k still shows every label and the prompt interleaves
 * labels instead of ending on a block of one. Rows are sorted by id before shuffling, so the
 * result depends on the seed and the set of rows, not on the order they were read in.
 */
export function pickFewShot(rows: readonly FewShotRow[], k: number, seed: number): FewShotExample[] {
  return pickFewShotRows(rows, k, seed).map((row) => ({ text: row.text, label: row.label }));
}

/** pickFewShot's choice as the rows themselves, for callers that must keep them out of evaluation. */
export function pickFewShotRows<Row extends FewShotRow>(rows: readonly Row[], k: number, seed: number): Row[] {
  const count = Math.min(Math.max(0, Math.floor(k)), rows.length);
  if (count === 0) return [];
  const byLabel = new Map<string, Row[]>();
  for (const row of rows) {
    const members = byLabel.get(row.label);
    if (members) members.push(row);
    else byLabel.set(row.label, [row]);
  }
  const rng = seededRng(seed);
  // One generator drawn label by label in sorted order: the order fixes which draws each gets.
  const labels = [...byLabel.keys()].sort();
  const queues = labels.map((label) => {
    const members = (byLabel.get(label) ?? []).sort((a, b) =>
      a.exampleId < b.exampleId ? -1 : a.exampleId > b.exampleId ? 1 : 0,
    );
    return shuffleInPlace(members, rng);
  });
  const picked: Row[] = [];
  for (let round = 0; picked.length < count; round++) {
    for (const queue of queues) {
      const row = queue[round];
      if (row === undefined) continue;
      picked.push(row);
      if (picked.length === count) break;
    }
  }
  return picked;
}
