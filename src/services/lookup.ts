import { isTimeOrderedId } from '../domain/ids.js';
import { errors } from '../errors.js';

/**
 * A resource by the id in a URL: a 404 naming the resource when it does not exist, and also when
 * the id is not one Tuneline could have issued (no query for those).
 */
export async function findOr404<T>(
  resource: string,
  id: string,
  find: (id: string) => Promise<T | undefined>,
): Promise<T> {
  const found = isTimeOrderedId(id) ? await find(id) : undefined;
  if (!found) throw errors.notFound(resource, id);
  return found;
}
