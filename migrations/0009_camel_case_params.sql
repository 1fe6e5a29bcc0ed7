-- Label runs and pipelines now store what was asked in the services' camelCase shape (the API maps
-- its snake_case requests at the edge, and back for responses). Rows written before hold the
-- request as it came: convert them. A key that was absent stays absent (jsonb_strip_nulls; these
-- requests never hold a null), except a pipeline's baseline, which is stored as null when unset.
UPDATE "label_runs" SET "params" = jsonb_strip_nulls(jsonb_build_object(
  'provider', "params" -> 'provider',
  'model', "params" -> 'model',
  'mode', "params" -> 'mode',
  'k', "params" -> 'k',
  'seed', "params" -> 'seed',
  'instructions', "params" -> 'instructions',
  'onlyUnlabeled', "params" -> 'only_unlabeled',
  'refine', CASE WHEN "params" ? 'refine' THEN jsonb_build_object(
    'negativeLabel', "params" #> '{refine,negative_label}',
    'minConfidence', "params" #> '{refine,min_confidence}'
  ) END,
  'limits', CASE WHEN "params" ? 'limits' THEN jsonb_build_object(
    'maxExamples', "params" #> '{limits,max_examples}',
    'maxCostUsd', "params" #> '{limits,max_cost_usd}'
  ) END,
  'rateLimit', "params" -> 'rate_limit',
  'lowConfidenceThreshold', "params" -> 'low_confidence_threshold'
))
WHERE NOT "params" ? 'onlyUnlabeled';
--> statement-breakpoint
UPDATE "pipelines" SET "params" = jsonb_build_object(
  'datasetVersionId', "params" -> 'dataset_version_id',
  'prepare', "params" -> 'prepare',
  'candidates', COALESCE((
    SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
      'provider', candidate -> 'provider',
      'baseModel', candidate -> 'base_model',
      'hyperparameters', candidate -> 'hyperparameters',
      'suffix', candidate -> 'suffix',
      'seed', candidate -> 'seed',
      'parentModelVersionId', candidate -> 'parent_model_version_id'
    )) ORDER BY position)
    FROM jsonb_array_elements("params" -> 'candidates') WITH ORDINALITY AS listed(candidate, position)
  ), '[]'::jsonb),
  'baselineModelVersionId', COALESCE("params" -> 'baseline_model_version_id', 'null'::jsonb)
) || CASE WHEN "params" ? 'label' THEN jsonb_build_object('label', jsonb_strip_nulls(jsonb_build_object(
  'provider', "params" #> '{label,provider}',
  'model', "params" #> '{label,model}',
  'mode', "params" #> '{label,mode}',
  'k', "params" #> '{label,k}',
  'fewShotExamples', "params" #> '{label,few_shot_examples}',
  'seed', "params" #> '{label,seed}',
  'instructions', "params" #> '{label,instructions}',
  'refine', CASE WHEN "params" -> 'label' ? 'refine' THEN jsonb_build_object(
    'negativeLabel', "params" #> '{label,refine,negative_label}',
    'minConfidence', "params" #> '{label,refine,min_confidence}'
  ) END,
  'limits', CASE WHEN "params" -> 'label' ? 'limits' THEN jsonb_build_object(
    'maxExamples', "params" #> '{label,limits,max_examples}',
    'maxCostUsd', "params" #> '{label,limits,max_cost_usd}'
  ) END,
  'rateLimit', "params" #> '{label,rate_limit}',
  'lowConfidenceThreshold', "params" #> '{label,low_confidence_threshold}'
))) ELSE '{}'::jsonb END
WHERE "params" ? 'dataset_version_id';
