import { newIdempotencyKey, unwrap } from '@tuneline/client';
import { useRoute } from 'preact-iso';
import { JobActions } from '../components/job-actions.js';
import { ProblemView } from '../components/problem-view.js';
import { StatusBadge } from '../components/status-badge.js';
import { StepOutputs } from '../components/step-outputs.js';
import { duration, shortId, usd, when } from '../format.js';
import { useSession } from '../session.js';
import { useLive } from '../use-live.js';
import './jobs.css';

export function PipelinePage() {
  const { pipeline: id } = useRoute().params as { pipeline: string };
  const { client } = useSession();
  const path = { pipeline: id };
  const live = useLive('/v1/pipelines/{pipeline}/stream', { path });
  const pipeline = live.state;

  if (!pipeline?.id) return live.error ? <ProblemView error={live.error} /> : <p class="hint">Loading…</p>;
  return (
    <section>
      <div class="job-head">
        <h1>Pipeline {shortId(pipeline.id)}</h1>
        <StatusBadge status={pipeline.status} />
        <span class="live-note">{live.ended ? 'ended' : 'live'}</span>
      </div>
      <p class="hint">
        attempt {pipeline.attempt} · cost <span data-testid="pipeline-cost">{usd(pipeline.cost_usd)}</span> · created{' '}
        {when(pipeline.created_at)} · finished {when(pipeline.finished_at)}
        {pipeline.origin
          ? ` · started ${pipeline.origin.days_before} days before ${pipeline.origin.champion_model} shuts down (${pipeline.origin.shutdown_date})`
          : ''}
      </p>
      {live.error ? <ProblemView error={live.error} /> : null}
      {pipeline.error ? (
        <div class="problem" role="alert">
          {pipeline.error}
        </div>
      ) : null}
      {pipeline.outcome ? (
        <div class="card" data-testid="outcome">
          <div class="card-title">outcome</div>
          <div class="card-value">{pipeline.outcome.result.replace('_', ' ')}</div>
          <div class="hint">{pipeline.outcome.reason}</div>
        </div>
      ) : null}
      <JobActions
        onDone={live.restart}
        actions={[
          {
            name: 'Retry',
            enabled: pipeline.status === 'failed',
            run: () =>
              unwrap(
                client.POST('/v1/pipelines/{pipeline}/retry', {
                  params: { path },
                  idempotencyKey: newIdempotencyKey(),
                }),
              ),
          },
        ]}
      />
      <h2>Steps</h2>
      <ol class="steps" data-testid="steps">
        {pipeline.steps.map((step) => (
          <li key={step.name} data-testid={`step-${step.name}`}>
            <span class="step-name">{step.name}</span>
            <StatusBadge status={step.status} />
            <span class="hint">
              {' '}
              {step.attempts > 1 ? `${step.attempts} attempts · ` : ''}
              {step.duration_ms !== null ? duration(step.duration_ms / 1000) : when(step.started_at)}
              {step.cost_usd !== null ? ` · ${usd(step.cost_usd)}` : ''}
            </span>
            {step.error ? <div class="problem">{step.error}</div> : null}
            <StepOutputs name={step.name} outputs={step.outputs} />
          </li>
        ))}
      </ol>
    </section>
  );
}
