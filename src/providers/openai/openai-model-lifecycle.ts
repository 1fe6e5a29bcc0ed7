import type { LifecycleTable } from '../../domain/model-lifecycle.js';

/**
 * OpenAI's model shutdowns, read from its deprecations page
 * (developers.openai.com/api/docs/deprecations) as of 2026-11; the 2027-01-14 dates from reports
 * citing that page (see shared/openai-api-notes.md §0). Families stand for their snapshots
 * (gpt-3.5-turbo-0125, gpt-4o-mini-2024-07-18, gpt-4o-2024-08-06, gpt-4.1-2025-04-14 …) as the
 * page groups them; an exact entry wins (gpt-3.5-turbo-1106 went earlier than its family).
 * gpt-4.1-nano and the o-series have no date. The live `shutdown_date` of GET /models adds to it.
 */
export const OPENAI_LIFECYCLE: LifecycleTable = {
  date: '2026-11-22',
  models: {
    'babbage-002': { shutdown: '2026-09-28', fineTunes: '2026-10-23' },
    'davinci-002': { shutdown: '2026-09-28', fineTunes: '2026-10-23' },
    'gpt-3.5-turbo-instruct': { shutdown: '2026-09-28' },
    // Its fine-tunes are "fine-tuned gpt-3.5-turbo" models, which the page dates with the family.
    'gpt-3.5-turbo-1106': { shutdown: '2026-09-28', fineTunes: '2026-10-23' },
    'gpt-3.5-turbo': { shutdown: '2026-10-23' },
    'gpt-4o-mini': { shutdown: '2027-01-14' },
    'gpt-4o': { shutdown: '2027-01-14' },
    'gpt-4.1': { shutdown: '2027-01-14' },
    'gpt-4.1-mini': { shutdown: '2027-01-14' },
  },
};
