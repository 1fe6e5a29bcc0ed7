/**
 * A continuously refilling token bucket: it holds up to `capacity` and refills `capacity` per
 * `windowMs` (a minute for OpenAI's RPM / TPM, a second for Together's RPS / TPS), so a burst may
 * use the whole window's allowance, then capacity trickles back. An unenforced bucket still
 * counts, so rate-limit headers stay meaningful, but the limiter never refuses on it.
 */
export class TokenBucket {
  private level: number;
  private updatedAt: number;

  constructor(
    readonly capacity: number,
    readonly enforced: boolean,
    now: number,
    private readonly windowMs = 60_000,
  ) {
    this.level = capacity;
    this.updatedAt = now;
  }

  private get ratePerMs(): number {
    return this.capacity / this.windowMs;
  }

  available(now: number): number {
    if (now > this.updatedAt) {
      this.level = Math.min(this.capacity, this.level + (now - this.updatedAt) * this.ratePerMs);
      this.updatedAt = now;
    }
    return this.level;
  }

  take(amount: number, now: number): void {
    this.level = this.available(now) - amount;
  }

  msUntil(amount: number, now: number): number {
    const missing = amount - this.available(now);
    return missing <= 0 ? 0 : missing / this.ratePerMs;
  }

  msUntilFull(now: number): number {
    return (this.capacity - this.available(now)) / this.ratePerMs;
  }
}
