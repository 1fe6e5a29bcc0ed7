import { Type, type Static, type TSchema } from 'typebox';
import type { DatasetRecord, DatasetVersionRecord } from '../../../db/schema/datasets.js';
import { EXPORT_FORMATS } from '../../../domain/datasets/export-formats.js';
import { IMPORT_FORMATS } from '../../../domain/datasets/import-formats.js';
import { REVIEWERS, type Operation } from '../../../domain/datasets/operations.js';
import { LABEL_SOURCES, SPLITS, type StoredRow } from '../../../domain/datasets/rows.js';
import { SPLIT_KEYS } from '../../../domain/datasets/stats.js';
import { REVIEW_REASONS, type ReviewItem } from '../../../domain/labeling/review-queue.js';
import { FOLD_COUNT, MAX_CV_ROWS } from '../../../services/datasets/review-queue-service.js';
import { iso, Nullable, pageOf, pageQueryProperties, Timestamp } from '../../schemas/common.js';

const Counts = Type.Record(Type.String(), Type.Integer(), { description: 'Rows per label' });

const uploadQueryProperties = {
  format: Type.Optional(
    Type.Enum([...IMPORT_FORMATS], { description: 'Detected from the first line (or a .csv file name) when omitted' }),
  ),
  on_error: Type.Enum(['fail', 'skip'], {
    default: 'fail',
    description: '`fail`: any bad line rejects the whole file; `skip`: import the good rows and report the rest',
  }),
  label_map: Type.Optional(
    Type.String({ description: 'JSON object mapping the file’s labels to the task’s, e.g. {"pos":"positive"}' }),
  ),
  prompt_suffix: Type.Optional(
    Type.String({ description: 'Legacy prompt suffix to strip (common ones are recognised)' }),
  ),
  text_column: Type.Optional(Type.String({ minLength: 1, description: 'CSV text column (default "text")' })),
  label_column: Type.Optional(Type.String({ minLength: 1, description: 'CSV label column (default "label")' })),
  text_template: Type.Optional(
    Type.String({
      maxLength: 2000,
      description:
        'CSV and JSONL: the text built from several columns or fields, e.g. "{review_title}\\n\\n{review_body}". `\\n`, `\\t` and `\\\\` are read as newline, tab and backslash; `{{` and `}}` are literal braces. Not with text_column.',
    }),
  ),
};

export const CreateDatasetQuery = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200, description: 'Unique within the task' }),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    ...uploadQueryProperties,
  },
  { additionalProperties: false },
);

export const ImportVersionQuery = Type.Object(
  {
    mode: Type.Enum(['append', 'replace'], {
      default: 'append',
      description: '`append`: the latest version’s rows plus the file’s; `replace`: only the file’s',
    }),
    ...uploadQueryProperties,
  },
  { additionalProperties: false },
);

export const TaskParams = Type.Object({ task: Type.String({ minLength: 1, maxLength: 64 }) });
export const DatasetParams = Type.Object({ dataset: Type.String({ format: 'uuid' }) });
export const VersionParams = Type.Object({ version: Type.String({ format: 'uuid' }) });
export const ListQuery = Type.Object({ ...pageQueryProperties }, { additionalProperties: false });

export const ExamplesQuery = Type.Object(
  {
    ...pageQueryProperties,
    split: Type.Optional(Type.Enum([...SPLIT_KEYS])),
    label: Type.Optional(Type.String({ minLength: 1 })),
    label_source: Type.Optional(Type.Enum([...LABEL_SOURCES, 'none'], { description: '`none`: unlabeled rows' })),
  },
  { additionalProperties: false },
);

const op = <T extends Record<string, TSchema>>(
  name: string,
  description: string,
  properties: T,
  required: string[] = [],
) =>
  ({
    type: 'object',
    description,
    required: ['op', ...required],
    properties: { op: { const: name }, ...properties },
    additionalProperties: false,
  }) as const;

