export interface CursorPage<T> {
  data: T[];
  hasMore: boolean;
}

export interface PagesRead<T> {
  items: T[];
  /** Where to continue next time when the page budget ran out first; null when the list was read to its end. */
  next: string | null;
  /** The provider said has_more but the next page brought nothing new (its cursor did not advance): paging stopped there. */
  stalled: boolean;
}

/**
 * Reads an `after`-cursor list page by page, by hand rather than with the SDK's auto-pagination,
 * because the spec promises nothing that makes `has_more` end: a provider that keeps answering
 * `has_more: true` with the same last id would be paged for ever. Stops at `until` (an item we
 * already have), at the end, when the cursor does not advance, or after `maxPages`.
 */
export async function readCursorPages<T>(
  fetchPage: (after: string | undefined) => Promise<CursorPage<T>>,
  options: { idOf: (item: T) => string; maxPages: number; after?: string; until?: (item: T) => boolean },
): Promise<PagesRead<T>> {
  const items: T[] = [];
  const seen = new Set<string>();
  let after = options.after;
  for (let page = 0; page < options.maxPages; page += 1) {
    const { data, hasMore } = await fetchPage(after);
    let repeated = false;
    for (const item of data) {
      if (options.until?.(item)) return { items, next: null, stalled: false };
      if (seen.has(options.idOf(item))) {
        repeated = true;
        continue;
      }
      seen.add(options.idOf(item));
      items.push(item);
    }
    if (!hasMore) return { items, next: null, stalled: false };
    // Pages after a cursor never overlap: an empty page, the same last id, or an item this read
    // already had (a provider repeating its first page while newer items push it down) is no progress.
    const last = data.at(-1);
    if (!last || options.idOf(last) === after || repeated) return { items, next: null, stalled: true };
    after = options.idOf(last);
  }
  return { items, next: after ?? null, stalled: false };
}
