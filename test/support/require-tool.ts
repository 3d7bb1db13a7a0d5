/**
 * Tests that need a program vpnsync does not ship (a browser, later PostgreSQL or Prometheus)
 * follow one rule: where the program is missing they are skipped with a one-line notice naming
 * the Debian package to install, so that `npm test` passes on a fresh machine; under CI
 * (CI=true, as CI services and .ci/run set it) a missing program is a failure, so that CI never
 * goes green by skipping what it exists to run.
 */
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

/** True when the environment says this is a CI run (CI set to anything but '', '0' or 'false'). */
export function isCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const ci = (env.CI ?? '').trim().toLowerCase();
  return ci !== '' && ci !== '0' && ci !== 'false';
}

/** The first candidate that is an executable file: a path (it contains a slash) as given, a bare name looked up on PATH. */
export function findExecutable(candidates: readonly (string | undefined)[], env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dirs = (env.PATH ?? '').split(path.delimiter).filter((d) => d !== '');
  for (const candidate of candidates) {
    if (candidate === undefined || candidate === '') continue;
    const paths = candidate.includes('/') ? [candidate] : dirs.map((d) => path.join(d, candidate));
    for (const p of paths) {
      try {
        accessSync(p, constants.X_OK);
        return p;
      } catch {
        // not here; try the next
      }
    }
  }
  return undefined;
}

/** The notice (or, under CI, the failure message) for a program that is missing. */
export function missingToolMessage(name: string, candidates: readonly (string | undefined)[], debianPackage: string, ci: boolean): string {
  const looked = candidates.filter((c): c is string => c !== undefined && c !== '').join(', ');
  const install = `install Debian's ${debianPackage} package (apt-get install ${debianPackage})`;
  return ci
    ? `${name} not found (looked for ${looked}) and CI is set: ${install}; .ci/run does`
    : `skipped (${name} not found; looked for ${looked}): ${install} to run these tests`;
}

/**
 * Looks for a program the tests in this file need, by path or name (`candidates`, in order).
 * Returns its path; where it is missing, prints a one-line notice on stderr and returns undefined
 * (the caller skips: `describe.skipIf(!path)`), except under CI, where it throws, failing the file.
 */
export function requireTool(name: string, candidates: readonly (string | undefined)[], debianPackage: string): string | undefined {
  const found = findExecutable(candidates);
  if (found !== undefined) return found;
  const ci = isCi();
  const message = missingToolMessage(name, candidates, debianPackage, ci);
  if (ci) throw new Error(message);
  console.warn(message);
  return undefined;
}