const bool = Type.Boolean({ default: true });
const Seed = Type.Integer({ minimum: 0, maximum: 4294967295, description: 'Default 42' });
const Fraction = Type.Number({ minimum: 0, maximum: 1 });

/** One schema per operation; the `op` discriminator makes validation report only the matching one. */
export const OperationSchema = Type.Unsafe<Operation>({
  type: 'object',
  required: ['op'],
  discriminator: { propertyName: 'op' },
  oneOf: [
    op('dedupe', 'Drop repeated texts, keeping the first', {
      mode: Type.Enum(['exact', 'normalized'], { description: '`normalized` ignores case and whitespace' }),
    }),
    op('clean', 'Remove noise from texts; each switch but collapse_paragraphs defaults to true', {
      urls: bool,
      mentions: bool,
      code_blocks: bool,
      emails: bool,
      collapse_whitespace: Type.Boolean({
        default: true,
        description: 'Runs of blank lines become one paragraph break (\\n\\n), other whitespace runs one space',
      }),
      collapse_paragraphs: Type.Boolean({
        default: false,
        description: 'With collapse_whitespace: paragraph breaks become one space too',
      }),
    }),
    op('filter', 'Keep rows that pass every given test', {
      max_tokens: Type.Integer({ minimum: 1, maximum: 10_000_000 }),
      model: Type.String({ minLength: 1, description: 'Tokenizer for max_tokens (default gpt-4o-mini)' }),
      min_chars: Type.Integer({ minimum: 0, maximum: 10_000_000 }),
      include_labels: Type.Array(Type.String()),
      exclude_labels: Type.Array(Type.String()),
      drop_unlabeled: Type.Boolean(),
    }),
    op('relabel', 'Rename labels, or set the label of given examples', {
      map: Type.Record(Type.String(), Type.String()),
      overrides: Type.Array(
        Type.Object(
          { example_id: Type.String(), label: Type.String(), reviewer: Type.Optional(Type.Enum([...REVIEWERS])) },
          { additionalProperties: false },
        ),
      ),
    }),
    op('sample', 'Cap rows per label, balance labels, or keep a fraction of each label', {
      max_per_label: Type.Integer({ minimum: 1, maximum: 100_000_000 }),
      balance: Type.Enum(['undersample', 'oversample']),
      fraction: Type.Number({
        exclusiveMinimum: 0,
        maximum: 1,
        description: 'Keep round(fraction × rows) of each label (at least one); not with balance',
      }),
      within_splits: Type.Boolean({
        default: false,
        description: 'Sample each split on its own (stratified by label within it), unsplit rows as one more',
      }),
      keep_splits: Type.Array(Type.Enum([...SPLITS]), {
        uniqueItems: true,
        description: 'With within_splits: splits left unchanged (default ["test"]; [] samples every split)',
      }),
      seed: Seed,
    }),
    op(
      'split',
      'Assign train / validation / test, stratified by label, seeded',
      {
        train: Fraction,
        validation: Fraction,
        test: Fraction,
        seed: Seed,
        stratify: Type.Boolean({ default: true }),
        min_test_rows: Type.Integer({
          minimum: 0,
          maximum: 1_000_000,
          description:
            'Grow the test split to at least this many rows (taken from train and validation in proportion) while it stays at most half the rows',
        }),
      },
      ['train', 'validation', 'test'],
    ),
  ],
});

export const DeriveBody = Type.Object(
  { operations: Type.Array(OperationSchema, { minItems: 1, maxItems: 50, description: 'Applied in order' }) },
  { additionalProperties: false },
);

