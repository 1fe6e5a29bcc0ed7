import { textOperationsOf } from '../../domain/datasets/text-preparation.js';
import type { Database, Executor } from '../../db/client.js';
import type { DatasetRowsRepository, RowFilter } from '../../db/repositories/dataset-rows-repository.js';
import type { DatasetVersionsRepository } from '../../db/repositories/dataset-versions-repository.js';
import type { DatasetsRepository } from '../../db/repositories/datasets-repository.js';
import type { DatasetRecord, DatasetVersionRecord } from '../../db/schema/datasets.js';
import type { TaskRow } from '../../db/schema/tasks.js';
import { applyOperations } from '../../domain/datasets/apply-operations.js';
import { OperationError, type Operation, type Reviewer } from '../../domain/datasets/operations.js';
import type { DatasetRow, StoredRow } from '../../domain/datasets/rows.js';
import { newId } from '../../domain/ids.js';
import { afterCursor, afterNumberCursor, toPage, toPageBy, type Page } from '../../domain/pagination.js';
import { errors } from '../../errors.js';
import type { TasksService } from '../tasks-service.js';
import { findOr404 } from '../lookup.js';
import { importUpload, type ImportOutcome, type UploadInput } from './dataset-import.js';
import { startVersion, STATS_TOKENIZER_MODEL } from './version-writer.js';

export interface DatasetsServiceDeps {
  db: Database;
  tasks: Pick<TasksService, 'get'>;
  datasetsRepo: Pick<DatasetsRepository, 'findById' | 'insert' | 'list'>;
  datasetVersionsRepo: Pick<
    DatasetVersionsRepository,
    'findById' | 'latest' | 'list' | 'derivation' | 'insertPending' | 'finalize' | 'lineage'
  >;
  datasetRowsRepo: Pick<DatasetRowsRepository, 'loadAll' | 'page' | 'insertExamples' | 'insertRows'>;
  limits: { maxTextChars: number; importMaxBytes: number };
}

