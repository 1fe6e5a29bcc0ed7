export { brierScore, expectedCalibrationError, logLoss, type CalibrationScore, type ProbabilityRow } from './calibration.js';
export { classificationReport, type AverageScores, type ClassificationReport, type ClassScores } from './classification-report.js';
export { confusionMatrix } from './confusion-matrix.js';
export { costPerThousand, summariseUsage, type UsageRow, type UsageSummary } from './cost.js';
export { evaluatePredictions, type EvaluationInput, type EvaluationMetrics, type EvaluationRow } from './evaluate.js';
export { latencyPercentiles, percentile, type LatencySummary } from './latency.js';
export { mcnemar, type McNemarResult } from './mcnemar.js';
export { goodVsBadAccuracy, oneOffAccuracy } from './ordinal.js';
export { formatClassificationReport, formatConfusionMatrix } from './report-text.js';
