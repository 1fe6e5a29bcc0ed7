import { createTunelineClient, type ResponseBody, type TunelineClient, unwrap } from '@tuneline/client';
import { createContext, type ComponentChildren } from 'preact';
import { useContext, useEffect, useState } from 'preact/hooks';
import { ProblemView } from './components/problem-view.js';

export type CurrentKey = ResponseBody<'/v1/me', 'get'>;
type Scope = CurrentKey['scopes'][number];

export interface Session {
  client: TunelineClient;
  me: CurrentKey;
  signOut(): void;
}

// The browser session only: closing the tab forgets the key.
const STORAGE_KEY = 'tuneline.apiKey';

const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside <SignedIn>');
  return session;
}

// The same grants as src/domain/scopes.ts: write implies read, admin implies everything.
const IMPLIED: Record<Scope, readonly Scope[]> = {
  admin: ['admin', 'write', 'read', 'classify'],
  write: ['write', 'read'],
  read: ['read'],
  classify: ['classify'],
};

/** Whether the signed-in key may do what a scope allows; what it may not is hidden, not merely refused. */
export function useCan(scope: Scope): boolean {
  return useSession().me.scopes.some((held) => IMPLIED[held].includes(scope));
}

const clientFor = (apiKey: string) => createTunelineClient({ baseUrl: window.location.origin, apiKey });

/** Shows the sign-in form until a key the API accepts is given, then the children with a session. */
export function SignedIn({ children }: { children: ComponentChildren }) {
  const [session, setSession] = useState<Session | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [checking, setChecking] = useState(() => sessionStorage.getItem(STORAGE_KEY) !== null);

  const signIn = async (apiKey: string) => {
    setChecking(true);
    setError(null);
    try {
      const client = clientFor(apiKey);
      const me = await unwrap(client.GET('/v1/me'));
      sessionStorage.setItem(STORAGE_KEY, apiKey);
      setSession({
        client,
        me,
        signOut: () => {
          sessionStorage.removeItem(STORAGE_KEY);
          setSession(null);
        },
      });
    } catch (problem) {
      sessionStorage.removeItem(STORAGE_KEY);
      setError(problem);
    } finally {
      setChecking(false);
    }
  };

  useEffect(() => {
    const stored = sessionStorage.getItem(STORAGE_KEY);
    if (stored) void signIn(stored);
  }, []);

  if (session) return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
  return <SignInForm onSubmit={signIn} checking={checking} error={error} />;
}

function SignInForm(props: { onSubmit(key: string): void; checking: boolean; error: unknown }) {
  const [key, setKey] = useState('');
  return (
    <main class="sign-in">
      <h1>Tuneline</h1>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          props.onSubmit(key.trim());
        }}
      >
        <label>
          API key
          <input
            name="api-key"
            type="password"
            autocomplete="off"
            value={key}
            onInput={(event) => setKey(event.currentTarget.value)}
            required
          />
        </label>
        <button type="submit" disabled={props.checking || key.trim() === ''}>
          {props.checking ? 'Signing in…' : 'Sign in'}
        </button>
        <p class="hint">The key stays in this browser tab's session storage and is sent only to this API.</p>
        {props.error ? <ProblemView error={props.error} /> : null}
      </form>
    </main>
  );
}
