import { newRow, type DatasetRow, type Split } from './rows.js';

export interface FeedbackItem {
  /** exampleIdOf(text): predictions keep it even when they do not keep the text. */
  inputHash: string;
  text: string | null;
  label: string;
}

export interface FeedbackMergeReport {
  feedback: number;
  /** Rows whose label changed to the feedback's. */
  relabeled: number;
  /** Rows that already had the feedback's label, now vouched for by feedback. */
  confirmed: number;
  /** New rows for inputs the version did not have. */
  added: number;
  /** Feedback on inputs the version lacks and whose text was not logged (the task opted out). */
  skipped_without_text: number;
}

/**
 * Production feedback folded into a version: an input the version already has takes the
 * feedback's label (label source `feedback`) wherever it appears; an input it lacks is appended,
 * in `split`. Feedback items come oldest first; the latest word on an input wins.
 */
export function mergeFeedback(
  rows: readonly DatasetRow[],
  feedback: readonly FeedbackItem[],
  options: { split: Split | null },
): { rows: DatasetRow[]; report: FeedbackMergeReport } {
  const latest = new Map<string, FeedbackItem>();
  for (const item of feedback) latest.set(item.inputHash, item);
  const report: FeedbackMergeReport = {
    feedback: latest.size,
    relabeled: 0,
    confirmed: 0,
    added: 0,
    skipped_without_text: 0,
  };
  const present = new Set<string>();
  const merged = rows.map((row) => {
    const item = latest.get(row.exampleId);
    if (!item) return row;
    present.add(row.exampleId);
    if (row.label === item.label) report.confirmed++;
    else report.relabeled++;
    return { ...row, label: item.label, labelSource: 'feedback' as const, confidence: null };
  });
  for (const item of latest.values()) {
    if (present.has(item.inputHash)) continue;
    if (item.text === null) {
      report.skipped_without_text++;
      continue;
    }
    merged.push({ ...newRow(item.text, item.label, 'feedback'), split: options.split });
    report.added++;
  }
  return { rows: merged, report };
}
