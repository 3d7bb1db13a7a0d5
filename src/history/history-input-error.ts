/**
 * Input that names history vpnsync does not have (an unknown pull, a time before the first pull,
 * a link name matching several links). The CLI maps it to exit 2 with this message; history
 * code cannot throw the CLI's UsageError itself (dependencies point from cli to history).
 */
export class HistoryInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HistoryInputError';
  }
}