export const datasetsService = (deps: DatasetsServiceDeps) => {
  const { db, datasetsRepo, datasetVersionsRepo, datasetRowsRepo } = deps;

  const getDataset = (id: string): Promise<DatasetRecord> =>
    findOr404('dataset', id, (known) => datasetsRepo.findById(known));
  const getVersion = (id: string): Promise<DatasetVersionRecord> =>
    findOr404('dataset version', id, (known) => datasetVersionsRepo.findById(known));

  /** The dataset's task, which must not be archived for anything that writes. */
  const activeTaskOf = async (dataset: DatasetRecord): Promise<TaskRow> => {
    const task = await deps.tasks.get(dataset.taskId);
    if (task.archivedAt) throw errors.archived('task', task.slug);
    return task;
  };

  const runImport = async (
    task: TaskRow,
    target: { dataset: DatasetRecord; create: boolean; parent?: DatasetVersionRecord; appendParent: boolean },
    upload: UploadInput,
    params: Record<string, unknown>,
  ) =>
    db.transaction(async (tx) => {
      if (target.create) await datasetsRepo.insert(target.dataset, tx);
      const writer = startVersion(
        { datasetVersionsRepo, datasetRowsRepo, tx },
        {
          id: newId(),
          datasetId: target.dataset.id,
          parentId: target.parent?.id ?? null,
          operation: 'import',
          params,
        },
      );
      if (target.parent && target.appendParent) {
        for (const row of await datasetRowsRepo.loadAll(target.parent.id, tx))
          await writer.add(stripStored(row), row.tokens);
      }
      const outcome: ImportOutcome = await importUpload(upload, {
        labels: task.labels.map((label) => label.name),
        limits: deps.limits,
        add: (row) => writer.add(row),
      });
      if (writer.count === 0) {
        throw errors.emptyDataset(summary(outcome));
      }
      const version = await writer.finish(task.labels, { import: summary(outcome) });
      return { dataset: target.dataset, version, outcome };
    });

  /** Writes a version derived in memory from its parent's rows, in the caller's transaction if given. */
  const writeDerived = async (
    task: TaskRow,
    parent: DatasetVersionRecord,
    parentRows: StoredRow[],
    derived: DatasetRow[],
    operation: string,
    params: Record<string, unknown>,
    report: Record<string, unknown>,
    outer?: Executor,
  ) => {
    const known = new Map(parentRows.map((row) => [row.exampleId, row.tokens]));
    const write = async (tx: Executor) => {
      const writer = startVersion(
        { datasetVersionsRepo, datasetRowsRepo, tx },
        { id: newId(), datasetId: parent.datasetId, parentId: parent.id, operation, params },
      );
      for (const row of derived) await writer.add(row, known.get(row.exampleId));
      return writer.finish(task.labels, report);
    };
    return outer ? write(outer) : db.transaction(write);
  };

  /** A new version by an ordered list of operations; an invalid one is a 400 naming it. */
  const derive = async (versionId: string, operations: Operation[]) => {
    const parent = await getVersion(versionId);
    const task = await activeTaskOf(await getDataset(parent.datasetId));
    const parentRows = await datasetRowsRepo.loadAll(parent.id);
    let result: ReturnType<typeof applyOperations>;
    try {
      result = applyOperations(parentRows.map(stripStored), operations, {
        labels: task.labels.map((label) => label.name),
        tokenizerModel: STATS_TOKENIZER_MODEL,
      });
    } catch (error) {
      if (error instanceof OperationError) {
        throw errors.validation('An operation is invalid.', [
          { field: `body.operations[${error.index}]${error.field ? `.${error.field}` : ''}`, message: error.message },
        ]);
      }
      throw error;
    }
    return writeDerived(task, parent, parentRows, result.rows, 'derive', { operations }, { operations: result.report });
  };

  return {
    getDataset,
    getVersion,
    activeTaskOf,

    async createFromUpload(taskRef: string, input: { name: string; description?: string }, upload: UploadInput) {
      const task = await deps.tasks.get(taskRef);
      if (task.archivedAt) throw errors.archived('task', taskRef);
      const dataset: DatasetRecord = {
        id: newId(),
        taskId: task.id,
        name: input.name,
        description: input.description ?? null,
        createdAt: new Date(),
      };
      return runImport(task, { dataset, create: true, appendParent: false }, upload, uploadParams(upload));
    },

    /** A new version from a file: appended to the latest version's rows, or replacing them. */
    async importVersion(datasetId: string, mode: 'append' | 'replace', upload: UploadInput) {
      const dataset = await getDataset(datasetId);
      const task = await activeTaskOf(dataset);
      const parent = await datasetVersionsRepo.latest(dataset.id);
      return runImport(task, { dataset, create: false, parent, appendParent: mode === 'append' }, upload, {
        ...uploadParams(upload),
        mode,
      });
    },

    async listDatasets(taskRef: string, page: { limit: number; cursor?: string }): Promise<Page<DatasetRecord>> {
      const task = await deps.tasks.get(taskRef);
      return toPage(
        await datasetsRepo.list(task.id, { limit: page.limit, after: afterCursor(page.cursor) }),
        page.limit,
      );
    },

    latestVersion: (datasetId: string) => datasetVersionsRepo.latest(datasetId),

    /** The text-changing operations a version's rows went through since their import, oldest first. */
    textOperationsOf: async (versionId: string) => textOperationsOf(await datasetVersionsRepo.lineage(versionId)),

    async listVersions(datasetId: string, page: { limit: number; cursor?: string }) {
      const dataset = await getDataset(datasetId);
      const found = await datasetVersionsRepo.list(dataset.id, {
        limit: page.limit,
        after: afterNumberCursor(page.cursor),
      });
      return toPageBy(found, page.limit, (version) => version.number!);
    },

    async listExamples(versionId: string, filter: RowFilter, page: { limit: number; cursor?: string }) {
      const version = await getVersion(versionId);
      const found = await datasetRowsRepo.page(version.id, filter, {
        limit: page.limit,
        afterPosition: afterNumberCursor(page.cursor),
      });
      return toPageBy(found, page.limit, (row) => row.position);
    },

    /**
     * The version `derive` would make, reusing one made before from the same parent with the same
     * operations (versions are immutable, so it is the same data): a retried caller makes no copy.
     */
    async deriveOnce(versionId: string, operations: Operation[]) {
      return (
        (await datasetVersionsRepo.derivation(versionId, 'derive', { operations })) ?? derive(versionId, operations)
      );
    },

    derive,

    /**
     * A version made by code rather than by a request (a labeling run's results): `transform`
     * turns the parent's rows into the new ones. Runs in `tx`, when given, so the caller can commit
     * it with its own bookkeeping; in a transaction of its own otherwise.
     */
    async deriveWith(
      parentId: string,
      operation: string,
      params: Record<string, unknown>,
      transform: (rows: DatasetRow[]) => { rows: DatasetRow[]; report: Record<string, unknown> },
      tx?: Executor,
    ) {
      const parent = await getVersion(parentId);
      const task = await deps.tasks.get((await getDataset(parent.datasetId)).taskId);
      const parentRows = await datasetRowsRepo.loadAll(parent.id, tx);
      const result = transform(parentRows.map(stripStored));
      return writeDerived(task, parent, parentRows, result.rows, operation, params, result.report, tx);
    },

    /**
     * Label corrections: a new version where those examples carry their reviewer as label source
     * (`human`, or `llm` for LLM suggestions applied as they were).
     */
    async review(versionId: string, overrides: { example_id: string; label: string; reviewer: Reviewer }[]) {
      const parent = await getVersion(versionId);
      const task = await activeTaskOf(await getDataset(parent.datasetId));
      const parentRows = await datasetRowsRepo.loadAll(parent.id);
      const present = new Set(parentRows.map((row) => row.exampleId));
      const labels = new Set(task.labels.map((label) => label.name));
      const problems = overrides.flatMap((override, index) => [
        ...(present.has(override.example_id)
          ? []
          : [{ field: `body.overrides[${index}].example_id`, message: 'is not in this version' }]),
        ...(labels.has(override.label)
          ? []
          : [{ field: `body.overrides[${index}].label`, message: `is not a label of task "${task.slug}"` }]),
      ]);
      if (problems.length > 0) throw errors.validation('Some overrides do not apply to this version.', problems);
      const result = applyOperations(parentRows.map(stripStored), [{ op: 'relabel', overrides }], {
        labels: [...labels],
        tokenizerModel: STATS_TOKENIZER_MODEL,
      });
      return writeDerived(
        task,
        parent,
        parentRows,
        result.rows,
        'review',
        {
          overrides: overrides.length,
          reviewers: {
            human: overrides.filter((override) => override.reviewer === 'human').length,
            llm: overrides.filter((override) => override.reviewer === 'llm').length,
          },
        },
        {
          review: result.report[0]?.details ?? {},
        },
      );
    },
  };
};

export type DatasetsService = ReturnType<typeof datasetsService>;

const stripStored = ({ position: _position, tokens: _tokens, ...row }: StoredRow): DatasetRow => row;

const summary = (outcome: ImportOutcome) => ({
  format: outcome.format,
  rows_read: outcome.rowsRead,
  imported: outcome.imported,
  skipped: outcome.errorCount,
  error_count: outcome.errorCount,
  errors: outcome.errors,
});

const uploadParams = (upload: UploadInput): Record<string, unknown> => ({
  format: upload.format ?? 'detected',
  on_error: upload.onError,
  ...(Object.keys(upload.labelMap).length > 0 ? { label_map: upload.labelMap } : {}),
  ...(upload.promptSuffix !== undefined ? { prompt_suffix: upload.promptSuffix } : {}),
  ...(upload.textColumn !== undefined ? { text_column: upload.textColumn } : {}),
  ...(upload.textTemplate !== undefined ? { text_template: upload.textTemplate.source } : {}),
  ...(upload.labelColumn !== undefined ? { label_column: upload.labelColumn } : {}),
});
