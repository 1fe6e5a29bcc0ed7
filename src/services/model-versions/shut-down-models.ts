import { dayOf, LIFECYCLE_TABLE_DATE, shutDownBy } from '../../domain/model-lifecycle.js';
import { errors } from '../../errors.js';

/**
 * Refuses (400 model_shut_down) work on a model past its shutdown date, pointing at the request
 * field that chose the model. Checked before anything is written or sent, so nothing is billed.
 */
export function refuseShutDownModel(model: string, field: string, now: Date = new Date()): void {
  const date = shutDownBy(model, dayOf(now));
  if (date !== undefined) throw errors.modelShutDown(model, date, field, LIFECYCLE_TABLE_DATE);
}
