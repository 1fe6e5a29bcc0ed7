import type { FineTuneHyperparameters } from '../../domain/training/fine-tune-request.js';
import type { HostedHyperparameters } from '../../providers/provider.js';

/** The provider's hyperparameters only (the local trainer's are not sent), each defaulting to `auto`. */
export function hostedHyperparameters(given: FineTuneHyperparameters = {}): HostedHyperparameters {
  return {
    n_epochs: given.n_epochs ?? 'auto',
    batch_size: given.batch_size ?? 'auto',
    learning_rate_multiplier: given.learning_rate_multiplier ?? 'auto',
  };
}
