import type { DatasetRowsRepository } from '../../db/repositories/dataset-rows-repository.js';
import type { LabelRunsRepository } from '../../db/repositories/label-runs-repository.js';
import type { StoredRow } from '../../domain/datasets/rows.js';
import { confidenceFor } from '../../domain/labeling/apply-results.js';
import { DEFAULT_LOW_CONFIDENCE } from '../../domain/labeling/label-run-request.js';
import {
  confidentLearning,
  rankForReview,
  stratifiedFolds,
  type ConfidentLearningRow,
  type ReviewItem,
  type ReviewReason,
} from '../../domain/labeling/review-queue.js';
import { afterNumberCursor, encodeCursor } from '../../domain/pagination.js';
import { deserializeArtifact } from '../../providers/local/trainer/artifact.js';
import { predictBatch } from '../../providers/local/trainer/trained-classifier.js';
import { trainInWorker } from '../../providers/local/trainer/train-in-worker.js';
import type { DatasetsService } from './datasets-service.js';

/**
 * Cross-validation trains the local model once per fold, a few seconds on thousands of rows, so
 * it is bounded: at most MAX_CV_ROWS labeled rows (a larger version is ranked on the LLM's
 * answers alone and says so), run in a worker thread, and its result cached per version (versions
 * are immutable, so the out-of-fold probabilities never go stale; LLM answers are read fresh).
 */
export const MAX_CV_ROWS = 5_000;
export const FOLD_COUNT = 5;
const CV_SEED = 42;
/** Out-of-fold results of the versions seen last, per process. */
const CACHE_SIZE = 16;

export interface CrossValidation {
  status: 'ran' | 'skipped';
  folds: number;
  rows: number;
  /** Why it did not run: too many rows, too few rows or labels. */
  reason: string | null;
  thresholds: Record<string, number> | null;
}

interface OutOfFold {
  summary: CrossValidation;
  /** By row position. */
  rows: Map<number, ConfidentLearningRow>;
}

export interface ReviewQueueFilter {
  reason?: ReviewReason;
  label?: string;
  minScore?: number;
}

export const reviewQueueService = (deps: {
  datasets: Pick<DatasetsService, 'getVersion'>;
  datasetRowsRepo: Pick<DatasetRowsRepository, 'loadAll'>;
  labelRunsRepo: Pick<LabelRunsRepository, 'latestAnswersForVersion'>;
}) => {
  const cache = new Map<string, Promise<OutOfFold>>();

  async function crossValidate(labeled: StoredRow[], labels: string[]): Promise<OutOfFold> {
    const skipped = (reason: string): OutOfFold => ({
      summary: { status: 'skipped', folds: 0, rows: labeled.length, reason, thresholds: null },
      rows: new Map(),
    });
    if (labeled.length > MAX_CV_ROWS) return skipped(`more than ${MAX_CV_ROWS} labeled rows`);
    const present = new Set(labeled.map((row) => row.label!));
    if (present.size < 2) return skipped('fewer than two labels in use');
    if (labeled.length < FOLD_COUNT * 2) return skipped(`fewer than ${FOLD_COUNT * 2} labeled rows`);
    const given = labeled.map((row) => row.label!);
    const folds = stratifiedFolds(given, FOLD_COUNT, CV_SEED);
    const probabilities: number[][] = new Array(labeled.length);
    for (let fold = 0; fold < FOLD_COUNT; fold++) {
      const train = labeled.filter((_, i) => folds[i] !== fold).map((row) => ({ text: row.text, label: row.label! }));
      const heldOut = labeled.flatMap((row, i) => (folds[i] === fold ? [{ row, i }] : []));
      const trained = await trainInWorker({ train, labels, options: { seed: CV_SEED } });
      const predicted = predictBatch(
        deserializeArtifact(trained.artifact),
        heldOut.map(({ row }) => row.text),
      );
      heldOut.forEach(({ i }, k) => {
        probabilities[i] = labels.map((label) => predicted[k]!.probabilities[label] ?? 0);
      });
    }
    const learned = confidentLearning(given, probabilities, labels);
    return {
      summary: { status: 'ran', folds: FOLD_COUNT, rows: labeled.length, reason: null, thresholds: learned.thresholds },
      rows: new Map(labeled.map((row, i) => [row.position, learned.rows[i]!])),
    };
  }

  function cachedCrossValidation(versionId: string, labeled: StoredRow[], labels: string[]): Promise<OutOfFold> {
    const hit = cache.get(versionId);
    if (hit) return hit;
    const pending = crossValidate(labeled, labels);
    cache.set(versionId, pending);
    // A failed run is not cached: the next request tries again.
    pending.catch(() => cache.delete(versionId));
    if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
    return pending;
  }

  return {
    /**
     * A version's labeled rows that may be mislabeled, likeliest first, paged by rank. Ranks can
     * shift when a label run on the version finishes between pages.
     */
    async queue(
      versionId: string,
      filter: ReviewQueueFilter,
      page: { limit: number; cursor?: string; crossValidation: boolean; lowConfidence?: number },
    ): Promise<{ data: ReviewItem[]; nextCursor: string | null; crossValidation: CrossValidation }> {
      const version = await deps.datasets.getVersion(versionId);
      const after = afterNumberCursor(page.cursor) ?? -1;
      const labeled = (await deps.datasetRowsRepo.loadAll(version.id)).filter((row) => row.label !== null);
      const labels = [...new Set([...Object.keys(version.labelCodes), ...labeled.map((row) => row.label!)])].sort();
      const outOfFold = page.crossValidation
        ? await cachedCrossValidation(version.id, labeled, labels)
        : {
            summary: { status: 'skipped', folds: 0, rows: labeled.length, reason: 'not asked', thresholds: null },
            rows: new Map(),
          };
      const answers = new Map(
        (await deps.labelRunsRepo.latestAnswersForVersion(version.id)).map((answer) => [answer.exampleId, answer]),
      );
      const ranked = rankForReview(
        labeled.map((row) => {
          const answer = answers.get(row.exampleId);
          return {
            position: row.position,
            exampleId: row.exampleId,
            text: row.text,
            currentLabel: row.label!,
            labelSource: row.labelSource,
            llm: answer?.label
              ? {
                  label: answer.label,
                  confidence: answer.confidence,
                  confidenceForCurrent: confidenceFor({ ...answer, label: answer.label }, row.label!),
                }
              : undefined,
            outOfFold: outOfFold.rows.get(row.position),
          };
        }),
        page.lowConfidence ?? DEFAULT_LOW_CONFIDENCE,
      ).filter(
        (item) =>
          (filter.reason === undefined || item.reasons.includes(filter.reason)) &&
          (filter.label === undefined || item.currentLabel === filter.label) &&
          (filter.minScore === undefined || item.score >= filter.minScore),
      );
      const data = ranked.slice(after + 1, after + 1 + page.limit);
      const more = ranked.length > after + 1 + page.limit;
      return {
        data,
        nextCursor: more ? encodeCursor(after + page.limit) : null,
        crossValidation: outOfFold.summary as CrossValidation,
      };
    },
  };
};

export type ReviewQueueService = ReturnType<typeof reviewQueueService>;
