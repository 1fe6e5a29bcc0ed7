/**
 * Accuracy and speed of the local trainer (src/providers/local/trainer) on labelled JSONL files.
 *
 *   npx tsx bench/local-trainer.ts <file.jsonl> [more files...]
 *
 * Each file holds `{"text", "label"}` lines (lines without a string label are skipped). Rows are
 * split 80/20 per label with a fixed seed; the model trains on the 80 % with default options and
 * is scored on the 20 %. Benchmark files come from bench/datasets/make-*.ts (written to /tmp).
 */
import { readFileSync } from 'node:fs';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { serializeArtifact } from '../src/providers/local/trainer/artifact.js';
import { predictBatch } from '../src/providers/local/trainer/trained-classifier.js';
import { trainLocalModel, type LabeledText } from '../src/providers/local/trainer/trainer.js';

const SEED = 1234;
const TEST_FRACTION = 0.2;

function readRows(path: string): LabeledText[] {
  const rows: LabeledText[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const row = JSON.parse(line) as { text?: unknown; label?: unknown };
    if (typeof row.text === 'string' && typeof row.label === 'string' && row.label !== '')
      rows.push({ text: row.text, label: row.label });
  }
  return rows;
}

/** Per label: shuffle with a fixed seed, the first 20 % (rounded) go to test. */
function stratifiedSplit(rows: LabeledText[]): { train: LabeledText[]; test: LabeledText[] } {
  const rng = xoroshiro128plus(SEED);
  const byLabel = new Map<string, LabeledText[]>();
  for (const row of rows) byLabel.set(row.label, [...(byLabel.get(row.label) ?? []), row]);
  const train: LabeledText[] = [];
  const test: LabeledText[] = [];
  for (const label of [...byLabel.keys()].sort()) {
    const members = byLabel.get(label) ?? [];
    for (let i = members.length - 1; i > 0; i--) {
      const j = uniformInt(rng, 0, i);
      [members[i], members[j]] = [members[j] as LabeledText, members[i] as LabeledText];
    }
    const cut = Math.round(members.length * TEST_FRACTION);
    test.push(...members.slice(0, cut));
    train.push(...members.slice(cut));
  }
  return { train, test };
}

/** scikit-learn's f1_score(average='macro', zero_division=0): over labels in truth or predictions. */
function macroF1(truth: string[], predicted: string[]): number {
  const labels = [...new Set([...truth, ...predicted])];
  const scores = labels.map((label) => {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    truth.forEach((actual, i) => {
      const guess = predicted[i];
      if (guess === label && actual === label) tp++;
      else if (guess === label) fp++;
      else if (actual === label) fn++;
    });
    return tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
  });
  return scores.reduce((a, b) => a + b, 0) / labels.length;
}

/** Top-label expected calibration error over 10 equal-width confidence bins. */
function calibrationError(confidences: number[], correct: boolean[]): number {
  const bins = Array.from({ length: 10 }, () => ({ count: 0, confidence: 0, correct: 0 }));
  confidences.forEach((confidence, i) => {
    const bin = bins[Math.min(9, Math.floor(confidence * 10))]!;
    bin.count++;
    bin.confidence += confidence;
    bin.correct += correct[i] ? 1 : 0;
  });
  return bins.reduce((sum, bin) => sum + Math.abs(bin.confidence - bin.correct), 0) / confidences.length;
}

const percent = (value: number) => `${(value * 100).toFixed(1)} %`;

function bench(path: string) {
  const rows = readRows(path);
  const { train, test } = stratifiedSplit(rows);
  const labels = [...new Set(rows.map((row) => row.label))].sort();
  const counts = new Map<string, number>();
  for (const row of train) counts.set(row.label, (counts.get(row.label) ?? 0) + 1);
  const majority = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0];
  const majorityAccuracy = test.filter((row) => row.label === majority).length / test.length;

  const started = performance.now();
  const { artifact, summary } = trainLocalModel({ train, labels });
  const trainSeconds = (performance.now() - started) / 1000;
  const bytes = serializeArtifact(artifact).length;

  predictBatch(
    artifact,
    test.slice(0, 1).map((row) => row.text),
  ); // load the model outside the timing
  const predictStarted = performance.now();
  const predictions = predictBatch(
    artifact,
    test.map((row) => row.text),
  );
  const microsPerRow = ((performance.now() - predictStarted) * 1000) / test.length;
  const truth = test.map((row) => row.label);
  const predicted = predictions.map((prediction) => prediction.label);
  const accuracy = truth.filter((label, i) => label === predicted[i]).length / truth.length;
  const logLoss =
    -predictions.reduce(
      (sum, prediction, i) => sum + Math.log(Math.max(prediction.probabilities[truth[i]!] ?? 0, 1e-15)),
      0,
    ) / predictions.length;
  const ece = calibrationError(
    predictions.map((prediction) => prediction.confidence),
    predicted.map((label, i) => label === truth[i]),
  );

  console.log(`\n${path}`);
  console.log(`  rows ${rows.length} (train ${train.length}, test ${test.length}), labels ${labels.length}`);
  console.log(`  majority baseline  ${percent(majorityAccuracy)}`);
  console.log(`  accuracy           ${percent(accuracy)}`);
  console.log(`  macro-F1           ${percent(macroF1(truth, predicted))}`);
  console.log(`  calibration        log loss ${logLoss.toFixed(3)}, expected calibration error ${percent(ece)}`);
  console.log(
    `  training           ${trainSeconds.toFixed(2)} s (${summary.epochs} epochs in the final fit; chosen ${JSON.stringify(summary.chosen)})`,
  );
  console.log(`  prediction         ${microsPerRow.toFixed(0)} µs/row`);
  console.log(
    `  model              ${bytes} bytes serialised (${(bytes / 1e6).toFixed(2)} MB), ${summary.vocabulary} features`,
  );
  return {
    path,
    rows: rows.length,
    labels: labels.length,
    majorityAccuracy,
    accuracy,
    macroF1: macroF1(truth, predicted),
    trainSeconds,
    microsPerRow,
    bytes,
  };
}

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: npx tsx bench/local-trainer.ts <file.jsonl> [more files...]');
  process.exit(2);
}
const results = files.map(bench);
console.log('\n| file | rows | labels | majority | accuracy | macro-F1 | train s | µs/row | bytes |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of results) {
  console.log(
    `| ${r.path} | ${r.rows} | ${r.labels} | ${percent(r.majorityAccuracy)} | ${percent(r.accuracy)} | ${percent(r.macroF1)} | ${r.trainSeconds.toFixed(2)} | ${r.microsPerRow.toFixed(0)} | ${r.bytes} |`,
  );
}
