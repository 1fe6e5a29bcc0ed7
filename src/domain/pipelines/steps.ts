/** The loop a pipeline runs, in order; each step needs the outputs of the one before. */
export const STEP_NAMES = ['label', 'prepare', 'train', 'evaluate', 'promote'] as const;
export type StepName = (typeof STEP_NAMES)[number];

export interface StepState {
  name: string;
  status: string;
}

/** Steps still to run, in order: everything not completed or skipped (a retry resumes here). */
export const remainingSteps = (steps: readonly StepState[]): StepName[] =>
  STEP_NAMES.filter((name) => {
    const step = steps.find((candidate) => candidate.name === name);
    return step !== undefined && step.status !== 'completed' && step.status !== 'skipped';
  });
