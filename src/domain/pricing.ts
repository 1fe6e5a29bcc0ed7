/**
 * What model calls and training cost, in USD per 1M tokens, from one dated table. Prices change
 * and the OpenAI models in it are being retired, so estimates say which table they used
 * (PRICE_TABLE_DATE) and deployments can correct or extend it with PRICE_OVERRIDES.
 */

export const PRICE_TABLE_DATE = '2026-11-22';

export interface ModelPrice {
  /** USD per 1M input tokens. */
  input: number;
  /** USD per 1M output tokens. */
  output: number;
  /** USD per 1M trained tokens; absent when the model cannot be fine-tuned. */
  training?: number;
}

/** Model name (or `ft:<base>` for the fine-tunes of a base) → its price. */
export type PriceOverrides = Readonly<Record<string, ModelPrice>>;

interface TableEntry extends ModelPrice {
  /** Inference on the model's fine-tunes. */
  fineTuned?: { input: number; output: number };
}

/**
 * Training and fine-tuned inference: OpenAI pricing page (developers.openai.com/api/docs/pricing),
 * "Finetuning" section, as of 2026-11. Base inference of gpt-4o-mini, gpt-3.5-turbo, babbage-002
 * and davinci-002: the legacy rates quoted in the same section. Base inference of gpt-4o,
 * gpt-4.1-mini and gpt-4.1-nano, which that section does not give: OpenAI's standard (non-batch)
 * list prices for those models.
 */
const TABLE: Readonly<Record<string, TableEntry>> = {
  'gpt-4o-mini': { input: 0.15, output: 0.6, training: 3, fineTuned: { input: 0.3, output: 1.2 } },
  'gpt-4o': { input: 2.5, output: 10, training: 25, fineTuned: { input: 3.75, output: 15 } },
  'gpt-4.1-mini': { input: 0.4, output: 1.6, training: 5, fineTuned: { input: 0.8, output: 3.2 } },
  'gpt-4.1-nano': { input: 0.1, output: 0.4, training: 1.5, fineTuned: { input: 0.2, output: 0.8 } },
  'gpt-3.5-turbo': { input: 0.5, output: 1.5, training: 8, fineTuned: { input: 3, output: 6 } },
  'babbage-002': { input: 0.4, output: 0.4, training: 0.4, fineTuned: { input: 1.6, output: 1.6 } },
  'davinci-002': { input: 2, output: 2, training: 6, fineTuned: { input: 12, output: 12 } },
};

/** In-process models: no bill. Named `local:<anything>` or one of these. */
const LOCAL_MODELS: ReadonlySet<string> = new Set(['few-shot-tfidf', 'local-linear']);
const LOCAL_PRICE: ModelPrice = { input: 0, output: 0, training: 0 };

export const isLocalModel = (model: string): boolean => model.startsWith('local:') || LOCAL_MODELS.has(model);

// Snapshots share their family's price: gpt-4o-mini-2024-07-18, gpt-3.5-turbo-0125.
const SNAPSHOT_SUFFIX = /-(?:\d{4}-\d{2}-\d{2}|\d{4})$/;
/** A snapshot's family (`gpt-4o-mini-2024-07-18` → `gpt-4o-mini`), lower-cased; other names lower-cased. */
export const familyOf = (model: string): string => model.toLowerCase().replace(SNAPSHOT_SUFFIX, '');

// Own keys only: a model named `constructor` must not find Object.prototype's.
const own = <T>(table: Readonly<Record<string, T>> | undefined, key: string): T | undefined =>
  table !== undefined && Object.hasOwn(table, key) ? table[key] : undefined;

/**
 * The price of a model. Overrides win at each step: the exact name, then (for `ft:<base>:…`)
 * `ft:<base>` and `ft:<family>`, or (for others) the family. A fine-tune costs its base's
 * fine-tuned inference rates and trains (continued fine-tuning) at its base's training rate.
 */
