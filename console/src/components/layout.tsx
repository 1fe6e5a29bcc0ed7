import type { ComponentChildren } from 'preact';
import { shortId } from '../format.js';
import { useSession } from '../session.js';

export function Layout({ children }: { children: ComponentChildren }) {
  const { me, signOut } = useSession();
  return (
    <div class="layout">
      <header class="top">
        <a class="brand" href="/console/">
          Tuneline
        </a>
        <span class="who" data-testid="signed-in-as">
          {me.key_id === 'bootstrap' ? 'bootstrap admin key' : `key ${shortId(me.key_id)}`} · {me.scopes.join(', ')}
          {me.task_ids ? ` · ${me.task_ids.length} task(s) only` : ''}
        </span>
        <button type="button" class="link" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main class="content">{children}</main>
    </div>
  );
}
