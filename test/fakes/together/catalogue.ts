/**
 * The models the fake knows: serverless chat models with their per-token prices (`GET /v1/models`
 * pricing, dollars per million tokens), and the base models it fine-tunes, with their limits.
 * Names are real Together model ids; prices and limits are illustrative, of the right magnitude.
 */

export interface ServerlessModel {
  id: string;
  displayName: string;
  organization: string;
  contextLength: number;
  paramsB: number;
  /** Dollars per million tokens. */
  input: number;
  output: number;
  created: number;
}

export interface FineTunableModel {
  id: string;
  displayName: string;
  organization: string;
  contextLength: number;
  paramsB: number;
  supportsFullTraining: boolean;
  lora: { minBatch: number; maxBatch: number; maxBatchDpo: number; maxRank: number };
  full: { minBatch: number; maxBatch: number; maxBatchDpo: number };
  created: number;
}

export const SERVERLESS_MODELS: ServerlessModel[] = [
  {
    id: 'meta-llama/Llama-3.3-70B-Instruct-Turbo',
    displayName: 'Meta Llama 3.3 70B Instruct Turbo',
    organization: 'Meta',
    contextLength: 131072,
    paramsB: 70,
    input: 0.88,
    output: 0.88,
    created: 1733443200,
  },
  {
    id: 'meta-llama/Meta-Llama-3.1-8B-Instruct-Turbo',
    displayName: 'Meta Llama 3.1 8B Instruct Turbo',
    organization: 'Meta',
    contextLength: 131072,
    paramsB: 8,
    input: 0.18,
    output: 0.18,
    created: 1721692800,
  },
  {
    id: 'Qwen/Qwen2.5-7B-Instruct-Turbo',
    displayName: 'Qwen 2.5 7B Instruct Turbo',
    organization: 'Qwen',
    contextLength: 32768,
    paramsB: 7,
    input: 0.3,
    output: 0.3,
    created: 1726617600,
  },
  {
    id: 'Qwen/Qwen2.5-72B-Instruct-Turbo',
    displayName: 'Qwen 2.5 72B Instruct Turbo',
    organization: 'Qwen',
    contextLength: 32768,
    paramsB: 72,
    input: 1.2,
    output: 1.2,
    created: 1726617600,
  },
  {
    id: 'mistralai/Mistral-7B-Instruct-v0.3',
    displayName: 'Mistral (7B) Instruct v0.3',
    organization: 'mistralai',
    contextLength: 32768,
    paramsB: 7,
    input: 0.2,
    output: 0.2,
    created: 1716336000,
  },
];

const LORA_MODULES = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'];

const base = (
  id: string,
  displayName: string,
  organization: string,
  contextLength: number,
  paramsB: number,
  created: number,
): FineTunableModel => {
  const large = paramsB >= 30;
  return {
    id,
    displayName,
    organization,
    contextLength,
    paramsB,
    supportsFullTraining: paramsB <= 16,
    lora: large
      ? { minBatch: 8, maxBatch: 32, maxBatchDpo: 16, maxRank: 64 }
      : { minBatch: 8, maxBatch: 64, maxBatchDpo: 32, maxRank: 64 },
    full: { minBatch: 8, maxBatch: large ? 16 : 32, maxBatchDpo: large ? 8 : 16 },
    created,
  };
};

export const FINE_TUNABLE_MODELS: FineTunableModel[] = [
  base(
    'meta-llama/Meta-Llama-3.1-8B-Instruct-Reference',
    'Meta Llama 3.1 8B Instruct Reference',
    'Meta',
    131072,
    8,
    1721692800,
  ),
  base(
    'meta-llama/Meta-Llama-3.1-70B-Instruct-Reference',
    'Meta Llama 3.1 70B Instruct Reference',
    'Meta',
    131072,
    70,
    1721692800,
  ),
  base('meta-llama/Llama-3.2-3B-Instruct', 'Meta Llama 3.2 3B Instruct', 'Meta', 131072, 3, 1727222400),
  base('Qwen/Qwen2.5-7B-Instruct', 'Qwen 2.5 7B Instruct', 'Qwen', 32768, 7, 1726617600),
  base('Qwen/Qwen2.5-14B-Instruct', 'Qwen 2.5 14B Instruct', 'Qwen', 32768, 14, 1726617600),
  base('mistralai/Mistral-7B-Instruct-v0.2', 'Mistral (7B) Instruct v0.2', 'mistralai', 32768, 7, 1702339200),
];

export const LORA_TARGET_MODULES = LORA_MODULES;
export const MAX_EPOCHS = 20;
export const MAX_EVALS = 100;
export const MAX_CHECKPOINTS = 20;
export const LEARNING_RATE_RANGE = { min: 1e-8, max: 1 } as const;

/** `GET /v1/fine-tunes/models/limits`: the spec's `FineTuneModelLimits`, plus the fields the SDK's type requires. */
export function limitsObject(model: FineTunableModel) {
  return {
    model_name: model.id,
    ...(model.supportsFullTraining
      ? {
          full_training: {
            max_batch_size: model.full.maxBatch,
            max_batch_size_dpo: model.full.maxBatchDpo,
            min_batch_size: model.full.minBatch,
          },
        }
      : {}),
    lora_training: {
      max_batch_size: model.lora.maxBatch,
      max_batch_size_dpo: model.lora.maxBatchDpo,
      min_batch_size: model.lora.minBatch,
      max_rank: model.lora.maxRank,
      target_modules: LORA_MODULES,
    },
    max_num_epochs: MAX_EPOCHS,
    max_num_evals: MAX_EVALS,
    max_num_checkpoints: MAX_CHECKPOINTS,
    max_learning_rate: LEARNING_RATE_RANGE.max,
    min_learning_rate: LEARNING_RATE_RANGE.min,
    max_seq_length_sft: Math.min(model.contextLength, 32768),
    max_seq_length_dpo: Math.min(model.contextLength, 16384),
    min_max_seq_length: 512,
    default_gradient_accumulation_steps: 1,
    supports_full_training: model.supportsFullTraining,
    supports_vision: false,
    supports_tools: true,
    supports_reasoning: false,
    merge_output_lora: false,
  };
}

/**
 * Dollars per million trained tokens by size band, method and type, the shape of Together's
 * published fine-tuning prices (≤16B, 17–69B, 70–100B).
 */
export function fineTunePricePerMillion(paramsB: number, method: 'sft' | 'dpo', type: 'Lora' | 'Full'): number {
  const band = paramsB <= 16 ? 0 : paramsB < 70 ? 1 : 2;
  const table = {
    sft: { Lora: [0.48, 1.5, 2.9], Full: [0.54, 1.65, 3.2] },
    dpo: { Lora: [1.2, 3.75, 7.25], Full: [1.35, 4.12, 8.0] },
  } as const;
  return table[method][type][band] ?? 0;
}
