import type { LabelDefinition } from '../task-definition.js';

/**
 * What a model is prompted with, stored with each model version and label run and handed to its
 * classifier. Providers read it; chatMessages (prompt.ts) turns it into messages.
 */

export interface LabelSpec {
  name: string;
  description?: string;
}

export interface FewShotExample {
  text: string;
  label: string;
}

export interface PromptConfig {
  /** The task's instructions: the system message. */
  instructions: string;
  labels: LabelSpec[];
  /** Optional user/assistant pairs shown before the text. */
  fewShot: FewShotExample[];
  /**
   * Prompt the model exactly as its training data was formatted (the instructions alone as the
   * system message): set for models fine-tuned on Tuneline's exports.
   */
  asTrained?: boolean;
  /** False for a model trained on chat examples without a system message: it is asked without one too. */
  systemMessage?: false;
}

/** How a model's training examples were laid out: chat with or without the system message, or prompt/completion. */
export const PROMPT_FORMATS = ['chat', 'chat_no_system', 'completion'] as const;
export type PromptFormat = (typeof PROMPT_FORMATS)[number];

/** A label run's prompt: also the version's label codes, for providers that answer with codes. */
export type LabelRunPrompt = PromptConfig & { labelCodes: Record<string, string> };

/**
 * A task's prompt: its instructions (or the ones given instead) and its labels with their
 * descriptions; a label's order is left out, since models are not told it.
 */
export function taskPrompt(
  task: { instructions: string; labels: readonly LabelDefinition[] },
  options: { instructions?: string; fewShot?: FewShotExample[]; asTrained?: boolean; format?: PromptFormat } = {},
): PromptConfig {
  return {
    instructions: options.instructions ?? task.instructions,
    labels: task.labels.map((label) => ({
      name: label.name,
      ...(label.description ? { description: label.description } : {}),
    })),
    fewShot: options.fewShot ?? [],
    ...(options.asTrained ? { asTrained: true } : {}),
    ...(options.format === 'chat_no_system' ? { systemMessage: false as const } : {}),
  };
}
