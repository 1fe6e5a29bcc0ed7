import { useState } from 'preact/hooks';
import { useCan } from '../session.js';
import { ProblemView } from './problem-view.js';

export interface JobAction {
  name: string;
  /** Whether the action makes sense in the job's current state (a finished run cannot be cancelled). */
  enabled: boolean;
  run(): Promise<unknown>;
}

/** Buttons that change a job (cancel, retry), for write keys only; a refusal shows the API's problem. */
export function JobActions({ actions, onDone }: { actions: JobAction[]; onDone(): void }) {
  const canWrite = useCan('write');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  if (!canWrite) return null;
  const act = async (action: JobAction) => {
    setBusy(true);
    setError(null);
    try {
      await action.run();
      onDone();
    } catch (problem) {
      setError(problem);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="job-actions" data-testid="job-actions">
      {actions.map((action) => (
        <button
          key={action.name}
          type="button"
          class="secondary"
          disabled={busy || !action.enabled}
          onClick={() => act(action)}
        >
          {action.name}
        </button>
      ))}
      {error ? <ProblemView error={error} /> : null}
    </div>
  );
}
