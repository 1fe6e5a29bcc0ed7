import type { DatasetRowsRepository } from '../../db/repositories/dataset-rows-repository.js';
import type { ModelVersionsRepository } from '../../db/repositories/model-versions-repository.js';
import { pickFewShot } from '../../domain/labeling/prompt.js';
import { taskPrompt, type FewShotExample, type PromptFormat } from '../../domain/labeling/prompt-config.js';
import { OperationError } from '../../domain/datasets/operations.js';
import { validateTextOperations, type TextOperation } from '../../domain/datasets/text-preparation.js';
import { newId } from '../../domain/ids.js';
import type { ProviderName, Providers } from '../../providers/registry.js';
import type { ModelVersionRecord } from '../../db/schema/model-versions.js';
import type { ModelEndpointRecord } from '../../db/schema/model-endpoints.js';
import type { ModelEndpointsService } from './model-endpoints-service.js';
import { afterCursor, toPage } from '../../domain/pagination.js';
import { errors } from '../../errors.js';
import type { RoutingService } from '../routing/routing-service.js';
import type { TasksService } from '../tasks-service.js';
import { findOr404 } from '../lookup.js';
import { requireUsableProvider } from '../provider-checks.js';
import type { ShutDownModels } from './shut-down-models.js';
import { noConfidenceNote } from './model-classifiers.js';

export interface RegisterModelInput {
  name?: string;
  kind: 'prompt' | 'fine_tuned';
  provider: ProviderName;
  model?: string;
  instructions?: string;
  few_shot_examples?: FewShotExample[];
  /** Draw k few-shot examples from this version's labeled train rows (stratified, seeded). */
  few_shot_from?: { dataset_version_id: string; k: number; seed?: number };
  /** A legacy prompt/completion fine-tune's answer code per label (` 1`, ` nil`), to map its answers back. */
  label_codes?: Record<string, string>;
  /** The clean operations its training texts went through: classify applies them to inputs first. */
  text_operations?: unknown[];
  /** How it was trained; default `completion` when label codes are given, else `chat`. */
  prompt_format?: PromptFormat;
}

/** Codes that map every answer back to one label: one per label, non-empty, all different. */
function checkLabelCodes(codes: Record<string, string>, labels: readonly string[]): void {
  const known = new Set(labels);
  const problems: { field: string; message: string }[] = [];
  for (const key of Object.keys(codes))
    if (!known.has(key)) problems.push({ field: `body.label_codes.${key}`, message: 'not a label of the task' });
  const seen = new Map<string, string>();
  for (const label of labels) {
    const code = codes[label];
    const field = `body.label_codes.${label}`;
    if (code === undefined) problems.push({ field, message: 'missing: every label needs a code' });
    else if (code.trim() === '') problems.push({ field, message: 'must not be empty' });
    else if (seen.has(code)) problems.push({ field, message: `same code as label "${seen.get(code)}"` });
    else seen.set(code, label);
  }
  if (problems.length > 0) throw errors.validation('The label codes cannot map answers back to labels.', problems);
}

function checkTextOperations(operations: unknown[]): TextOperation[] {
  try {
    return validateTextOperations(operations);
  } catch (error) {
    if (!(error instanceof OperationError)) throw error;
    throw errors.validation('A text operation is invalid.', [
      { field: `body.text_operations[${error.index}]${error.field ? `.${error.field}` : ''}`, message: error.message },
    ]);
  }
}

/**
 * A model version with its dedicated endpoint (the live one, else the latest), or null when it never
 * had one, and what training it cost along its parent chain (its own cost plus its ancestors').
 */
export type ModelVersionView = ModelVersionRecord & {
  endpoint: ModelEndpointRecord | null;
  lineageTrainingCostUsd: number | null;
};

