/** OpenAI's most epochs a job may run (hyperparameters.n_epochs ≤ 50). */
const MAX_EPOCHS = 50;
/** Our token counts approximate the provider's; allow it to count up to twice as many. */
const TOKENIZER_SLACK = 2;
/** What the trained_tokens column (Postgres integer) can hold. */
const MAX_STORABLE = 2_147_483_647;

export interface TrainedTokensCheck {
  /** The count to record and price, or null when the provider's figure cannot be believed. */
  tokens: number | null;
  /** Why the figure was set aside, to record as an event; null when it was fine (or absent). */
  oddity: string | null;
}

/**
 * The spec types `trained_tokens` as a bare integer, so a provider may answer a negative or an
 * absurd one. Trust it only when it is a whole number from 0 up to what the job could have
 * trained: the estimated tokens per epoch times the most epochs a job may run, with slack for our
 * tokenizer. Anything else would price a negative or a huge cost (or overflow the column).
 */
export function checkTrainedTokens(
  reported: number | null,
  estimate: { billableTokens?: number; epochs?: number } | null,
): TrainedTokensCheck {
  if (reported === null) return { tokens: null, oddity: null };
  const perEpoch = estimate?.billableTokens && estimate.epochs ? estimate.billableTokens / estimate.epochs : null;
  const ceiling = perEpoch ? Math.min(MAX_STORABLE, Math.ceil(perEpoch * MAX_EPOCHS * TOKENIZER_SLACK)) : MAX_STORABLE;
  if (!Number.isSafeInteger(reported) || reported < 0) {
    return {
      tokens: null,
      oddity: `The provider reported trained_tokens ${reported}, which is not a token count; no cost is recorded.`,
    };
  }
  if (reported > ceiling) {
    return {
      tokens: null,
      oddity: `The provider reported trained_tokens ${reported}, more than this job could train (at most ${ceiling}); no cost is recorded.`,
    };
  }
  return { tokens: reported, oddity: null };
}
