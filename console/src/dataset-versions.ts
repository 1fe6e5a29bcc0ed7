import type { PageItem, TunelineClient } from '@tuneline/client';

/** A dataset version as the API lists and shows it. */
export type DatasetVersion = PageItem<'/v1/datasets/{dataset}/versions'>;

/** Every version of a dataset, oldest first (lineage is drawn from the whole list, not one page). */
export async function allVersions(client: TunelineClient, dataset: string): Promise<DatasetVersion[]> {
  const versions: DatasetVersion[] = [];
  for await (const version of client.paginate('/v1/datasets/{dataset}/versions', {
    path: { dataset },
    query: { limit: 100 },
  }))
    versions.push(version);
  return versions.sort((a, b) => a.number - b.number);
}

/** The chain from the first version to `id`, following parents (a version's parent is in its dataset). */
export function parentChain(versions: DatasetVersion[], id: string): DatasetVersion[] {
  const byId = new Map(versions.map((version) => [version.id, version]));
  const chain: DatasetVersion[] = [];
  // Bounded by the list's length, so a corrupt cycle cannot hang the page.
  for (let current = byId.get(id); current && chain.length <= versions.length; ) {
    chain.unshift(current);
    current = current.parent_id ? byId.get(current.parent_id) : undefined;
  }
  return chain;
}

/** The versions as a tree in reading order: each version followed by those made from it, with its depth. */
export function lineageTree(versions: DatasetVersion[]): { version: DatasetVersion; depth: number }[] {
  const ids = new Set(versions.map((version) => version.id));
  const children = new Map<string | null, DatasetVersion[]>();
  for (const version of versions) {
    const parent = version.parent_id && ids.has(version.parent_id) ? version.parent_id : null;
    children.set(parent, [...(children.get(parent) ?? []), version]);
  }
  const out: { version: DatasetVersion; depth: number }[] = [];
  const visit = (parent: string | null, depth: number) => {
    for (const version of children.get(parent) ?? []) {
      out.push({ version, depth });
      visit(version.id, depth + 1);
    }
  };
  visit(null, 0);
  return out;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** What a step did, in a few words: the derive operations, the number of review changes, the label run's model. */
export function operationDetail(version: Pick<DatasetVersion, 'operation' | 'params' | 'report'>): string {
  const { params } = version;
  switch (version.operation) {
    case 'derive': {
      const operations = Array.isArray(params['operations']) ? (params['operations'] as { op?: unknown }[]) : [];
      return operations.map((operation) => text(operation.op) ?? '?').join(' → ');
    }
    case 'review':
      return typeof params['overrides'] === 'number' ? `${params['overrides']} label(s) set by review` : '';
    case 'label':
      return [text(params['provider']), text(params['model'])].filter(Boolean).join(' · ');
    case 'merge_feedback':
      return text(params['split']) ? `into ${text(params['split'])}` : '';
    case 'import': {
      // The report names the format the import detected; params only what was asked.
      const report = version.report['import'] as { format?: unknown } | undefined;
      return [text(params['mode']), text(report?.format) ?? text(params['format'])].filter(Boolean).join(' · ');
    }
    default:
      return '';
  }
}
