import type { FaultOptions } from './options.js';

/** The `usage` object an answer reports: the real counts, or the ones the `usage` fault scripts. */
export function reportedUsage(scripted: FaultOptions['usage'], promptTokens: number, completionTokens: number) {
  const prompt = scripted?.prompt_tokens ?? promptTokens;
  const completion = scripted?.completion_tokens ?? completionTokens;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}
