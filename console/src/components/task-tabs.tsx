import { useLocation } from 'preact-iso';

const SECTIONS = [
  ['', 'Overview'],
  ['/datasets', 'Datasets'],
  ['/label-runs', 'Label runs'],
  ['/fine-tunes', 'Fine-tunes'],
  ['/evaluations', 'Evaluations'],
  ['/pipelines', 'Pipelines'],
  ['/leaderboard', 'Leaderboard'],
  ['/cost-projections', 'Cost projections'],
] as const;

/** The sections of one task; `task` is its slug or id (the API takes either). */
export function TaskTabs({ task, title }: { task: string; title?: string }) {
  const { path } = useLocation();
  const base = `/console/tasks/${encodeURIComponent(task)}`;
  return (
    <nav class="tabs" aria-label="Task sections">
      <span class="task-name">{title ?? task}</span>
      {SECTIONS.map(([suffix, name]) => (
        <a key={suffix} href={base + suffix} aria-current={path === base + suffix ? 'page' : undefined}>
          {name}
        </a>
      ))}
    </nav>
  );
}
