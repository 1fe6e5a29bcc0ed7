/**
 * Training hyperparameters under the names the API gives them, which are the hosted providers'
 * own (n_epochs, ...) and the local trainer's; stored as given (fine_tunes.hyperparameters).
 */
export interface FineTuneHyperparameters {
  n_epochs?: number | 'auto';
  batch_size?: number | 'auto';
  learning_rate_multiplier?: number | 'auto';
  /** Local trainer only. */
  epochs?: number;
  regularization?: number;
}

/**
 * What a fine-tune is asked to do. The API's snake_case request becomes this at the HTTP edge;
 * `Provider` narrows to the registered providers' names in services.
 */
export interface FineTuneRequest<Provider extends string = string> {
  /** Trains on its train split; validates on its validation split. */
  datasetVersionId: string;
  provider: Provider;
  /** Hosted base model; default the trainer's. */
  baseModel?: string;
  hyperparameters?: FineTuneHyperparameters;
  suffix?: string;
  seed?: number;
  /** Continue training this model on newer data. */
  parentModelVersionId?: string;
  /** Only check the data and estimate epochs, tokens and cost. */
  dryRun?: boolean;
  /** False: chat training examples leave out the system message; default as the parent model was trained, else true. */
  systemMessage?: boolean;
}
