import type { ComponentChildren } from 'preact';
import type { Resource } from '../use-resource.js';
import { ProblemView } from './problem-view.js';

/** The three states of anything loaded: loading, failed (with the API's problem), or shown. */
export function Loaded<T>({ resource, children }: { resource: Resource<T>; children: (data: T) => ComponentChildren }) {
  if (resource.data !== undefined) {
    return (
      <>
        {resource.error ? <ProblemView error={resource.error} /> : null}
        {children(resource.data)}
      </>
    );
  }
  if (resource.error) return <ProblemView error={resource.error} />;
  return <p class="hint">Loading…</p>;
}
