/**
 * What each classification option would cost over the coming days, and when an option with an
 * up-front training cost pays for itself. Daily volume grows by compound interest, calls cost a
 * fixed number of tokens each, and a training cost is paid once on day 0. Money keeps full float
 * precision here; rounding is for whoever displays it.
 */
import { PRICE_TABLE_DATE, priceFor, type PriceOverrides } from '../pricing.js';

export interface ProjectionOption {
  /** Unique within the request. */
  name: string;
  /** A model priced by pricing.ts: `gpt-4o-mini`, `ft:gpt-4o-mini:org::abc`, `local-linear`. */
  model: string;
  inputTokensPerCall: number;
  outputTokensPerCall: number;
  /** Paid once, on day 0; 0 for prompt-only models. */
  trainingCostUsd: number;
  /** USD per 1M tokens; wins over the price table. */
  pricePerMillion?: { input: number; output: number };
  /**
   * USD a day for a dedicated endpoint that serves the option, paid whatever the volume (its
   * per-minute price × 1440). Tokens on a dedicated endpoint are not billed, so without
   * `pricePerMillion` the option's calls cost nothing on top.
   */
  endpointUsdPerDay?: number;
  /**
   * A cascade's cost per call, worked out from its stages (cascade-cost.ts): wins over the tokens
   * and prices, which cannot describe several models at once.
   */
  cascadePerCallUsd?: number;
}

export interface ProjectionInput {
  /** Calls on day 0. */
  dailyVolume: number;
  /** Day-over-day growth: 0.01 is 1 % a day; above -1. */
  dailyGrowth: number;
  horizonDays: number;
  options: ProjectionOption[];
}

export interface OptionProjection {
  name: string;
  model: string;
  /** Null for a cascade: each stage has its own. */
  price_per_million: { input: number; output: number } | null;
  /**
   * `request` when the option gave its price, `dedicated_endpoint` when a dedicated endpoint serves
   * it (tokens unbilled, see endpoint_usd_per_day), `cascade` when its stages priced it, else
   * `price_table` (which includes PRICE_OVERRIDES).
   */
  price_source: CallPriceSource | 'cascade';
  per_call_usd: number;
  per_1000_usd: number;
  training_cost_usd: number;
  /** The dedicated endpoint's uptime per day, in every day's cost; 0 without one. */
  endpoint_usd_per_day: number;
  daily_usd: number[];
  /** Running total per day; day 0 already includes the training cost. */
  cumulative_usd: number[];
  total_usd: number;
}

/** Where the cumulative curves of options `a` and `b` (in input order) meet. */
export interface BreakEven {
  a: string;
  b: string;
  /** Cheaper in total on day 0; null when both cost the same that day. */
  cheaper_at_start: string | null;
  /** First day on which the option dearer on day 0 costs the same or less in total; null when that never happens within the horizon. */
  day: number | null;
  /** Fractional day of the crossing, interpolating linearly between `day - 1` and `day`. */
  crossing_day: number | null;
  /** Cumulative cost of either option at `crossing_day`. */
  crossing_cumulative_usd: number | null;
  /** When `day` is null, the option cheaper on every day; null when the two cost the same throughout or do cross. */
  stays_cheaper: string | null;
  cheaper_at_horizon: string | null;
}

export interface CostProjection {
  price_table_date: string;
  days: number;
  /** Expected calls per day (fractional under growth). */
  volume: number[];
  total_volume: number;
  options: OptionProjection[];
  /** One entry per unordered pair, in input order: (0,1), (0,2), …, (1,2), … */
  break_even: BreakEven[];
  /** Lowest total at the horizon; the earlier option on a tie. */
  cheapest_at_horizon: string;
}

/** Ten years of days is plenty for a projection and keeps the arrays (and the chart) bounded. */
export const MAX_HORIZON_DAYS = 3650;

/**
 * An input the projection cannot use. `field` is the path inside ProjectionInput
 * (`options[2].model`), so the API can point at the offending body field.
 */
export class ProjectionInputError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'ProjectionInputError';
  }
}

/** Option `index` names a model with no known price and gives no `pricePerMillion`. */
export class UnknownPriceError extends ProjectionInputError {
  constructor(
    readonly index: number,
    readonly model: string,
  ) {
    super(
      `options[${index}].model`,
      `no price is known for model ${JSON.stringify(model)}; give pricePerMillion for it`,
    );
    this.name = 'UnknownPriceError';
  }
}

export type ProjectionPresetName = 'just_ask' | 'few_shot' | 'chain_of_thought' | 'fine_tuned';

export interface ProjectionPreset {
  inputTokensPerCall: number;
  outputTokensPerCall: number;
  description: string;
}

