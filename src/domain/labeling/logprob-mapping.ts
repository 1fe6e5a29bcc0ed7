/**
 * Label probabilities from a chat completion's logprobs.
 *
 * A label's probability is read off the answer's token positions: position 0 says how likely
 * each first token was, and the positions after it split that mass among labels that begin with
 * the same token. The rule, shared with the legacy completions path (legacy-logprobs.ts):
 *
 * 1. Every label has one or more token paths: its own tokenization and, for chat, that of
 *    ' ' + label (answers may start with a space, and `complaint` is two o200k tokens where
 *    ` complaint` is one). Paths are grouped by their first token, compared after `normalize`.
 * 2. A group's mass is the summed exp(logprob) of position 0's alternatives (top_logprobs plus
 *    the sampled token) that normalise to its token. A label in no group with mass gets 0.
 * 3. A group holding several labels (a collision: `Not spam` / `Not sure` both start `Not`) is
 *    split by the next position, but only while the sampled answer is still on the group's path:
 *    logprobs after a different token are conditioned on that token and say nothing here.
 *    Labels whose next token appears among that position's alternatives get mass × exp(logprob)
 *    (recursively split again when they still collide). Labels whose next token is absent, or
 *    whose path has ended, share evenly what the shown alternatives leave: mass × (1 − Σ exp of
 *    every alternative at that position, label or not), since an unlisted token is at most that.
 * 4. When the answer left the group's path, or there is no next position, the group's mass is
 *    split evenly.
 *
 * Nothing is renormalised: mass on tokens that start no label is the model's real doubt, so the
 * probabilities may sum to less than 1. Each is clamped to [0, 1].
 */

export interface TokenAlternative {
  token: string;
  logprob: number;
}

export interface TokenPosition {
  token: string;
  logprob: number;
  top_logprobs: TokenAlternative[];
}

export interface LabelProbabilities {
  label: string | null;
  probabilities: Record<string, number>;
  confidence: number | null;
}

/** One generated position: the token actually sampled (when known) and the alternatives shown. */
export interface PathPosition {
  sampled: string | undefined;
  alternatives: readonly TokenAlternative[];
}

/** Compares tokens: `depth` is the position, so the first token can be treated differently. */
export type TokenNormalizer = (token: string, depth: number) => string;

interface Candidate {
  label: string;
  path: readonly string[];
}

const fold = (text: string): string => text.normalize('NFC').toLowerCase();

