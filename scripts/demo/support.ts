import { createTunelineClient, unwrap, type ResponseBody, type TunelineClient } from '@tuneline/client';
import type { Runtime } from '../../src/start/runtime.js';

/** With OPENAI_API_KEY set, the prompt-only model (labeling and fallback) is OpenAI's gpt-4o-mini. */
export const ONLINE = Boolean(process.env['OPENAI_API_KEY']);

export const heading = (text: string) => process.stdout.write(`\n\x1b[1m▶ ${text}\x1b[0m\n`);
export const show = (text: string) => process.stdout.write(`  ${text}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const SAMPLE_TASK = {
  slug: 'grappling-titles',
  description: 'Is a YouTube video title a grappling (BJJ, wrestling, judo) instructional?',
  instructions:
    'You label YouTube video titles. Answer "instructional" when the video teaches a grappling technique ' +
    '(a sweep, a pass, a submission, a takedown, a drill); answer "other" for matches, vlogs, news and everything else.',
  labels: [
    { name: 'instructional', description: 'Teaches a grappling technique or concept' },
    { name: 'other', description: 'Competition footage, vlogs, interviews, unrelated videos' },
  ],
};
/** This run's task: the sample task under a slug of its own (`grappling-titles-<run>`). */
export const runSlug = (run: string) => `${SAMPLE_TASK.slug}-${run}`;

/** A client of the demo's API: the typed client a service would use. */
export const apiClient = (base: string, key: string): TunelineClient =>
  createTunelineClient({ baseUrl: base, apiKey: key });

interface WaitOptions<T> {
  /** Named in the error when the wait runs out. */
  what: string;
  /** Redrawn on one line after every read; the line is ended once the wait is. */
  progress?: (value: T) => string;
  everyMs?: number;
  withinMs?: number;
  /** When the wait runs out, go on with the last value read instead of failing. */
  orLast?: boolean;
}

// Long enough for a walkthrough against the real OpenAI API; a run that is stuck fails the demo.
export const FOLLOW_MS = 10 * 60_000;

/** Reads until `isDone` says so, every `everyMs`, for at most `withinMs`. */
export async function waitFor<T>(
  read: () => Promise<T>,
  isDone: (value: T) => boolean,
  options: WaitOptions<T>,
): Promise<T> {
  const withinMs = options.withinMs ?? FOLLOW_MS;
  const deadline = Date.now() + withinMs;
  for (;;) {
    const value = await read();
    if (options.progress) process.stdout.write(`\r  ${options.progress(value)}   `);
    const done = isDone(value);
    if (done || Date.now() >= deadline) {
      if (options.progress) process.stdout.write('\n');
      if (done || options.orLast) return value;
      throw new Error(`${options.what} did not finish within ${Math.round(withinMs / 1000)} s`);
    }
    await sleep(options.everyMs ?? 200);
  }
}

export type Version = ResponseBody<'/v1/dataset-versions/{version}'>;

export function showVersion(version: Version) {
  const { stats } = version;
  show(
    `version ${version.number} (${version.operation}): ${version.row_count} rows, ${stats.labeled} labeled, ${stats.unlabeled} unlabeled, ${stats.duplicate_count} duplicates`,
  );
  show(
    `labels: ${Object.entries(stats.label_distribution)
      .map(([label, n]) => `${label} ${n}`)
      .join(', ')}`,
  );
  const splits = (['train', 'validation', 'test'] as const)
    .map((split) => `${split} ${stats.splits[split].rows}`)
    .join(', ');
  show(`splits: ${splits}, unassigned ${stats.splits.unassigned.rows}`);
  if (stats.tokens)
    show(
      `tokens per text: min ${stats.tokens.min}, p50 ${stats.tokens.p50}, p95 ${stats.tokens.p95}, max ${stats.tokens.max}`,
    );
  show(`content hash ${version.content_hash.slice(0, 16)}…`);
}

export type Classified = ResponseBody<'/v1/tasks/{task}/classify', 'post'>;

/** What the steps share: the running API, and what earlier steps made for later ones. */
export interface Demo {
  base: string;
  /** This run's task. */
  slug: string;
  adminKey: string;
  admin: TunelineClient;
  runtime: Runtime;
  made: Partial<Made>;
  modelNames: Map<string, string>;
}

interface Made {
  importedVersionId: string;
  derivedVersionId: string;
  labeledVersionId: string;
  reviewedVersionId: string;
  promptEvaluationId: string;
  trainedModelId: string;
  /** A client with a classify-scoped key, as a client service would hold. */
  classifier: TunelineClient;
  answered: Classified['results'];
}

export interface Step {
  title: string;
  run: (demo: Demo) => Promise<void>;
}

/** What an earlier step made; failing loudly if the steps were put out of order. */
export function made<K extends keyof Made>(demo: Demo, key: K): Made[K] {
  const value = demo.made[key];
  if (value === undefined) throw new Error(`no ${key}: the step that makes it has not run`);
  return value as Made[K];
}

export async function modelName(demo: Demo, id: string): Promise<string> {
  if (!demo.modelNames.has(id))
    demo.modelNames.set(
      id,
      (await unwrap(demo.admin.GET('/v1/model-versions/{model_version}', { params: { path: { model_version: id } } })))
        .name,
    );
  return demo.modelNames.get(id)!;
}
