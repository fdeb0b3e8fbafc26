/** A command line that cannot run as given (a missing option, an unknown mailbox); exits with code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
