/**
 * A refusal to start that the operator can act on (bad config, unmigrated database, unreachable or
 * misconfigured Redis). Entry points print its message alone, without a stack trace.
 */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A URL safe to print: the password is masked. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}

export class UnreachableError extends StartupError {
  constructor(what: string, url: string, reason: string) {
    super(`${what} at ${redactUrl(url)} is unreachable: ${reason}`);
  }
}
