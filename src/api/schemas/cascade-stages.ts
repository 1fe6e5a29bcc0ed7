import { Type } from 'typebox';
import { Nullable } from './common.js';

/** One stage of a cascade's evaluation or plan point: how many rows it answered and how well. */
export const CascadeStageShare = Type.Object({
  stage: Type.Integer(),
  model_version_id: Type.String({ format: 'uuid' }),
  rows: Type.Integer(),
  share: Type.Number({ description: 'Of all rows' }),
  accuracy: Nullable(Type.Number({ description: 'On this stage’s rows only; null when it answered none' })),
  macro_f1: Nullable(Type.Number()),
});

export const CascadeStageShares = Nullable(
  Type.Array(CascadeStageShare, {
    description: 'A cascade only (else null): the rows each stage answered; the rest abstained',
  }),
);
