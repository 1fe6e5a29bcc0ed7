/** A progress bar people and tests can read: the value is also in aria-valuenow and the text. */
export function ProgressBar({ done, total, label }: { done: number; total: number; label: string }) {
  const share = total > 0 ? Math.min(1, done / total) : 0;
  const shown = Math.floor(share * 100);
  return (
    <div
      class="progress"
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={shown}
    >
      <div class="progress-fill" style={{ width: `${share * 100}%` }} />
      <span class="progress-text">
        {shown} % ({done.toLocaleString('en-US')} / {total.toLocaleString('en-US')})
      </span>
    </div>
  );
}
