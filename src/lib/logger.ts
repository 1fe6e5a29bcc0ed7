import { pino, type DestinationStream, type Logger } from 'pino';
import { serializeError } from './log-scrub.js';

/** `destination` defaults to stdout; tests pass a stream to read what was logged. */
export function createLogger(options: { level: string; name: string }, destination?: DestinationStream): Logger {
  return pino(
    {
      name: options.name,
      level: options.level,
      // Belt and braces: nothing should log credentials, but if a header dump slips in, hide the key.
      redact: ['req.headers.authorization', 'headers.authorization', '*.apiKey', '*.key'],
      // Errors are logged under both names; neither may carry a failed query's values.
      serializers: { err: serializeError, error: serializeError },
    },
    destination,
  );
}
