/** One headline figure in a card: its name, the value, and an optional note under it. */
export function Figure({
  name,
  value,
  note,
  testId,
}: {
  name: string;
  value: string;
  note?: string | undefined;
  testId?: string;
}) {
  return (
    <div class="card" data-testid={testId}>
      <div class="card-title">{name}</div>
      <div class="card-value">{value}</div>
      {note ? <div class="hint">{note}</div> : null}
    </div>
  );
}