// Wrapping quotes, bold markers and trailing punctuation are decoration, not part of the answer.
const LEADING_DECORATION = /^[\s"'`*“”‘’«»]+/u;
const TRAILING_DECORATION = /[\s\p{P}`]+$/u;
const undecorated = (text: string): string =>
  fold(text.trim()).replace(LEADING_DECORATION, '').replace(TRAILING_DECORATION, '');

/**
 * The label an answer names: exact, then trimmed case-insensitive, then ignoring wrapping quotes
 * and trailing punctuation (`Positive.`). The first label in order wins within each step.
 */
export function matchLabel(answer: string, labels: readonly string[]): string | null {
  if (labels.includes(answer)) return answer;
  const folded = fold(answer.trim());
  const insensitive = labels.find((label) => fold(label.trim()) === folded);
  if (insensitive !== undefined) return insensitive;
  const loose = undecorated(answer);
  if (loose === '') return null;
  return labels.find((label) => undecorated(label) === loose) ?? null;
}

const probabilityOf = (logprob: number): number => (Number.isFinite(logprob) ? Math.exp(logprob) : 0);

const clamp01 = (value: number): number => (Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0);

/**
 * Distributes probability over labels by their token paths; see the rule at the top of the file.
 * `paths` lists each label's tokenizations, preferred first; a label appears once per first token.
 */
export function pathProbabilities(
  paths: ReadonlyMap<string, readonly (readonly string[])[]>,
  positions: readonly PathPosition[],
  normalize: TokenNormalizer,
): Record<string, number> {
  const totals = new Map<string, number>([...paths.keys()].map((label) => [label, 0]));
  const add = (label: string, mass: number): void => {
    totals.set(label, (totals.get(label) ?? 0) + mass);
  };
  const even = (candidates: readonly Candidate[], mass: number) => {
    for (const candidate of candidates) add(candidate.label, mass / candidates.length);
  };
  const massOf = (alternatives: readonly TokenAlternative[], key: string, depth: number) => {
    let mass = 0;
    for (const alternative of alternatives)
      if (normalize(alternative.token, depth) === key) mass += probabilityOf(alternative.logprob);
    return mass;
  };

  // Every candidate in `candidates` shares the normalised path prefix [0, depth); `onPath` says
  // the sampled answer followed that prefix, so position `depth` speaks about this group.
  const split = (candidates: readonly Candidate[], depth: number, mass: number, onPath: boolean): void => {
    if (depth > 0 && candidates.length === 1) {
      add((candidates[0] as Candidate).label, mass);
      return;
    }
    const position = onPath ? positions[depth] : undefined;
    if (position === undefined) {
      even(candidates, mass);
      return;
    }
    const next = new Map<string, Candidate[]>();
    const absent: Candidate[] = [];
    for (const candidate of candidates) {
      const token = candidate.path[depth];
      if (token === undefined) absent.push(candidate);
      else {
        const key = normalize(token, depth);
        next.set(key, [...(next.get(key) ?? []), candidate]);
      }
    }
    const sampled = position.sampled === undefined ? undefined : normalize(position.sampled, depth);
    for (const [key, group] of next) {
      const share = massOf(position.alternatives, key, depth);
      if (share > 0) split(group, depth + 1, mass * share, sampled === key);
      else absent.push(...group);
    }
    // At position 0, labels the alternatives do not show get nothing (rule 2). Deeper, a label
    // the alternatives do not show (or that ends here) can only have what none of the shown
    // alternatives took, label continuations or not: a bound, shared evenly (rule 3).
    if (depth > 0 && absent.length > 0) {
      let shown = 0;
      for (const alternative of position.alternatives) shown += probabilityOf(alternative.logprob);
      even(absent, mass * Math.max(0, 1 - shown));
    }
  };

  const candidates: Candidate[] = [];
  for (const [label, tokenizations] of paths) {
    const firstTokens = new Set<string>();
    for (const path of tokenizations) {
      const first = path[0];
      const key = first === undefined ? '' : normalize(first, 0);
      if (key === '' || firstTokens.has(key)) continue;
      firstTokens.add(key);
      candidates.push({ label, path });
    }
  }
  if (positions.length > 0) split(candidates, 0, 1, true);
  return Object.fromEntries([...totals].map(([label, mass]) => [label, clamp01(mass)]));
}

/** Top alternatives plus the sampled token, which the API does not always list among them. */
function chatPosition(position: TokenPosition): PathPosition {
  const listed = position.top_logprobs.some((alternative) => alternative.token === position.token);
  return {
    sampled: position.token,
    alternatives: listed
      ? position.top_logprobs
      : [...position.top_logprobs, { token: position.token, logprob: position.logprob }],
  };
}

// The first token may carry the space before the answer; later tokens keep theirs, since
// `Not` + ` spam` and `Not` + `spam` are different texts.
const chatNormalize: TokenNormalizer = (token, depth) => (depth === 0 ? fold(token.replace(/^\s+/u, '')) : fold(token));

/** Probabilities that say the answer is certainly `label` (no logprobs to say otherwise). */
export function certain(labels: readonly string[], label: string | null): Record<string, number> {
  return Object.fromEntries(labels.map((name) => [name, name === label ? 1 : 0]));
}

/**
 * What mapping logprobs to a prompt's labels needs from the tokenizer, computed once per prompt:
 * tokenizing the label set is most of the mapping's cost, and it is the same on every call.
 */
export interface LabelTokenTable {
  labels: readonly string[];
  /** Each label's token paths: its own tokenization and that of ' ' + label (rule 1). */
  paths: ReadonlyMap<string, readonly (readonly string[])[]>;
  /** The longest label's token count. */
  longestLabelTokens: number;
}

export function labelTokenTable(labels: readonly string[], tokenize: (text: string) => string[]): LabelTokenTable {
  const unique = [...new Set(labels)];
  const paths = new Map(unique.map((name) => [name, [tokenize(name), tokenize(` ${name}`)]]));
  let longest = 0;
  for (const [own] of paths.values()) longest = Math.max(longest, own!.length);
  return { labels: unique, paths, longestLabelTokens: longest };
}

/** The label an answer names and each label's probability, from a chat answer's logprobs (null: none sent). */
export function mapChatAnswer(
  table: LabelTokenTable,
  content: string,
  positions: readonly TokenPosition[] | null,
): LabelProbabilities {
  const label = matchLabel(content, table.labels);
  if (positions === null || positions.length === 0) {
    return { label, probabilities: certain(table.labels, label), confidence: null };
  }
  const probabilities = pathProbabilities(table.paths, positions.map(chatPosition), chatNormalize);
  return { label, probabilities, confidence: label === null ? null : (probabilities[label] ?? 0) };
}

export function labelProbabilities(input: {
  content: string;
  positions: TokenPosition[] | null;
  labels: string[];
  tokenize: (text: string) => string[];
}): LabelProbabilities {
  return mapChatAnswer(labelTokenTable(input.labels, input.tokenize), input.content, input.positions);
}
