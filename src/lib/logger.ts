import { pino, type Logger } from 'pino';

export function createLogger(options: { level: string; name: string }): Logger {
  return pino({
    name: options.name,
    level: options.level,
    // Belt and braces: nothing should log credentials, but if a header dump slips in, hide the key.
    redact: ['req.headers.authorization', 'headers.authorization', '*.apiKey', '*.key'],
  });
}
