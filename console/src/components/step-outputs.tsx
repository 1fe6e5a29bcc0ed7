import { ProgressBar } from './progress-bar.js';
import { StatusBadge } from './status-badge.js';
import { decimal, shortId } from '../format.js';

type Outputs = Record<string, unknown>;
interface Candidate {
  provider: string;
  fine_tune_id?: string;
  status: string;
  model_version_id?: string | null;
  error?: string;
}
interface Evaluated {
  model_version_id: string;
  role: string;
  evaluation_id?: string;
  status: string;
  score?: number | null;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const list = <T,>(value: unknown): T[] => (Array.isArray(value) ? (value as T[]) : []);
const ENDED = new Set(['succeeded', 'failed', 'cancelled', 'refused', 'completed']);

const VersionLink = ({ id, name = 'version' }: { id: string | undefined; name?: string }) =>
  id ? (
    <li>
      {name}: <a href={`/console/dataset-versions/${id}`}>{shortId(id)}</a>
    </li>
  ) : null;

/**
 * What a pipeline step made, with links: the label run, the prepared version, each candidate's
 * fine-tune, each evaluation, the promotion decision. Outputs are the step's own JSON
 * (src/services/pipelines/pipeline-steps.ts), read defensively: a step still starting has few.
 */
export function StepOutputs({ name, outputs }: { name: string; outputs: Outputs }) {
  if (name === 'label') {
    const run = text(outputs['label_run_id']);
    const total = outputs['total'];
    return (
      <>
        {run && typeof total === 'number' && typeof outputs['done'] === 'number' ? (
          <ProgressBar done={outputs['done']} total={total} label="Label step progress" />
        ) : null}
        <ul>
          {run ? (
            <li>
              label run: <a href={`/console/label-runs/${run}`}>{shortId(run)}</a>
            </li>
          ) : null}
          {text(outputs['note']) ? <li>{text(outputs['note'])}</li> : null}
          <VersionLink id={text(outputs['version_id'])} name="labeled version" />
        </ul>
      </>
    );
  }
  if (name === 'prepare')
    return (
      <ul>
        <VersionLink id={text(outputs['from_version_id'])} name="from" />
        <VersionLink id={text(outputs['version_id'])} name="prepared version" />
      </ul>
    );
  if (name === 'train') {
    const candidates = list<Candidate>(outputs['candidates']);
    if (candidates.length === 0) return null;
    const ended = candidates.filter((candidate) => ENDED.has(candidate.status)).length;
    return (
      <>
        <ProgressBar done={ended} total={candidates.length} label="Train step progress" />
        <ul>
          {candidates.map((candidate, index) => (
            <li key={candidate.fine_tune_id ?? index}>
              {candidate.provider}:{' '}
              {candidate.fine_tune_id ? (
                <a href={`/console/fine-tunes/${candidate.fine_tune_id}`}>
                  fine-tune {shortId(candidate.fine_tune_id)}
                </a>
              ) : (
                'not started'
              )}{' '}
              <StatusBadge status={candidate.status} />
              {candidate.error ? <span class="hint"> {candidate.error}</span> : null}
            </li>
          ))}
        </ul>
      </>
    );
  }
  if (name === 'evaluate') {
    const evaluations = list<Evaluated>(outputs['evaluations']);
    if (evaluations.length === 0) return null;
    const ended = evaluations.filter((evaluation) => ENDED.has(evaluation.status)).length;
    return (
      <>
        <ProgressBar done={ended} total={evaluations.length} label="Evaluate step progress" />
        <ul>
          {evaluations.map((evaluation) => (
            <li key={`${evaluation.role}-${evaluation.model_version_id}`}>
              {evaluation.role} <code>{shortId(evaluation.model_version_id)}</code>:{' '}
              {evaluation.evaluation_id ? (
                <a href={`/console/evaluations/${evaluation.evaluation_id}`}>
                  evaluation {shortId(evaluation.evaluation_id)}
                </a>
              ) : (
                'not started'
              )}{' '}
              <StatusBadge status={evaluation.status} />
              {evaluation.score !== undefined && evaluation.score !== null
                ? ` ${text(outputs['metric']) ?? 'score'} ${decimal(evaluation.score)}`
                : ''}
            </li>
          ))}
        </ul>
      </>
    );
  }
  if (name === 'promote' && 'promoted' in outputs)
    return (
      <ul>
        <li>
          best candidate <code>{shortId(text(outputs['best_candidate']))}</code>
          {typeof outputs['best_score'] === 'number' ? ` (${decimal(outputs['best_score'])})` : ''}
        </li>
        <li>{outputs['promoted'] ? 'promoted to champion' : 'not promoted'}</li>
      </ul>
    );
  return null;
}