export const modelVersionsService = (deps: {
  /** Refuses models past their shutdown date on their connection, before anything is written. */
  shutDown: Pick<ShutDownModels, 'refuse'>;
  modelVersionsRepo: Pick<ModelVersionsRepository, 'findById' | 'insert' | 'list' | 'lineageCosts'>;
  tasks: Pick<TasksService, 'get'>;
  datasetRowsRepo: Pick<DatasetRowsRepository, 'stream'>;
  providers: Pick<
    Providers,
    'has' | 'isConfigured' | 'configHint' | 'hostedTrainers' | 'defaultModel' | 'capabilities'
  >;
  routing: Pick<RoutingService, 'adoptFallback'>;
  endpoints: Pick<ModelEndpointsService, 'latestForModels'>;
}) => {
  const get = (id: string): Promise<ModelVersionRecord> =>
    findOr404('model version', id, (known) => deps.modelVersionsRepo.findById(known));
  const withEndpoints = async (models: ModelVersionRecord[]): Promise<ModelVersionView[]> => {
    const ids = models.map((model) => model.id);
    const [endpoints, costs] = await Promise.all([
      deps.endpoints.latestForModels(ids),
      deps.modelVersionsRepo.lineageCosts(ids),
    ]);
    return models.map((model) => ({
      ...model,
      endpoint: endpoints.get(model.id) ?? null,
      lineageTrainingCostUsd: costs.get(model.id) ?? null,
    }));
  };
  return {
    get,

    /** The model version as the API shows it: with its dedicated endpoint. */
    async view(id: string): Promise<ModelVersionView> {
      const [view] = await withEndpoints([await get(id)]);
      return view!;
    },

    /**
     * Registers a prompt-only model, or a fine-tuned model made elsewhere ("bring your own").
     * `options.id`: callers that record the id first (pipelines) get the model that exists.
     */
    async register(
      taskRef: string,
      input: RegisterModelInput,
      options: { id?: string } = {},
    ): Promise<ModelVersionView> {
      const existing = options.id ? await deps.modelVersionsRepo.findById(options.id) : undefined;
      if (existing) return (await withEndpoints([existing]))[0]!;
      const task = await deps.tasks.get(taskRef);
      if (task.archivedAt) throw errors.archived('task', taskRef);
      requireUsableProvider(deps.providers, input.provider);
      // A fine-tuned model made elsewhere is served by a provider that fine-tunes (hosted).
      const hostedTrainers = deps.providers.hostedTrainers();
      if (input.kind === 'fine_tuned' && (!hostedTrainers.includes(input.provider) || !input.model)) {
        throw errors.validation(`A fine-tuned model needs provider ${hostedTrainers.join(' or ')} and its model id.`, [
          { field: 'body.model', message: 'required, e.g. ft:gpt-4o-mini-2024-07-18:org::abc' },
        ]);
      }
      const model = input.model ?? deps.providers.defaultModel(input.provider);
      await deps.shutDown.refuse(input.provider, model, 'body.model');
      const labels = new Set(task.labels.map((label) => label.name));
      let fewShot = input.few_shot_examples ?? [];
      if (input.few_shot_from) {
        const pool: { exampleId: string; text: string; label: string }[] = [];
        for await (const batch of deps.datasetRowsRepo.stream(input.few_shot_from.dataset_version_id, {
          split: 'train',
          labeledOnly: true,
        })) {
          for (const row of batch)
            if (labels.has(row.label!)) pool.push({ exampleId: row.exampleId, text: row.text, label: row.label! });
        }
        fewShot = pickFewShot(pool, input.few_shot_from.k, input.few_shot_from.seed ?? 42);
      }
      const bad = fewShot.findIndex((example) => !labels.has(example.label));
      if (bad >= 0)
        throw errors.validation('A few-shot example has an unknown label.', [
          { field: `body.few_shot_examples[${bad}].label`, message: 'not a label of the task' },
        ]);
      if (input.label_codes) {
        if (input.kind !== 'fine_tuned')
          throw errors.validation('Label codes are for fine-tuned models.', [
            { field: 'body.label_codes', message: 'only for kind fine_tuned (a legacy prompt/completion fine-tune)' },
          ]);
        checkLabelCodes(input.label_codes, [...labels]);
      }
      const textOperations = checkTextOperations(input.text_operations ?? []);
      const promptFormat = input.prompt_format ?? (input.label_codes ? 'completion' : 'chat');
      const registered = await deps.modelVersionsRepo.insert({
        id: options.id ?? newId(),
        taskId: task.id,
        name: input.name ?? `${task.slug}-${input.kind === 'prompt' ? 'prompt' : 'byo'}-${model}`,
        kind: input.kind,
        provider: input.provider,
        model,
        prompt: taskPrompt(task, {
          instructions: input.instructions,
          fewShot,
          asTrained: input.kind === 'fine_tuned',
          format: promptFormat,
        }),
        labelCodes: input.label_codes ?? null,
        textOperations,
        promptFormat,
        // A connection known to give no logprobs: its models say so from the start.
        ...(deps.providers.capabilities(input.provider).confidences
          ? {}
          : { confidenceSource: 'none' as const, confidenceNote: noConfidenceNote(deps.providers, input.provider) }),
      });
      // A task's first prompt-only model stands in for any champion (the README's "normally the prompt-only model").
      if (registered.kind === 'prompt') await deps.routing.adoptFallback(task.id, registered.id);
      return (await withEndpoints([(await deps.modelVersionsRepo.findById(registered.id)) ?? registered]))[0]!;
    },
    async list(taskRef: string, page: { limit: number; cursor?: string }) {
      const task = await deps.tasks.get(taskRef);
      return toPage(
        await withEndpoints(
          await deps.modelVersionsRepo.list(task.id, { limit: page.limit, after: afterCursor(page.cursor) }),
        ),
        page.limit,
      );
    },
  };
};

export type ModelVersionsService = ReturnType<typeof modelVersionsService>;
