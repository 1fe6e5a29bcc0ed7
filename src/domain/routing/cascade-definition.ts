import type { FieldProblem } from '../../errors.js';
import { cascadeRuleProblems } from './cascade-stage.js';

/**
 * A cascade as stored on its model version (kind `cascade`): the stages in order, each but the
 * last with the confidence at which it answers, and optionally a threshold below which the last
 * stage's answer is withheld (abstain) for a person to decide.
 */
export interface CascadeDefinition {
  stages: { modelVersionId: string; minConfidence: number | null }[];
  abstainBelow: number | null;
}

/** The `provider` and `model` a cascade's model version carries: it calls no provider itself. */
export const CASCADE_PROVIDER = 'cascade';
export const CASCADE_MODEL = 'cascade';

/** Field problems of a user-given cascade, named where its stages and abstain threshold sit in the request. */
export function cascadeDefinitionProblems(
  definition: CascadeDefinition,
  fields: { stages: string; abstainBelow: string },
): FieldProblem[] {
  const path = fields.stages;
  const problems: FieldProblem[] = cascadeRuleProblems(definition.stages, path).map((problem) => {
    const colon = problem.indexOf(': ');
    return { field: problem.slice(0, colon), message: problem.slice(colon + 2) };
  });
  const seen = new Map<string, number>();
  definition.stages.forEach((stage, i) => {
    const earlier = seen.get(stage.modelVersionId);
    if (earlier !== undefined)
      problems.push({ field: `${path}[${i}].model_version_id`, message: `the same model as stage ${earlier}` });
    seen.set(stage.modelVersionId, i);
  });
  const abstain = definition.abstainBelow;
  if (abstain !== null && !(abstain >= 0 && abstain <= 1))
    problems.push({ field: fields.abstainBelow, message: 'must be a number between 0 and 1' });
  return problems;
}

/** Two definitions serve alike: same stages, thresholds and abstain threshold. */
export const sameCascade = (a: CascadeDefinition, b: CascadeDefinition): boolean =>
  a.abstainBelow === b.abstainBelow &&
  a.stages.length === b.stages.length &&
  a.stages.every(
    (stage, i) =>
      stage.modelVersionId === b.stages[i]!.modelVersionId && stage.minConfidence === b.stages[i]!.minConfidence,
  );
