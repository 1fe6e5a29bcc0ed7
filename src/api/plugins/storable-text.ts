import type { FastifyInstance } from 'fastify';
import { findUnstorableText } from '../../domain/text/storable-text.js';
import { errors } from '../../errors.js';

/**
 * Refuses text Postgres cannot store in any path id, query string or JSON body, before the schema
 * is checked, so a single such input can never reach a table or stop the prediction log. Uploads
 * are raw streams here; the import parser checks them line by line.
 */
export function installStorableText(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    const problems = [
      ...findUnstorableText(request.params, 'path'),
      ...findUnstorableText(request.query, 'query'),
      ...findUnstorableText(request.body, 'body'),
    ];
    if (problems.length > 0) throw errors.invalidText(problems);
  });
}