export const ReviewBody = Type.Object(
  {
    overrides: Type.Array(
      Type.Object(
        {
          example_id: Type.String({ pattern: '^[0-9a-f]{64}$' }),
          label: Type.String({ minLength: 1 }),
          reviewer: Type.Optional(Type.Enum([...REVIEWERS], { description: 'Default: the review’s `reviewer`' })),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 10_000 },
    ),
    reviewer: Type.Enum([...REVIEWERS], {
      default: 'human',
      description:
        'Who made the changes: `human`, or `llm` for LLM suggestions applied as they were. Becomes the rows’ label source, so agreement figures leave LLM-made labels out',
    }),
  },
  { additionalProperties: false },
);

export const ExportQuery = Type.Object(
  {
    format: Type.Enum([...EXPORT_FORMATS]),
    split: Type.Enum([...SPLITS, 'all'], { default: 'all' }),
    model: Type.String({ minLength: 1, default: 'gpt-4o-mini', description: 'Model the export is for (token limit)' }),
    system_message: Type.Boolean({
      default: true,
      description: 'openai-chat only: false leaves the system message (the task instructions) out of every example',
    }),
  },
  { additionalProperties: false },
);

const SplitStats = Type.Object({ rows: Type.Integer(), label_distribution: Counts });
const TokenStats = Nullable(
  Type.Object({ min: Type.Number(), p50: Type.Number(), p95: Type.Number(), max: Type.Number(), mean: Type.Number() }),
);

export const VersionStats = Type.Object({
  row_count: Type.Integer(),
  labeled: Type.Integer(),
  unlabeled: Type.Integer(),
  duplicate_count: Type.Integer({ description: 'Rows whose text appeared earlier in the version' }),
  label_distribution: Counts,
  label_sources: Counts,
  splits: Type.Object({ train: SplitStats, validation: SplitStats, test: SplitStats, unassigned: SplitStats }),
  tokens: TokenStats,
  tokenizer_model: Type.String({ description: 'Whose tokenizer counted `tokens`' }),
});

const Loose = Type.Object({}, { additionalProperties: true });

export const DatasetVersion = Type.Object({
  id: Type.String({ format: 'uuid' }),
  dataset_id: Type.String({ format: 'uuid' }),
  number: Type.Integer({ description: '1, 2, 3, ... within the dataset' }),
  parent_id: Nullable(Type.String({ format: 'uuid' })),
  operation: Type.String({ description: 'import, derive or review' }),
  params: Loose,
  report: Loose,
  stats: VersionStats,
  label_codes: Type.Record(Type.String(), Type.String(), { description: 'Label → completion code for legacy exports' }),
  row_count: Type.Integer(),
  content_hash: Type.String({ description: 'SHA-256 over the ordered rows (example, label, split)' }),
  created_at: Timestamp,
});

const Dataset = Type.Object({
  id: Type.String({ format: 'uuid' }),
  task_id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  description: Nullable(Type.String()),
  created_at: Timestamp,
});

export const DatasetWithLatest = Type.Object({ ...Dataset.properties, latest_version: Nullable(DatasetVersion) });

const LineErrorSchema = Type.Object({ line: Type.Integer(), reason: Type.String(), message: Type.String() });
export const ImportResult = Type.Object({
  dataset: Dataset,
  version: DatasetVersion,
  import: Type.Object({
    format: Type.Enum([...IMPORT_FORMATS]),
    rows_read: Type.Integer(),
    imported: Type.Integer(),
    skipped: Type.Integer(),
    error_count: Type.Integer(),
    errors: Type.Array(LineErrorSchema, { description: 'The first 100 skipped lines' }),
  }),
});

export const Example = Type.Object({
  position: Type.Integer(),
  example_id: Type.String({ description: 'SHA-256 of the text' }),
  text: Type.String(),
  label: Nullable(Type.String()),
  label_source: Nullable(Type.Enum([...LABEL_SOURCES])),
  confidence: Nullable(Type.Number()),
  split: Nullable(Type.Enum([...SPLITS])),
  tokens: Type.Integer(),
});

export const ExportChecks = Type.Object({
  format: Type.Enum([...EXPORT_FORMATS]),
  split: Type.String(),
  model: Type.String(),
  system_message: Type.Boolean(),
  rows: Type.Integer({ description: 'Rows the export contains (fine-tuning formats leave unlabeled rows out)' }),
  label_codes: Type.Record(Type.String(), Type.String()),
  warnings: Type.Array(Type.Object({ code: Type.String(), message: Type.String(), details: Type.Optional(Loose) })),
});

export const DatasetPage = pageOf(Dataset);
export const VersionPage = pageOf(DatasetVersion);
export const ExamplePage = pageOf(Example);

export const presentDataset = (dataset: DatasetRecord): Static<typeof Dataset> => ({
  id: dataset.id,
  task_id: dataset.taskId,
  name: dataset.name,
  description: dataset.description,
  created_at: iso(dataset.createdAt),
});

export const presentVersion = (version: DatasetVersionRecord) => ({
  id: version.id,
  dataset_id: version.datasetId,
  number: version.number!,
  parent_id: version.parentId,
  operation: version.operation,
  params: version.params,
  report: version.report,
  stats: version.stats,
  label_codes: version.labelCodes,
  row_count: version.rowCount,
  content_hash: version.contentHash!,
  created_at: iso(version.createdAt),
});

export const presentExample = (row: StoredRow): Static<typeof Example> => ({
  position: row.position,
  example_id: row.exampleId,
  text: row.text,
  label: row.label,
  label_source: row.labelSource,
  confidence: row.confidence,
  split: row.split,
  tokens: row.tokens,
});

export const ReviewQueueQuery = Type.Object(
  {
    ...pageQueryProperties,
    reason: Type.Optional(Type.Enum([...REVIEW_REASONS])),
    label: Type.Optional(Type.String({ minLength: 1, description: 'Only rows with this current label' })),
    min_score: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    cross_validation: Type.Boolean({
      default: true,
      description: `Train the local model in ${FOLD_COUNT} folds over at most ${MAX_CV_ROWS} labeled rows for out-of-fold disagreement (cached per version)`,
    }),
    low_confidence_threshold: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 1,
        description: 'LLM confidence in the current label under this is a reason (default 0.6)',
      }),
    ),
  },
  { additionalProperties: false },
);

