import { randomBytes } from 'node:crypto';
import { randomId } from '../shared/random.js';

export { randomId, seededRandom, unixSeconds } from '../shared/random.js';

/** Id prefixes follow notes §1. */
export const ids = {
  file: () => `file-${randomId(22)}`,
  job: () => `ftjob-${randomId(24)}`,
  event: () => `ftevent-${randomId(24)}`,
  checkpoint: () => `ftckpt_${randomId(24)}`,
  chatCompletion: () => `chatcmpl-${randomId(29)}`,
  completion: () => `cmpl-${randomId(29)}`,
  request: () => `req_${randomBytes(16).toString('hex')}`,
  modelSuffix: () => randomId(8),
};