/** Typical token counts per call for the usual ways of classifying with a language model. */
export const PROJECTION_PRESETS: Readonly<Record<ProjectionPresetName, Readonly<ProjectionPreset>>> = Object.freeze({
  just_ask: {
    inputTokensPerCall: 50,
    outputTokensPerCall: 1,
    description: 'Zero-shot prompt: the text and the label names in, one label token out.',
  },
  few_shot: {
    inputTokensPerCall: 150,
    outputTokensPerCall: 1,
    description: 'Prompt with a few labelled examples, one label token out.',
  },
  chain_of_thought: {
    inputTokensPerCall: 150,
    outputTokensPerCall: 100,
    description: 'Few-shot prompt that reasons before answering: about 100 output tokens per call.',
  },
  fine_tuned: {
    inputTokensPerCall: 50,
    outputTokensPerCall: 1,
    description: 'Fine-tuned model: the bare text in, one label token out; pays a training cost up front.',
  },
});

const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

// Input usually comes from JSON, so the types are re-checked at runtime.
function checkNonNegative(value: unknown, field: string): void {
  if (!isNumber(value) || value < 0) throw new ProjectionInputError(field, `${field} must be a non-negative number`);
}

function checkInput(input: ProjectionInput): void {
  checkNonNegative(input.dailyVolume, 'dailyVolume');
  if (!isNumber(input.dailyGrowth) || input.dailyGrowth <= -1)
    throw new ProjectionInputError('dailyGrowth', 'dailyGrowth must be a number above -1');
  if (!Number.isInteger(input.horizonDays) || input.horizonDays < 1 || input.horizonDays > MAX_HORIZON_DAYS) {
    throw new ProjectionInputError('horizonDays', `horizonDays must be an integer from 1 to ${MAX_HORIZON_DAYS}`);
  }
  if (!Array.isArray(input.options) || input.options.length === 0)
    throw new ProjectionInputError('options', 'options must list at least one option');
  const seen = new Set<string>();
  input.options.forEach((option, i) => {
    const at = `options[${i}]`;
    if (typeof option !== 'object' || option === null) throw new ProjectionInputError(at, `${at} must be an object`);
    if (typeof option.name !== 'string' || option.name.trim() === '')
      throw new ProjectionInputError(`${at}.name`, `${at}.name must be a non-empty string`);
    if (seen.has(option.name))
      throw new ProjectionInputError(
        `${at}.name`,
        `${at}.name ${JSON.stringify(option.name)} is used by an earlier option`,
      );
    seen.add(option.name);
    if (typeof option.model !== 'string' || option.model.trim() === '')
      throw new ProjectionInputError(`${at}.model`, `${at}.model must be a non-empty string`);
    checkNonNegative(option.inputTokensPerCall, `${at}.inputTokensPerCall`);
    checkNonNegative(option.outputTokensPerCall, `${at}.outputTokensPerCall`);
    checkNonNegative(option.trainingCostUsd, `${at}.trainingCostUsd`);
    if (option.endpointUsdPerDay !== undefined) checkNonNegative(option.endpointUsdPerDay, `${at}.endpointUsdPerDay`);
    if (option.cascadePerCallUsd !== undefined) checkNonNegative(option.cascadePerCallUsd, `${at}.cascadePerCallUsd`);
    if (option.pricePerMillion !== undefined) {
      checkNonNegative(option.pricePerMillion?.input, `${at}.pricePerMillion.input`);
      checkNonNegative(option.pricePerMillion?.output, `${at}.pricePerMillion.output`);
    }
  });
}

export type CallPriceSource = 'request' | 'price_table' | 'dedicated_endpoint';
export type PricedCallInput = Pick<
  ProjectionOption,
  'model' | 'inputTokensPerCall' | 'outputTokensPerCall' | 'pricePerMillion' | 'endpointUsdPerDay'
>;

/**
 * What one call of a model costs, and at which rates. Same resolution as inferenceCost (fine-tunes
 * at their base's fine-tuned rates, local models free), but it also reports the rates it used.
 * Undefined when no price is known for the model.
 */
export function pricedCall(
  call: PricedCallInput,
  overrides: PriceOverrides | undefined,
): { price: { input: number; output: number }; source: CallPriceSource; perCallUsd: number } | undefined {
  let price: { input: number; output: number };
  let source: CallPriceSource;
  if (call.pricePerMillion) {
    price = { input: call.pricePerMillion.input, output: call.pricePerMillion.output };
    source = 'request';
  } else if (call.endpointUsdPerDay !== undefined) {
    price = { input: 0, output: 0 };
    source = 'dedicated_endpoint';
  } else {
    const known = priceFor(call.model, overrides);
    if (!known) return undefined;
    price = { input: known.input, output: known.output };
    source = 'price_table';
  }
  const perCallUsd = (call.inputTokensPerCall * price.input + call.outputTokensPerCall * price.output) / 1_000_000;
  return { price, source, perCallUsd };
}

function resolvePrice(option: ProjectionOption, index: number, overrides: PriceOverrides | undefined) {
  if (option.cascadePerCallUsd !== undefined)
    return { price: null, source: 'cascade' as const, perCallUsd: option.cascadePerCallUsd };
  const priced = pricedCall(option, overrides);
  if (!priced) throw new UnknownPriceError(index, option.model);
  return priced;
}

