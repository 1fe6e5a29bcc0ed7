import { Type } from 'typebox';
import { Nullable } from '../../schemas/common.js';

const ratio = (description?: string) =>
  Nullable(Type.Number({ minimum: 0, maximum: 1, ...(description ? { description } : {}) }));

const CascadeStageFigures = Type.Object({
  stage: Type.Integer({ minimum: 0 }),
  model_version_id: Nullable(Type.String({ format: 'uuid' })),
  reached: Type.Integer({ description: 'Predictions that called this stage: it answered or passed them on' }),
  answered: Type.Integer({ description: 'Predictions this stage answered (abstentions are not answers)' }),
  escalated: Type.Integer({
    description: 'reached − answered: passed to the next stage or, at the last stage, abstained or failed',
  }),
  escalation_rate: ratio('escalated / reached'),
  answered_share: ratio('answered / the cascade’s predictions'),
  feedback_count: Type.Integer({ description: 'Of this stage’s answers, those with feedback' }),
  live_accuracy: ratio('Right answers among those with feedback; null without feedback'),
  per_call_usd: Nullable(
    Type.Number({
      description:
        'One call of this stage, priced as cost projections price its model version; 0 on a dedicated endpoint (billed per minute, not per call); null when unpriced',
    }),
  ),
});

/** A cascade that served predictions in the monitoring window, stage by stage. */
export const CascadeFigures = Type.Object({
  cascade_model_version_id: Type.String({ format: 'uuid' }),
  predictions: Type.Integer({ description: 'Predictions this cascade served in the window' }),
  abstained: Type.Integer(),
  abstained_rate: ratio(),
  cost_per_1000_served: Nullable(
    Type.Number({
      description:
        'USD per 1,000 of its predictions: every reached stage is paid (Σ reached × per_call_usd / predictions × 1000); null when a reached stage is unpriced',
    }),
  ),
  stages: Type.Array(CascadeStageFigures),
});
