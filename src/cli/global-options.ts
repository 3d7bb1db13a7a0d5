/** Options every command accepts. */
export interface GlobalArgs {
  db?: string | undefined;
  debug?: boolean | undefined;
}
