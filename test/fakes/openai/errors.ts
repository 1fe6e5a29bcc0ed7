/**
 * The OpenAI error envelope, `{"error":{"message","type","param","code"}}`, and the catalogue of
 * errors the fake answers with. The SDK only fills `err.code`, `err.type` and `err.param` from
 * `body.error`, so every error path must go through `OpenAIError` (notes §1, §8, §11.1).
 */
import { ProviderError } from '../shared/provider-error.js';

export class OpenAIError extends ProviderError {
  override readonly name = 'OpenAIError';
}

const INVALID = 'invalid_request_error';

export const errors = {
  missingApiKey: () =>
    new OpenAIError(
      401,
      INVALID,
      "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username. You can obtain an API key from https://platform.openai.com/account/api-keys.",
      null,
      'invalid_api_key',
    ),
  invalidRequest: (message: string, param: string | null = null, code: string | null = null) =>
    new OpenAIError(400, INVALID, message, param, code),
  missingParameter: (param: string) =>
    new OpenAIError(400, INVALID, `Missing required parameter: '${param}'.`, param, 'missing_required_parameter'),
  invalidType: (param: string, expected: string, got: unknown) =>
    new OpenAIError(
      400,
      INVALID,
      `Invalid type for '${param}': expected ${expected}, but got ${describe(got)} instead.`,
      param,
      'invalid_type',
    ),
  outOfRange: (param: string, kind: 'integer' | 'decimal', bound: 'above' | 'below', limit: number, got: number) =>
    new OpenAIError(
      400,
      INVALID,
      `Invalid '${param}': ${kind} ${bound} ${bound === 'above' ? 'maximum' : 'minimum'} value. Expected a value ${bound === 'above' ? '<=' : '>='} ${limit}, but got ${got} instead.`,
      param,
      `${kind}_${bound}_${bound === 'above' ? 'max' : 'min'}_value`,
    ),
  unsupportedParameter: (param: string, message: string) =>
    new OpenAIError(400, INVALID, message, param, 'unsupported_parameter'),
  invalidJson: () =>
    new OpenAIError(
      400,
      INVALID,
      "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)",
    ),
  invalidUrl: (method: string, path: string) => new OpenAIError(404, INVALID, `Invalid URL (${method} ${path})`),
  modelNotFound: (model: string) =>
    new OpenAIError(
      404,
      INVALID,
      `The model \`${model}\` does not exist or you do not have access to it.`,
      null,
      'model_not_found',
    ),
  notAChatModel: () =>
    new OpenAIError(
      404,
      INVALID,
      'This is not a chat model and thus not supported in the v1/chat/completions endpoint. Did you mean to use v1/completions?',
      'model',
    ),
  notACompletionsModel: () =>
    new OpenAIError(
      404,
      INVALID,
      'This is a chat model and not supported in the v1/completions endpoint. Did you mean to use v1/chat/completions?',
      'model',
    ),
  noSuchObject: (kind: string, id: string) => new OpenAIError(404, INVALID, `No such ${kind} object: ${id}`, 'id'),
  jobNotFound: (id: string) =>
    new OpenAIError(404, INVALID, `Could not find fine tune: ${id}`, null, 'fine_tune_not_found'),
  trainingNotAvailable: () =>
    new OpenAIError(
      403,
      INVALID,
      'OpenAI is winding down the fine-tuning platform and your organization is no longer able to create new fine-tuning training jobs.',
      null,
      'training_not_available',
    ),
  modelNotAvailableForFineTuning: (model: string) =>
    new OpenAIError(
      400,
      INVALID,
      `Model ${model} is not available for fine-tuning or does not exist.`,
      'model',
      'model_not_available',
    ),
  cannotDeleteModel: (model: string) =>
    new OpenAIError(
      403,
      INVALID,
      `You do not have permission to delete ${model}. Only fine-tuned models owned by your organization can be deleted.`,
    ),
  insufficientQuota: (headers: Record<string, string>) =>
    new OpenAIError(
      429,
      'insufficient_quota',
      'You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.',
      null,
      'insufficient_quota',
      headers,
    ),
  serverError: () =>
    new OpenAIError(
      500,
      'server_error',
      'The server had an error while processing your request. Sorry about that! You can retry your request, or contact us through our help center at help.openai.com if the error persists.',
    ),
  overloaded: () =>
    new OpenAIError(
      503,
      'service_unavailable_error',
      'The server is overloaded or not ready yet.',
      null,
      'server_is_overloaded',
    ),
};

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a decimal';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'boolean') return 'a boolean';
  return 'an object';
}
