import type { PreflightProblem } from '../../domain/training/preflight.js';
import { errors } from '../../errors.js';
import type { FineTuningApi, PlannedJob, ProviderPreflightProblem } from '../../providers/provider.js';

/** How long a file uploaded only to be priced may take to be validated before the estimate is given up. */
const PRICE_FILE_WAIT_MS = 5_000;
const PRICE_FILE_POLL_MS = 200;

interface ProviderAnswers {
  /** What the provider would refuse: the request fails with 400 naming each field. */
  refusals: ProviderPreflightProblem[];
  /** Lookups that failed or gave no answer: warnings, never a refusal. */
  warnings: PreflightProblem[];
}

const reasonOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * The provider's own pre-flight of a planned job (the models it trains, their limits). A lookup
 * that fails does not block the job: the provider still checks it when it is created.
 */
async function providerRefusals(api: FineTuningApi, job: PlannedJob): Promise<ProviderAnswers> {
  if (!api.preflight) return { refusals: [], warnings: [] };
  try {
    return { refusals: await api.preflight(job), warnings: [] };
  } catch (error) {
    return {
      refusals: [],
      warnings: [
        {
          code: 'preflight_unavailable',
          message: `the provider's models and limits could not be read (${reasonOf(error)}); it checks the job when it is created`,
          blocking: false,
        },
      ],
    };
  }
}

/**
 * Refuses (400 preflight_failed) what the provider would refuse, naming each request field; the
 * model's field is `modelField` (the parent's, when the base is a parent's model). Answers the
 * warnings of lookups that failed.
 */
export async function refuseWhatProviderWould(
  api: FineTuningApi,
  job: PlannedJob,
  modelField: string,
): Promise<PreflightProblem[]> {
  const { refusals, warnings } = await providerRefusals(api, job);
  if (refusals.length === 0) return warnings;
  throw errors.preflightFailed(
    refusals.map((refusal) => ({
      field: refusal.field === 'base_model' ? modelField : `body.${refusal.field}`,
      message: refusal.message,
    })),
    { problems: refusals.map(({ code, message }) => ({ code, message, blocking: true })) },
    'The provider would refuse this fine-tune.',
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The provider's price for the job, for a provider that estimates one from an uploaded file
 * (Together): the training file is uploaded, priced once validated, and deleted again. Undefined
 * (with a warning) when there is no estimate; then the price table's is used.
 */
export async function providerPrice(
  api: FineTuningApi,
  job: PlannedJob,
  file: { content: Buffer; filename: string },
): Promise<{ usd?: number; warning?: PreflightProblem }> {
  const { estimatePrice, deleteFile } = api;
  if (!estimatePrice || !deleteFile) return {};
  const unavailable = (reason: string) => ({
    warning: {
      code: 'provider_estimate_unavailable' as const,
      message: `the provider gave no price estimate (${reason}); the cost is the price table's`,
      blocking: false,
    },
  });
  let fileId: string | undefined;
  try {
    fileId = await api.uploadTrainingFile(file.content, file.filename);
    const deadline = Date.now() + PRICE_FILE_WAIT_MS;
    let status = await api.fileStatus(fileId);
    while (status.status !== 'processed' && status.status !== 'error' && Date.now() < deadline) {
      await sleep(PRICE_FILE_POLL_MS);
      status = await api.fileStatus(fileId);
    }
    if (status.status === 'error') return unavailable(`the file was refused: ${status.details ?? 'no reason given'}`);
    const estimate = await estimatePrice(job, fileId);
    return estimate.available ? { usd: estimate.usd } : unavailable(estimate.reason);
  } catch (error) {
    return unavailable(reasonOf(error));
  } finally {
    // Best effort: a file left behind costs nothing to train with and is listed at the provider.
    if (fileId) await deleteFile(fileId).catch(() => undefined);
  }
}
