import type { TunelineClient } from '@tuneline/client';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { useSession } from './session.js';

export interface Resource<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  /** Loads again (after a change the page made, or on a timer). */
  reload(): void;
}

/**
 * What a page reads from the API: loads when `deps` change, keeps the last data while reloading
 * (so a refreshed chart does not flash), and drops answers that arrive after a newer request.
 */
export function useResource<T>(load: (client: TunelineClient) => Promise<T>, deps: unknown[]): Resource<T> {
  const { client } = useSession();
  const [state, setState] = useState<{ data?: T; error: unknown; loading: boolean }>({ error: null, loading: true });
  const [generation, setGeneration] = useState(0);
  const reload = useCallback(() => setGeneration((value) => value + 1), []);

  // The caller names what `load` depends on in `deps`.
  useEffect(() => {
    let current = true;
    setState((previous) => ({ ...previous, loading: true }));
    load(client).then(
      (data) => current && setState({ data, error: null, loading: false }),
      (error: unknown) => current && setState((previous) => ({ ...previous, error, loading: false })),
    );
    return () => {
      current = false;
    };
  }, [client, generation, ...deps]);

  return { ...state, data: state.data, reload };
}

/** Reloads a resource every `ms` while the page is open (monitoring figures, queues). */
export function useInterval(callback: () => void, ms: number | null): void {
  useEffect(() => {
    if (ms === null) return;
    const timer = setInterval(callback, ms);
    return () => clearInterval(timer);
  }, [callback, ms]);
}
