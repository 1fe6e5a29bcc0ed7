import type { FastifyInstance } from 'fastify';

/**
 * SDKs send `content-type: application/json` with no body on POSTs such as `/cancel`; Fastify
 * would refuse those. Empty bodies parse as undefined, malformed ones as the provider's error.
 */
export function acceptEmptyJson(app: FastifyInstance, invalidJson: () => Error): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(invalidJson(), undefined);
    }
  });
}
