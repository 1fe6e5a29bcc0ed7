import { Type, type Static } from 'typebox';
import type { TaskRow } from '../../../db/schema/tasks.js';
import { isOrdinal, MAX_LABELS, MIN_LABELS } from '../../../domain/task-definition.js';
import { iso, isoOrNull, NullableTimestamp, pageOf, pageQueryProperties, Timestamp } from '../../schemas/common.js';

// Lower-case words joined by hyphens; also used in URLs, so it stays short and readable.
const SLUG_PATTERN = '^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$';
// No leading/trailing spaces and no control characters: a label name is matched against model output.
const LABEL_NAME_PATTERN = '^[^\\s\\x00-\\x1f](?:[^\\x00-\\x1f]*[^\\s\\x00-\\x1f])?$';

export const Label = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, pattern: LABEL_NAME_PATTERN }),
    description: Type.Optional(Type.String({ maxLength: 2000, description: 'Shown to LLMs and people' })),
    order: Type.Optional(
      Type.Integer({
        minimum: -1_000_000,
        maximum: 1_000_000,
        description: 'Position on an ordinal scale (e.g. stars); give it on every label or none',
      }),
    ),
  },
  { additionalProperties: false },
);

const Labels = Type.Array(Label, {
  minItems: MIN_LABELS,
  maxItems: MAX_LABELS,
  description: `${MIN_LABELS} to ${MAX_LABELS} labels with unique names (case-insensitive)`,
});
const Instructions = Type.String({ minLength: 1, maxLength: 20_000, description: 'System prompt for LLMs' });
const Description = Type.Union([Type.String({ maxLength: 2000 }), Type.Null()]);
const GoodThreshold = Type.Union([Type.String({ minLength: 1, maxLength: 100 }), Type.Null()], {
  description:
    'Ordinal tasks: the lowest label counted as good (e.g. "4" of 1–5 stars), for good-vs-bad accuracy; not the lowest-ranked label. null: none',
});

export const CreateTaskBody = Type.Object(
  {
    slug: Type.String({ pattern: SLUG_PATTERN, description: 'Unique name: lower-case letters, digits and hyphens' }),
    description: Type.Optional(Description),
    instructions: Instructions,
    labels: Labels,
    good_threshold: Type.Optional(GoodThreshold),
  },
  { additionalProperties: false },
);

export const UpdateTaskBody = Type.Object(
  {
    description: Type.Optional(Description),
    instructions: Type.Optional(Instructions),
    labels: Type.Optional(Labels),
    good_threshold: Type.Optional(GoodThreshold),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const TaskParams = Type.Object({
  task: Type.String({ minLength: 1, maxLength: 64, description: 'Task slug or id' }),
});

export const ListTasksQuery = Type.Object(
  {
    ...pageQueryProperties,
    include_archived: Type.Boolean({ default: false }),
  },
  { additionalProperties: false },
);

export const Task = Type.Object({
  id: Type.String({ format: 'uuid' }),
  slug: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  instructions: Type.String(),
  labels: Type.Array(Label),
  ordinal: Type.Boolean({ description: 'True when every label has an order' }),
  good_threshold: GoodThreshold,
  archived: Type.Boolean(),
  created_at: Timestamp,
  updated_at: Timestamp,
  archived_at: NullableTimestamp,
});

export const TaskPage = pageOf(Task);

export function presentTask(task: TaskRow): Static<typeof Task> {
  return {
    id: task.id,
    slug: task.slug,
    description: task.description,
    instructions: task.instructions,
    labels: task.labels,
    ordinal: isOrdinal(task.labels),
    good_threshold: task.goodThreshold,
    archived: task.archivedAt !== null,
    created_at: iso(task.createdAt),
    updated_at: iso(task.updatedAt),
    archived_at: isoOrNull(task.archivedAt),
  };
}
