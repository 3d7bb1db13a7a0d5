/** The pull's filters matched no VPN connection; its lock row was removed and nothing recorded. */
export class NoMatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NoMatchError';
  }
}
