import type { FastifyInstance } from 'fastify';
import { errors } from './errors.js';
import { unixSeconds } from './ids.js';
import type { ResolvedOptions } from './options.js';
import type { FakeState } from './state.js';

/**
 * Which models exist. By default any name that looks like an OpenAI model (gpt-*, o1/o3/o4…,
 * babbage-002, davinci-002) exists, plus the fine-tunes this fake produced; `models.known`
 * replaces the patterns with an explicit list. Retired models (and fine-tunes of retired bases)
 * answer 404 model_not_found everywhere, which is what the real API most likely does (notes §0, §7).
 */

export interface ModelObject {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
  shutdown_date: string | null;
}

export type ModelUse = 'chat' | 'completions' | 'fine-tune' | 'any';

/** [id, created, owned_by] for the default `GET /v1/models` list. */
const CATALOGUE: [string, number, string][] = [
  ['gpt-4o-mini', 1721172741, 'system'],
  ['gpt-4o-mini-2024-07-18', 1721172717, 'system'],
  ['gpt-4o', 1715367049, 'system'],
  ['gpt-4o-2024-08-06', 1722814719, 'system'],
  ['gpt-4.1', 1744316542, 'system'],
  ['gpt-4.1-2025-04-14', 1744315746, 'system'],
  ['gpt-4.1-mini', 1744318173, 'system'],
  ['gpt-4.1-mini-2025-04-14', 1744317547, 'system'],
  ['gpt-4.1-nano', 1744321707, 'system'],
  ['gpt-4.1-nano-2025-04-14', 1744321025, 'system'],
  ['gpt-3.5-turbo', 1677610602, 'openai'],
  ['gpt-3.5-turbo-0125', 1706048358, 'system'],
  ['gpt-3.5-turbo-1106', 1698959748, 'system'],
  ['gpt-3.5-turbo-instruct', 1692901427, 'system'],
  ['babbage-002', 1692634615, 'system'],
  ['davinci-002', 1692634301, 'system'],
  ['o3-mini', 1737146383, 'system'],
  ['o4-mini', 1744225351, 'system'],
];
const CREATED = new Map(CATALOGUE.map(([id, created, owner]) => [id, { created, owner }]));
const PATTERN = /^(gpt-|o\d|babbage-002$|davinci-002$)/;
const COMPLETIONS_ONLY = /^(babbage-002|davinci-002|gpt-3\.5-turbo-instruct)/;
const FINE_TUNABLE = [
  'gpt-4o-mini-2024-07-18',
  'gpt-4o-2024-08-06',
  'gpt-4.1-2025-04-14',
  'gpt-4.1-mini-2025-04-14',
  'gpt-4.1-nano-2025-04-14',
  'gpt-3.5-turbo-0125',
  'gpt-3.5-turbo-1106',
  'gpt-3.5-turbo-0613',
  'babbage-002',
  'davinci-002',
  'o4-mini-2025-04-16',
];

/** `ft:<base>:<org>:<suffix>:<id>` → `<base>`; other names unchanged. */
export const baseOf = (model: string): string => (model.startsWith('ft:') ? (model.split(':')[1] ?? model) : model);

export interface ModelRegistry {
  exists(id: string): boolean;
  /** The snapshot to echo, or a 404 model_not_found (or wrong-endpoint 404). */
  require(id: string, use: ModelUse): string;
  snapshot(id: string): string;
  describe(id: string): ModelObject;
  list(): ModelObject[];
  remove(id: string): { id: string; object: 'model'; deleted: true };
  register(name: string, base: string, atMs: number, jobId: string): void;
}

export function createModelRegistry(
  options: () => ResolvedOptions,
  state: FakeState,
  /** Brings fine-tuning jobs up to date, so a fine-tune that just finished is known. */
  refresh: () => void,
): ModelRegistry {
  const retired = (id: string): boolean => {
    const { models, faults } = options();
    const list = [...(models.retired ?? []), ...(faults.retiredModels ?? [])];
    return list.includes(id) || list.includes(baseOf(id));
  };
  const known = (id: string): boolean => {
    if (id.startsWith('ft:')) refresh();
    if (id.startsWith('ft:')) return state.fineTunedModels.has(id) || (options().models.known?.includes(id) ?? false);
    const explicit = options().models.known;
    return explicit ? explicit.includes(id) : PATTERN.test(id);
  };
  const exists = (id: string): boolean => known(id) && !retired(id);
  const snapshot = (id: string): string => options().models.aliases?.[id] ?? id;

  const describe = (id: string): ModelObject => {
    const fineTuned = state.fineTunedModels.get(id);
    const catalogued = CREATED.get(id);
    const dates = options().models.shutdownDates ?? {};
    const base = baseOf(id);
    return {
      id,
      object: 'model',
      created: fineTuned ? unixSeconds(fineTuned.createdAtMs) : (catalogued?.created ?? 1_700_000_000),
      owned_by: fineTuned ? options().organization : (catalogued?.owner ?? 'system'),
      shutdown_date: dates[id] ?? dates[base] ?? dates[snapshot(base)] ?? null,
    };
  };

  return {
    exists,
    snapshot,
    describe,
    require(id, use) {
      if (!exists(id)) throw errors.modelNotFound(id);
      const completionsOnly = COMPLETIONS_ONLY.test(baseOf(id));
      if (use === 'chat' && completionsOnly) throw errors.notAChatModel();
      if (use === 'completions' && !completionsOnly) throw errors.notACompletionsModel();
      if (
        use === 'fine-tune' &&
        !id.startsWith('ft:') &&
        !FINE_TUNABLE.some((prefix) => snapshot(id).startsWith(prefix))
      ) {
        throw errors.modelNotAvailableForFineTuning(id);
      }
      return snapshot(id);
    },
    list() {
      refresh();
      const explicit = options().models.known;
      const ids = [...(explicit ?? CATALOGUE.map(([id]) => id)), ...state.fineTunedModels.keys()];
      return [...new Set(ids)].filter(exists).map(describe);
    },
    remove(id) {
      if (!exists(id)) throw errors.modelNotFound(id);
      if (!state.fineTunedModels.has(id)) throw errors.cannotDeleteModel(id);
      state.fineTunedModels.delete(id);
      return { id, object: 'model', deleted: true };
    },
    register(name, base, atMs, jobId) {
      state.fineTunedModels.set(name, { id: name, base, createdAtMs: atMs, jobId });
    },
  };
}

export function modelRoutes(app: FastifyInstance, registry: ModelRegistry): void {
  app.get('/models', async () => ({ object: 'list', data: registry.list() }));
  app.get<{ Params: { model: string } }>('/models/:model', async (request) => {
    const { model } = request.params;
    if (!registry.exists(model)) throw errors.modelNotFound(model);
    return registry.describe(model);
  });
  app.delete<{ Params: { model: string } }>('/models/:model', async (request) => registry.remove(request.params.model));
}