function projectOption(
  option: ProjectionOption,
  index: number,
  volume: readonly number[],
  overrides: PriceOverrides | undefined,
): OptionProjection {
  const { price, source, perCallUsd: perCall } = resolvePrice(option, index, overrides);
  const endpointDaily = option.endpointUsdPerDay ?? 0;
  const daily = volume.map((calls) => calls * perCall + endpointDaily);
  const cumulative: number[] = [];
  let running = option.trainingCostUsd;
  for (const cost of daily) {
    running += cost;
    cumulative.push(running);
  }
  const total = cumulative.at(-1) ?? option.trainingCostUsd;
  if (!Number.isFinite(total))
    throw new ProjectionInputError(
      'dailyGrowth',
      'the projected cost is too large to represent; lower dailyGrowth or horizonDays',
    );
  return {
    name: option.name,
    model: option.model,
    price_per_million: price,
    price_source: source,
    per_call_usd: perCall,
    per_1000_usd: perCall * 1000,
    training_cost_usd: option.trainingCostUsd,
    endpoint_usd_per_day: endpointDaily,
    daily_usd: daily,
    cumulative_usd: cumulative,
    total_usd: total,
  };
}

function cheaperOn(a: OptionProjection, b: OptionProjection, day: number): string | null {
  const costA = a.cumulative_usd[day]!;
  const costB = b.cumulative_usd[day]!;
  return costA < costB ? a.name : costB < costA ? b.name : null;
}

/**
 * With a constant cost per call and non-negative volume, the gap between two cumulative curves
 * moves one way only, so they cross at most once; scanning for the first day the dearer option
 * catches up finds that crossing. A fixed daily cost (a dedicated endpoint) under changing volume
 * can make the gap turn once; the first crossing is the one reported.
 */
function breakEven(a: OptionProjection, b: OptionProjection): BreakEven {
  const last = a.cumulative_usd.length - 1;
  const start = cheaperOn(a, b, 0);
  const summary = { a: a.name, b: b.name, cheaper_at_start: start, cheaper_at_horizon: cheaperOn(a, b, last) };
  const never = (staysCheaper: string | null): BreakEven => ({
    ...summary,
    day: null,
    crossing_day: null,
    crossing_cumulative_usd: null,
    stays_cheaper: staysCheaper,
  });
  if (start === null) {
    // Equal on day 0: a crossing right there, unless the two never differ at all.
    const differs = a.cumulative_usd.some((cost, day) => cost !== b.cumulative_usd[day]);
    if (!differs) return never(null);
    return { ...summary, day: 0, crossing_day: 0, crossing_cumulative_usd: a.cumulative_usd[0]!, stays_cheaper: null };
  }
  const [cheap, dear] = start === a.name ? [a, b] : [b, a];
  const gap = (day: number) => dear.cumulative_usd[day]! - cheap.cumulative_usd[day]!;
  for (let day = 1; day <= last; day++) {
    const now = gap(day);
    if (now > 0) continue;
    const before = gap(day - 1);
    const fraction = before / (before - now);
    const from = dear.cumulative_usd[day - 1]!;
    return {
      ...summary,
      day,
      crossing_day: day - 1 + fraction,
      crossing_cumulative_usd: from + fraction * (dear.cumulative_usd[day]! - from),
      stays_cheaper: null,
    };
  }
  return never(cheap.name);
}

/**
 * Projects every option over `horizonDays` days. Throws UnknownPriceError for a model without a
 * price, ProjectionInputError for any other unusable input.
 */
export function projectCosts(input: ProjectionInput, overrides?: PriceOverrides): CostProjection {
  checkInput(input);
  // Power per day rather than repeated multiplication, so rounding does not compound.
  const volume = Array.from(
    { length: input.horizonDays },
    (_, day) => input.dailyVolume * (1 + input.dailyGrowth) ** day,
  );
  const totalVolume = volume.reduce((sum, calls) => sum + calls, 0);
  if (!Number.isFinite(totalVolume))
    throw new ProjectionInputError(
      'dailyGrowth',
      'the projected volume is too large to represent; lower dailyGrowth or horizonDays',
    );
  const options = input.options.map((option, i) => projectOption(option, i, volume, overrides));
  const pairs: BreakEven[] = [];
  for (let i = 0; i < options.length; i++) {
    for (let j = i + 1; j < options.length; j++) pairs.push(breakEven(options[i]!, options[j]!));
  }
  const cheapest = options.reduce((best, option) => (option.total_usd < best.total_usd ? option : best));
  return {
    price_table_date: PRICE_TABLE_DATE,
    days: input.horizonDays,
    volume,
    total_volume: totalVolume,
    options,
    break_even: pairs,
    cheapest_at_horizon: cheapest.name,
  };
}
