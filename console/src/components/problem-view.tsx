import { TunelineProblem } from '@tuneline/client';

/** An API problem as the person can act on it: what went wrong, which field, and the request id to quote. */
export function ProblemView({ error }: { error: unknown }) {
  if (error instanceof TunelineProblem) {
    return (
      <div class="problem" role="alert">
        <strong>{error.title}</strong> ({error.status} {error.code}): {error.detail}
        {error.errors.length > 0 ? (
          <ul>
            {error.errors.map((field) => (
              <li key={field.field}>
                <code>{field.field}</code> {field.message}
              </li>
            ))}
          </ul>
        ) : null}
        {error.request_id ? <div class="hint">Request {error.request_id}</div> : null}
      </div>
    );
  }
  return (
    <div class="problem" role="alert">
      {error instanceof Error ? error.message : String(error)}
    </div>
  );
}
