/**
 * Tokens allowed per fine-tuning example (OpenAI fine-tuning guide, late 2024; longer examples are
 * truncated, not rejected, which silently cuts off the label, hence the warning). No figure was
 * published for babbage-002/davinci-002; their 2,048-token context is the safe bound.
 */
const LIMITS: [RegExp, number][] = [
  [/^gpt-3\.5-turbo-0613/, 4_096],
  [/^gpt-3\.5-turbo/, 16_385],
  [/^(babbage|davinci)-002/, 2_048],
  [/^(gpt-4o|gpt-4\.1|gpt-5|o\d)/, 65_536],
];
export const DEFAULT_FINE_TUNING_TOKEN_LIMIT = 65_536;

export function fineTuningTokenLimit(model: string): number {
  const base = model.startsWith('ft:') ? (model.split(':')[1] ?? '') : model;
  return LIMITS.find(([pattern]) => pattern.test(base))?.[1] ?? DEFAULT_FINE_TUNING_TOKEN_LIMIT;
}
