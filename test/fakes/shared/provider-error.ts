/**
 * The error envelope both providers answer with, `{"error":{"message","type","param","code"}}`
 * (OpenAI's `ErrorResponse`, Together's `ErrorData`): routes throw it, and the shared error handler
 * (pipeline.ts) answers it with its status and headers. Each fake subclasses it and words its own
 * catalogue (its errors.ts).
 */

export interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export class ProviderError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly param: string | null = null,
    readonly code: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  toBody(): object {
    return {
      error: { message: this.message, type: this.type, param: this.param, code: this.code },
    } satisfies ErrorBody;
  }
}

/** A fake's error class: what the shared parts construct and recognise. */
export type ProviderErrorClass<E extends ProviderError> = new (
  status: number,
  type: string,
  message: string,
  param?: string | null,
  code?: string | null,
  headers?: Record<string, string>,
) => E;