const ReviewItemSchema = Type.Object({
  example_id: Type.String(),
  position: Type.Integer(),
  text: Type.String(),
  current_label: Type.String(),
  label_source: Nullable(Type.String()),
  llm_label: Nullable(Type.String({ description: 'The latest label-run answer on this version' })),
  llm_confidence: Nullable(Type.Number({ description: "The LLM's confidence in the current label" })),
  suggested_label: Nullable(Type.String()),
  score: Type.Number({ description: 'Estimated 1 − p(current label): the strongest witness' }),
  out_of_fold_confidence: Nullable(Type.Number({ description: "The local model's out-of-fold p(current label)" })),
  reasons: Type.Array(Type.Enum([...REVIEW_REASONS])),
});

export const ReviewQueuePage = Type.Object({
  data: Type.Array(ReviewItemSchema),
  next_cursor: Nullable(Type.String()),
  cross_validation: Type.Object({
    status: Type.Enum(['ran', 'skipped']),
    folds: Type.Integer(),
    rows: Type.Integer(),
    reason: Nullable(Type.String()),
    thresholds: Nullable(Type.Record(Type.String(), Type.Number())),
  }),
});

export const presentReviewItem = (item: ReviewItem): Static<typeof ReviewItemSchema> => ({
  example_id: item.exampleId,
  position: item.position,
  text: item.text,
  current_label: item.currentLabel,
  label_source: item.labelSource,
  llm_label: item.llm?.label ?? null,
  llm_confidence: item.llm?.confidenceForCurrent ?? null,
  suggested_label: item.suggestedLabel,
  score: item.score,
  out_of_fold_confidence: item.outOfFold ? 1 - item.outOfFold.score : null,
  reasons: item.reasons,
});
