/**
 * What the fake "model" answers. A test scripts it with a function (in-process only), an answer
 * table keyed by the user text, or keyword rules; the last two are plain JSON and can be sent to
 * `POST /_fake/script` from another process. Without a script the fake answers the first label
 * it can find in the system message (see `labelsIn`), else `unknown`.
 */

export interface ScriptMessage {
  role: string;
  content: string;
}

export interface ScriptInput {
  model: string;
  /** Chat messages with their text flattened; for /completions one synthetic user message. */
  messages: ScriptMessage[];
  /** The last user message (chat), or the prompt without a trailing `\n\n###\n\n` (completions). */
  userText: string;
  /** System and developer messages joined by a blank line; empty for /completions. */
  systemText: string;
  endpoint: 'chat' | 'completions';
}

/** An answer, optionally with per-answer probabilities that drive the logprobs. */
export type ScriptAnswer = string | { answer: string; distribution?: Record<string, number> };
export type ScriptFunction = (input: ScriptInput) => ScriptAnswer;
export interface TableScript {
  table: Record<string, ScriptAnswer>;
  default?: ScriptAnswer;
}
export interface KeywordScript {
  rules: { contains: string; answer: ScriptAnswer }[];
  default: ScriptAnswer;
}
export type SerializableScript = TableScript | KeywordScript;
export type ScriptRule = ScriptFunction | SerializableScript;

export interface ResolvedAnswer {
  answer: string;
  /** Candidate answers and their probability mass; the answer is always among them. */
  candidates: { text: string; mass: number }[];
}

const UNKNOWN = 'unknown';

export function resolveAnswer(
  rule: ScriptRule | undefined,
  input: ScriptInput,
  answerProbability: number,
): ResolvedAnswer {
  const labels = labelsIn(input.systemText);
  const scripted = rule === undefined ? undefined : applyRule(rule, input);
  const fallback = input.endpoint === 'completions' ? ` ${UNKNOWN}` : (labels[0] ?? UNKNOWN);
  const { answer, distribution } = normalise(scripted ?? fallback);
  if (distribution) return { answer, candidates: fromDistribution(answer, distribution) };
  // The answer gets `answerProbability`; the other labels of the prompt and the other answers
  // the script can give (how legacy codes such as " 2" become alternatives) share what is left.
  const others = dedupe([...labels, ...possibleAnswers(rule)]).filter((label) => label !== answer);
  const rest = others.length > 0 ? (1 - answerProbability) / others.length : 0;
  return {
    answer,
    candidates: [{ text: answer, mass: answerProbability }, ...others.map((text) => ({ text, mass: rest }))],
  };
}

function applyRule(rule: ScriptRule, input: ScriptInput): ScriptAnswer | undefined {
  if (typeof rule === 'function') return rule(input);
  if ('table' in rule) return rule.table[input.userText] ?? rule.table[input.userText.trim()] ?? rule.default;
  const text = input.userText.toLowerCase();
  return rule.rules.find((entry) => text.includes(entry.contains.toLowerCase()))?.answer ?? rule.default;
}

/** Every answer a table or keyword script can give; unknown for a function. */
function possibleAnswers(rule: ScriptRule | undefined): string[] {
  if (rule === undefined || typeof rule === 'function') return [];
  const answers = 'table' in rule ? Object.values(rule.table) : rule.rules.map((entry) => entry.answer);
  if (rule.default !== undefined) answers.push(rule.default);
  return answers.map((answer) => normalise(answer).answer);
}

const normalise = (answer: ScriptAnswer): { answer: string; distribution?: Record<string, number> } =>
  typeof answer === 'string' ? { answer } : answer;

function fromDistribution(answer: string, distribution: Record<string, number>): ResolvedAnswer['candidates'] {
  const candidates = Object.entries(distribution)
    .filter(([, mass]) => Number.isFinite(mass) && mass > 0)
    .map(([text, mass]) => ({ text, mass }));
  if (!candidates.some((candidate) => candidate.text === answer)) {
    const total = candidates.reduce((sum, candidate) => sum + candidate.mass, 0);
    candidates.push({ text: answer, mass: Math.max(1 - total, 1e-3) });
  }
  return candidates;
}

/** Lines such as `Labels: a, b, c`, `Answer with one of: a | b`, `Categories - a/b`. */
const LIST_LINE =
  /\b(?:labels?|categories|category|classes|class|options|choices|one of(?: the following)?(?: labels?| categories)?)\s*(?:are|is)?\s*[:=\-–]\s*(.+)$/i;
/** Bullets such as `- positive: happy text`, `* "negative"`, `1. neutral — meh`. */
const BULLET = /^\s*(?:[-*•]|\d+[.)])\s+["'`]?([^\s"'`:,—–-][^"'`:,—–]*?)["'`]?\s*(?:[:—–-].*)?$/;

/**
 * The label list of a classification prompt, in prompt order: the first `Labels: …`-style line,
 * else the bulleted lines, else quoted words after "one of". Empty when none is found.
 */
export function labelsIn(systemText: string): string[] {
  if (!systemText) return [];
  const lines = systemText.split(/\r?\n/);
  for (const line of lines) {
    const match = LIST_LINE.exec(line);
    if (match?.[1]) {
      const items = splitList(match[1]);
      if (items.length > 0) return items;
    }
  }
  const bullets = lines.map((line) => BULLET.exec(line)?.[1]?.trim()).filter((item): item is string => !!item);
  if (bullets.length > 0) return dedupe(bullets);
  const oneOf = /one of\b([^.\n]*)/i.exec(systemText)?.[1];
  const quoted = oneOf ? [...oneOf.matchAll(/["'`]([^"'`]+)["'`]/g)].map((m) => m[1] ?? '') : [];
  return dedupe(quoted.filter(Boolean));
}

function splitList(raw: string): string[] {
  return dedupe(
    raw
      .replace(/\.$/, '')
      .split(/\s*(?:,|\||\/|;|\bor\b)\s*/)
      .map((item) =>
        item
          .trim()
          .replace(/^["'`]|["'`]$/g, '')
          .trim(),
      )
      .filter((item) => item.length > 0 && item.length <= 64),
  );
}

const dedupe = (items: string[]): string[] => [...new Set(items)];

export function isSerializableScript(value: unknown): value is SerializableScript {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
  const rule = value as Record<string, unknown>;
  const isAnswer = (answer: unknown) =>
    typeof answer === 'string' ||
    (!!answer && typeof answer === 'object' && typeof (answer as { answer?: unknown }).answer === 'string');
  if ('table' in rule) {
    const table = rule['table'];
    return (
      !!table &&
      typeof table === 'object' &&
      Object.values(table).every(isAnswer) &&
      (rule['default'] === undefined || isAnswer(rule['default']))
    );
  }
  if ('rules' in rule) {
    const rules = rule['rules'];
    return (
      Array.isArray(rules) &&
      rules.every(
        (entry: unknown) =>
          !!entry &&
          typeof (entry as { contains?: unknown }).contains === 'string' &&
          isAnswer((entry as { answer?: unknown }).answer),
      ) &&
      isAnswer(rule['default'])
    );
  }
  return false;
}
