const GOOD = new Set(['completed', 'succeeded']);
const BAD = new Set(['failed', 'cancelled', 'refused', 'blocked']);

/** A job's status as a badge: green when it ended well, red when it did not, grey while under way. */
export function StatusBadge({ status }: { status: string }) {
  const tone = GOOD.has(status) ? ' good' : BAD.has(status) ? ' bad' : '';
  return (
    <span class={`badge${tone}`} data-testid="status">
      {status}
    </span>
  );
}
