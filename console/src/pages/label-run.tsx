import { newIdempotencyKey, type StreamEvent, unwrap } from '@tuneline/client';
import { useRoute } from 'preact-iso';
import { AgreementTable } from '../components/agreement-table.js';
import { Figure } from '../components/figure.js';
import { JobActions } from '../components/job-actions.js';
import { ProblemView } from '../components/problem-view.js';
import { ProgressBar } from '../components/progress-bar.js';
import { StatusBadge } from '../components/status-badge.js';
import { count, duration, shortId, usd, when } from '../format.js';
import { useSession } from '../session.js';
import { useLive } from '../use-live.js';
import './jobs.css';

type LabelRun = StreamEvent<'/v1/label-runs/{run}/stream'>['state'];

export function LabelRunPage() {
  const { run: id } = useRoute().params as { run: string };
  const { client } = useSession();
  const live = useLive('/v1/label-runs/{run}/stream', { path: { run: id } });
  const run = live.state;
  const path = { run: id };

  if (!run?.id) return live.error ? <ProblemView error={live.error} /> : <p class="hint">Loading…</p>;
  const under = run.status === 'queued' || run.status === 'running';
  return (
    <section>
      <div class="job-head">
        <h1>Label run {shortId(run.id)}</h1>
        <StatusBadge status={run.status} />
        <span class="live-note">{live.ended ? 'ended' : 'live'}</span>
      </div>
      <p class="hint">
        {run.provider} · {run.model} · {run.mode} · labels{' '}
        <a href={`/console/dataset-versions/${run.source_version_id}`}>version {shortId(run.source_version_id)}</a>
        {run.result_version_id ? (
          <>
            {' '}
            into{' '}
            <a href={`/console/dataset-versions/${run.result_version_id}`}>version {shortId(run.result_version_id)}</a>
          </>
        ) : null}{' '}
        · started {when(run.started_at)} · finished {when(run.finished_at)}
      </p>
      <div class="job-progress">
        {/* Answered or given up on: a completed run reaches 100 % even when some rows failed. */}
        <ProgressBar done={run.done + run.failed} total={run.total} label="Label run progress" />
      </div>
      {live.error ? <ProblemView error={live.error} /> : null}
      {run.error ? (
        <div class="problem" role="alert">
          <strong>{run.error.code}</strong>: {run.error.message}
        </div>
      ) : null}
      {run.stop_reason ? <p class="hint">Stopped early: {run.stop_reason}</p> : null}
      <RunFigures run={run} />
      <JobActions
        onDone={live.restart}
        actions={[
          {
            name: 'Cancel',
            enabled: under,
            run: () => unwrap(client.POST('/v1/label-runs/{run}/cancel', { params: { path } })),
          },
          {
            name: 'Retry',
            enabled: run.status === 'failed',
            run: () =>
              unwrap(
                client.POST('/v1/label-runs/{run}/retry', { params: { path }, idempotencyKey: newIdempotencyKey() }),
              ),
          },
        ]}
      />
      <AgreementTable report={run.report} />
    </section>
  );
}

function RunFigures({ run }: { run: LabelRun }) {
  return (
    <div class="cards" data-testid="run-figures">
      <Figure testId="figure-total" name="rows" value={count(run.total)} />
      <Figure testId="figure-labeled" name="labeled" value={count(run.labeled)} />
      <Figure testId="figure-unparseable" name="unparseable" value={count(run.unparseable)} />
      <Figure testId="figure-failed" name="failed" value={count(run.failed)} />
      <Figure testId="figure-skipped" name="skipped" value={count(run.skipped)} />
      <Figure
        testId="figure-rate"
        name="rate"
        value={run.rate_per_minute === null ? '—' : `${count(run.rate_per_minute)} / min`}
        note="over the last 30 s"
      />
      <Figure testId="figure-eta" name="time left" value={duration(run.eta_seconds)} />
      <Figure
        testId="figure-cost"
        name="cost so far"
        value={usd(run.cost_usd)}
        note={`${count(run.input_tokens)} tokens in, ${count(run.output_tokens)} out`}
      />
    </div>
  );
}
