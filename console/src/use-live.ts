import type { StreamEvent, StreamParams, StreamPath } from '@tuneline/client';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { useSession } from './session.js';

export interface Live<S> {
  /** The resource as its stream tells it so far; `initial` until the first event. */
  state: S | undefined;
  /** The stream's `end` event arrived: the resource will not change any more. */
  ended: boolean;
  /** Why following stopped early (the API's problem, or the client giving up after reconnecting). */
  error: unknown;
  /** How many events arrived: changes for pages that reload what the stream does not carry. */
  events: number;
  /** Follows again from a fresh snapshot: after the page changed the resource (a retry re-opens an ended one). */
  restart(): void;
}

type StateOf<P extends StreamPath> = StreamEvent<P>['state'];

/**
 * Follows a resource's server-sent events while the page is open: the latest state, whether it
 * ended, and any error. Leaving the page aborts the stream, so no connection outlives it.
 * It starts again only when the params' values change (they are a fresh object on every render).
 */
export function useLive<P extends StreamPath>(
  path: P,
  params: StreamParams<P>,
  initial?: StateOf<P>,
): Live<StateOf<P>> {
  const { client } = useSession();
  const key = JSON.stringify(params);
  const [live, setLive] = useState<Omit<Live<StateOf<P>>, 'restart'> & { key: string }>({
    key,
    state: initial,
    ended: false,
    error: null,
    events: 0,
  });
  const [generation, setGeneration] = useState(0);
  const restart = useCallback(() => setGeneration((value) => value + 1), []);

  useEffect(() => {
    const controller = new AbortController();
    // A restart keeps the state shown until the new snapshot replaces it; another resource does not.
    setLive((previous) =>
      previous.key === key
        ? { ...previous, ended: false, error: null }
        : { key, state: initial, ended: false, error: null, events: 0 },
    );
    void (async () => {
      try {
        for await (const event of client.events(path, params, { signal: controller.signal })) {
          setLive((previous) => ({
            key,
            state: event.state,
            ended: event.event === 'end',
            error: null,
            events: previous.events + 1,
          }));
        }
      } catch (error) {
        if (!controller.signal.aborted) setLive((previous) => ({ ...previous, error }));
      }
    })();
    return () => controller.abort();
  }, [client, path, key, generation]);

  const { key: _followed, ...shown } = live;
  return { ...shown, restart };
}
