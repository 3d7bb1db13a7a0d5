import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { findExecutable, isCi, missingToolMessage, requireTool } from '../support/require-tool.js';
import { useTempDir } from '../support/temp-dir.js';

const tempDir = useTempDir();
afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

/** A directory holding `tool` (executable) and `plain` (not executable). */
function binDir(): string {
  const dir = tempDir();
  writeFileSync(path.join(dir, 'tool'), '#!/bin/sh\n');
  chmodSync(path.join(dir, 'tool'), 0o755);
  writeFileSync(path.join(dir, 'plain'), '');
  chmodSync(path.join(dir, 'plain'), 0o644);
  return dir;
}

describe('requireTool: skip with a notice where a program is missing, fail under CI', () => {
  it('finds the first executable candidate, by path or on PATH', () => {
    const dir = binDir();
    const env = { PATH: `/nonexistent${path.delimiter}${dir}` };
    expect(findExecutable(['missing', 'tool'], env)).toBe(path.join(dir, 'tool'));
    expect(findExecutable([undefined, path.join(dir, 'tool')], env)).toBe(path.join(dir, 'tool'));
    expect(findExecutable(['plain', path.join(dir, 'plain'), 'missing'], env)).toBeUndefined();
  });

  it('reads CI as CI services set it', () => {
    expect([undefined, '', '0', 'false', 'FALSE'].map((CI) => isCi({ CI }))).toEqual([false, false, false, false, false]);
    expect(['true', '1', 'yes'].map((CI) => isCi({ CI }))).toEqual([true, true, true]);
  });

  it('names the package to install, in one line', () => {
    const notice = missingToolMessage('Chromium', ['chromium', undefined, 'google-chrome'], 'chromium', false);
    expect(notice).toBe("skipped (Chromium not found; looked for chromium, google-chrome): install Debian's chromium package (apt-get install chromium) to run these tests");
    expect(missingToolMessage('Chromium', ['chromium'], 'chromium', true)).toMatch(/^Chromium not found \(looked for chromium\) and CI is set: install Debian's chromium package/);
  });

  it('returns the path; prints the notice and returns undefined where missing; throws under CI', () => {
    const dir = binDir();
    vi.stubEnv('PATH', dir);
    vi.stubEnv('CI', '');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect(requireTool('Tool', ['tool'], 'tool-pkg')).toBe(path.join(dir, 'tool'));
    expect(warn).not.toHaveBeenCalled();
    expect(requireTool('Gone', ['gone'], 'gone-pkg')).toBeUndefined();
    expect(warn).toHaveBeenCalledOnce();
    expect(String(warn.mock.calls[0]?.[0])).toContain('apt-get install gone-pkg');
    vi.stubEnv('CI', 'true');
    expect(() => requireTool('Gone', ['gone'], 'gone-pkg')).toThrow(/Gone not found .* and CI is set: install Debian's gone-pkg package/);
  });
});
