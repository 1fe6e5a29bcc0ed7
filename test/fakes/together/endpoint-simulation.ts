import type { EndpointTiming } from './options.js';

/**
 * A dedicated endpoint's life, driven lazily by the clock like the fine-tuning jobs: a schedule
 * of (time, state) entries, PENDING → STARTING → STARTED on start, STOPPING → STOPPED on stop.
 * A change of mind drops the entries not yet reached and schedules from the current state.
 * `inactive_timeout` stops a started endpoint that has served nothing for that many minutes.
 */

export type EndpointState = 'PENDING' | 'STARTING' | 'STARTED' | 'STOPPING' | 'STOPPED' | 'ERROR';

export interface Autoscaling {
  min_replicas: number;
  max_replicas: number;
}

export interface EndpointRecord {
  id: string;
  name: string;
  displayName: string;
  model: string;
  hardware: string;
  owner: string;
  autoscaling: Autoscaling;
  /** Minutes; null or 0 never stops it. */
  inactiveTimeout: number | null;
  createdAtMs: number;
  schedule: { atMs: number; state: EndpointState }[];
  /** When it last served a request (or started); drives `inactive_timeout`. */
  lastActiveMs: number;
  /** faults.endpointErrors at creation: starting ends in ERROR. */
  failsToStart: boolean;
}

const RUNNING: ReadonlySet<EndpointState> = new Set(['PENDING', 'STARTING', 'STARTED']);

export function endpointState(endpoint: EndpointRecord, now: number, timing: EndpointTiming): EndpointState {
  stopIfIdle(endpoint, now, timing);
  let state: EndpointState = endpoint.schedule[0]?.state ?? 'STOPPED';
  for (const entry of endpoint.schedule) if (entry.atMs <= now) state = entry.state;
  return state;
}

export function startEndpoint(endpoint: EndpointRecord, now: number, timing: EndpointTiming): void {
  if (RUNNING.has(endpointState(endpoint, now, timing))) return;
  endpoint.schedule = endpoint.schedule.filter((entry) => entry.atMs <= now);
  const startedAt = now + timing.pendingMs + timing.startingMs;
  endpoint.schedule.push(
    { atMs: now, state: 'PENDING' },
    { atMs: now + timing.pendingMs, state: 'STARTING' },
    { atMs: startedAt, state: endpoint.failsToStart ? 'ERROR' : 'STARTED' },
  );
  endpoint.lastActiveMs = startedAt;
}

export function stopEndpoint(endpoint: EndpointRecord, now: number, timing: EndpointTiming): void {
  const state = endpointState(endpoint, now, timing);
  if (state === 'STOPPED' || state === 'STOPPING') return;
  endpoint.schedule = endpoint.schedule.filter((entry) => entry.atMs <= now);
  endpoint.schedule.push({ atMs: now, state: 'STOPPING' }, { atMs: now + timing.stoppingMs, state: 'STOPPED' });
}

function stopIfIdle(endpoint: EndpointRecord, now: number, timing: EndpointTiming): void {
  if (!endpoint.inactiveTimeout) return;
  const last = endpoint.schedule.at(-1);
  if (last?.state !== 'STARTED') return;
  const idleAt = Math.max(endpoint.lastActiveMs, last.atMs) + endpoint.inactiveTimeout * 60_000;
  if (now >= idleAt)
    endpoint.schedule.push({ atMs: idleAt, state: 'STOPPING' }, { atMs: idleAt + timing.stoppingMs, state: 'STOPPED' });
}

export function endpointObject(endpoint: EndpointRecord, state: EndpointState) {
  return {
    object: 'endpoint' as const,
    id: endpoint.id,
    name: endpoint.name,
    display_name: endpoint.displayName,
    model: endpoint.model,
    hardware: endpoint.hardware,
    type: 'dedicated' as const,
    owner: endpoint.owner,
    state,
    autoscaling: endpoint.autoscaling,
    created_at: new Date(endpoint.createdAtMs).toISOString(),
  };
}
