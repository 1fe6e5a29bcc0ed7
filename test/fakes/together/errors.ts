/**
 * Together's error envelope, the spec's `ErrorData`: `{"error":{"message","type","param","code"}}`
 * (message and type required, param and code nullable), and the errors the fake answers with.
 * The SDK puts the whole body on `err.error` and stringifies it into `err.message`, so the
 * wording below is what a caller sees.
 */
import { ProviderError } from '../shared/provider-error.js';

export class TogetherError extends ProviderError {
  override readonly name = 'TogetherError';

  constructor(
    status: number,
    type: string,
    message: string,
    param: string | null = null,
    code: string | null = null,
    headers: Record<string, string> = {},
    /** A body other than ErrorData, for the few operations whose spec declares another error shape. */
    readonly body?: object,
  ) {
    super(status, type, message, param, code, headers);
  }

  override toBody(): object {
    return this.body ?? super.toBody();
  }
}

const INVALID = 'invalid_request_error';

export const errors = {
  missingApiKey: () =>
    new TogetherError(
      401,
      INVALID,
      'Invalid API key provided. You can find your API key at https://api.together.ai/settings/api-keys.',
      null,
      'invalid_api_key',
    ),
  invalidRequest: (message: string, param: string | null = null, code: string | null = null) =>
    new TogetherError(400, INVALID, message, param, code),
  missingParameter: (param: string) =>
    new TogetherError(400, INVALID, `Missing required parameter: ${param}`, param, 'missing_required_parameter'),
  invalidType: (param: string, expected: string) =>
    new TogetherError(400, INVALID, `Invalid type for ${param}: expected ${expected}.`, param, 'invalid_type'),
  outOfRange: (param: string, min: number | undefined, max: number | undefined, got: unknown) =>
    new TogetherError(
      400,
      INVALID,
      `Invalid value for ${param}: ${String(got)}. It must be ${min !== undefined && max !== undefined ? `between ${min} and ${max}` : min !== undefined ? `at least ${min}` : `at most ${max}`}.`,
      param,
      'invalid_value',
    ),
  invalidJson: () => new TogetherError(400, INVALID, 'Invalid JSON in request body.', null, 'invalid_json'),
  notFound: (what: string, id: string) =>
    new TogetherError(404, INVALID, `${what} ${id} not found.`, null, 'not_found'),
  unknownModel: (model: string) =>
    new TogetherError(
      404,
      INVALID,
      `Unable to access model ${model}. Please visit https://api.together.ai/models to view the list of supported models.`,
      'model',
      'model_not_available',
    ),
  /** What a model that only runs on a dedicated endpoint answers while none is started. */
  nonServerlessModel: (model: string) =>
    new TogetherError(
      400,
      INVALID,
      `Unable to access non-serverless model ${model}. Please visit https://api.together.ai/models/${model} to create and start a new dedicated endpoint for the model.`,
      'model',
      'model_not_available',
    ),
  notFineTunable: (model: string) =>
    new TogetherError(
      400,
      INVALID,
      `Model ${model} is not supported for fine-tuning. Call GET /v1/fine-tunes/models/supported for the models that are.`,
      'model',
      'model_not_supported',
    ),
  /** `GET /fine-tunes/models/limits` declares its own 404 body: `{ message }`. */
  noLimits: (model: string) =>
    new TogetherError(
      404,
      INVALID,
      `Model ${model} is not available for fine-tuning.`,
      null,
      null,
      {},
      { message: `Model ${model} is not available for fine-tuning.` },
    ),
  invalidUrl: (method: string, path: string) =>
    new TogetherError(404, INVALID, `Unknown request URL: ${method} ${path}.`, null, 'not_found'),
  serverError: () =>
    new TogetherError(500, 'server_error', 'Internal server error. Please try again later.', null, null),
  overloaded: (retryHeaders: Record<string, string>) =>
    new TogetherError(
      503,
      'service_unavailable',
      'The server is overloaded or not ready yet. Please try again later.',
      null,
      'service_unavailable',
      retryHeaders,
    ),
};