export function priceFor(model: string, overrides?: PriceOverrides): ModelPrice | undefined {
  const name = model.trim();
  const exact = own(overrides, name);
  if (exact) return exact;
  if (isLocalModel(name)) return LOCAL_PRICE;
  if (name.startsWith('ft:')) {
    const base = name.slice(3).split(':', 1)[0] ?? '';
    const family = familyOf(base);
    const overridden = own(overrides, `ft:${base}`) ?? own(overrides, `ft:${family}`);
    if (overridden) return overridden;
    const entry = own(TABLE, family);
    if (!entry?.fineTuned) return undefined;
    return entry.training === undefined ? { ...entry.fineTuned } : { ...entry.fineTuned, training: entry.training };
  }
  const family = familyOf(name);
  const overridden = own(overrides, family);
  if (overridden) return overridden;
  const entry = own(TABLE, family);
  if (!entry) return undefined;
  return entry.training === undefined
    ? { input: entry.input, output: entry.output }
    : { input: entry.input, output: entry.output, training: entry.training };
}

/** USD for one call; null when the model's price is unknown. */
export function inferenceCost(
  model: string,
  usage: { inputTokens: number; outputTokens: number },
  overrides?: PriceOverrides,
): number | null {
  const price = priceFor(model, overrides);
  if (!price) return null;
  return (usage.inputTokens * price.input + usage.outputTokens * price.output) / 1_000_000;
}

/** USD for a training run of `trainedTokens` (the job's trained_tokens: file tokens × epochs). */
export function trainingCost(model: string, trainedTokens: number, overrides?: PriceOverrides): number | null {
  const price = priceFor(model, overrides)?.training;
  return price === undefined ? null : (trainedTokens * price) / 1_000_000;
}

const PRICE_FIELDS = new Set(['input', 'output', 'training']);

/**
 * PRICE_OVERRIDES: `{"my-model": {"input": 1, "output": 2, "training": 3}}`, USD per 1M tokens.
 * An empty value means no overrides. Throws one Error listing every problem, so a bad config
 * fails at start-up with all of them at once.
 */
export function parsePriceOverrides(json: string): PriceOverrides {
  if (json.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    throw new Error(`PRICE_OVERRIDES is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(
      'PRICE_OVERRIDES must be a JSON object mapping model names to {"input", "output", "training"?} prices',
    );
  }
  const problems: string[] = [];
  const entries: [string, ModelPrice][] = [];
  for (const [model, value] of Object.entries(parsed)) {
    const where = `PRICE_OVERRIDES[${JSON.stringify(model)}]`;
    if (model.trim() === '') problems.push(`${where}: model name is empty`);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      problems.push(`${where}: must be an object like {"input": 1, "output": 2}`);
      continue;
    }
    const fields = value as Record<string, unknown>;
    for (const key of Object.keys(fields))
      if (!PRICE_FIELDS.has(key))
        problems.push(`${where}: unknown field ${JSON.stringify(key)} (expected input, output, training)`);
    const price = (key: string, required: boolean): number | undefined => {
      const raw = fields[key];
      if (raw === undefined && !required) return undefined;
      if (typeof raw !== 'number' || !Number.isFinite(raw) || raw < 0) {
        problems.push(
          `${where}.${key}: must be a non-negative number of USD per 1M tokens${raw === undefined ? ' (missing)' : ''}`,
        );
        return undefined;
      }
      return raw;
    };
    const input = price('input', true);
    const output = price('output', true);
    const training = price('training', false);
    if (input === undefined || output === undefined) continue;
    entries.push([model.trim(), training === undefined ? { input, output } : { input, output, training }]);
  }
  if (problems.length > 0) throw new Error(`Invalid PRICE_OVERRIDES:\n- ${problems.join('\n- ')}`);
  // fromEntries defines own properties, so a model named "__proto__" stays a plain key.
  return Object.freeze(Object.fromEntries(entries));
}
