import { replaceSection } from '../doc-sections/replace-section.js';
import { CORPUS_GROUPS, type CorpusGroup, type CorpusResult } from './bad-input-corpus.js';
import { FAULT_CLASS_HANDLING, FAULT_CLASS_NAMES, FAULT_CLASSES } from './fault-plan.js';
import type { FaultTrialsResult } from './fault-trials.js';
import type { KillTrial } from './kill-trials.js';
import type { ActionFaultTrial, ActedFault } from './action-fault-trials.js';

/** Everything one soak ran. */
export interface SoakResults {
  seed: number;
  faults?: FaultTrialsResult;
  pullKills?: KillTrial[];
  queueKills?: KillTrial[];
  actionFaults?: ActionFaultTrial[];
  corpus?: CorpusResult[];
}

/** The acted fault kinds as the table names them. */
const ACTED_FAULT_NAMES: Record<ActedFault, string> = {
  'acted-5xx': 'Action carried out, then answered 503 with Retry-After',
  'acted-drop': 'Action carried out, then the connection dropped',
  'acted-hang': 'Action carried out, then no answer (hung)',
  'bare-202': 'Action accepted with a 202 that has no polling URL',
};

/** One row of the results table. */
export interface SoakRow {
  what: string;
  handling: string;
  trials: number;
  failures: number;
  note?: string;
}

/** The results as table rows: fault classes, kill trials, bad-input groups. */
export function soakRows(r: SoakResults): SoakRow[] {
  const rows: SoakRow[] = [];
  if (r.faults) {
    const { trials, convergence } = r.faults;
    for (const c of FAULT_CLASSES) {
      const hit = trials.filter((t) => t.fired.includes(c));
      rows.push({ what: FAULT_CLASS_NAMES[c], handling: FAULT_CLASS_HANDLING[c], trials: hit.length, failures: hit.filter((t) => t.violations.length > 0).length });
    }
    const partial = trials.filter((t) => t.status === 'partial').length;
    const failed = trials.filter((t) => t.status === 'failed').length;
    rows.push({
      what: 'All faulted pulls, fleet mutating between them',
      handling: 'Every pull checked against the emulator: links of listed scopes stored field for field, others untouched; no removal the emulator did not make; status, counters and scope rows name exactly the failed listings',
      trials: trials.length,
      failures: trials.filter((t) => t.violations.length > 0).length,
      note: `${trials.length - partial - failed} complete, ${partial} partial, ${failed} failed; ${trials.filter((t) => t.fired.length > 1).length} with several fault classes at once`,
    });
    rows.push({
      what: 'Clean pull after each run of faulted pulls',
      handling: 'The database equals the emulator exactly, as the current table and as the state as of the pull; every latest version matches its row',
      trials: convergence.length,
      failures: convergence.filter((c) => c.violations.length > 0).length,
    });
  }
  const killRow = (what: string, handling: string, trials: readonly KillTrial[] | undefined) => {
    if (trials) rows.push({ what, handling, trials: trials.length, failures: trials.filter((t) => t.violations.length > 0).length, note: phases(trials) });
  };
  killRow(
    '`kill -9` of `vpnsync pull`',
    'integrity_check ok; the next pull clears the dead lock (with a message) and marks that pull failed; then history (versions, current rows, byte counters) equals a run without the kill, also one round later',
    r.pullKills,
  );
  killRow(
    '`kill -9` of `vpnsync queue run`',
    'integrity_check ok; the next run clears the dead lock (with a message), resumes accepted operations; no action POSTed twice; each action ends as without the kill, or OutcomeUnknown when the kill fell between its POST and saving the answer',
    r.queueKills,
  );
  if (r.actionFaults) {
    const trials = r.actionFaults;
    for (const fault of Object.keys(ACTED_FAULT_NAMES) as ActedFault[]) {
      const hit = trials.filter((t) => t.fault === fault);
      rows.push({
        what: ACTED_FAULT_NAMES[fault],
        handling: 'Sent once, never again (no retry policy re-sends a POST; only a plain 429 is retried); ends as OutcomeUnknown saying so; its connection held for an hour',
        trials: hit.length,
        failures: hit.filter((t) => t.violations.length > 0).length,
        note: `ARM carried out each action at most ${Math.max(0, ...hit.map((t) => t.maxCarriedOut))} time(s)`,
      });
    }
    const sides = new Map<string, number>();
    for (const t of trials) sides.set(t.side, (sides.get(t.side) ?? 0) + 1);
    rows.push({
      what: 'All queue runs with an action ARM carried out and then answered badly',
      handling: "Every queued action carried out at most once and POSTed at most once (the emulator's counts); the others end by ARM's answer: succeeded, queued again when busy, failed with ARM's code, OutcomeUnknown when the status URL cannot be read; a second run sends nothing for an ended action",
      trials: trials.length,
      failures: trials.filter((t) => t.violations.length > 0).length,
      note: `${trials.reduce((n, t) => n + t.actions, 0)} actions, double POSTs: ${trials.filter((t) => t.maxCarriedOut > 1).length}; beside them: ${[...sides].map(([k, n]) => `${k} ×${n}`).join(', ')}`,
    });
  }
  if (r.corpus) {
    for (const g of Object.keys(CORPUS_GROUPS) as CorpusGroup[]) {
      const cases = r.corpus.filter((c) => c.group === g);
      const skipped = cases.filter((c) => c.skipped);
      rows.push({
        what: CORPUS_GROUPS[g],
        handling: 'One `vpnsync: …` line with the documented exit code, no stack trace, nothing on stdout, the database unchanged',
        trials: cases.length - skipped.length,
        failures: cases.filter((c) => c.violations.length > 0).length,
        ...(skipped.length ? { note: `${skipped.length} skipped: ${skipped[0]?.skipped ?? ''}` } : {}),
      });
    }
  }
  return rows;
}

function phases(trials: readonly KillTrial[]): string {
  const counts = new Map<string, number>();
  for (const t of trials) counts.set(t.phase, (counts.get(t.phase) ?? 0) + 1);
  return `killed: ${[...counts].sort((a, b) => b[1] - a[1]).map(([p, n]) => `${p} ×${n}`).join(', ')}`;
}

/** The rows as a Markdown table. */
export function renderSoakTable(rows: readonly SoakRow[]): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  return [
    '| Fault class | What vpnsync does (what is checked) | Trials | Failures | Notes |',
    '|---|---|---:|---:|---|',
    ...rows.map((r) => `| ${cell(r.what)} | ${cell(r.handling)} | ${r.trials} | ${r.failures} | ${cell(r.note ?? '')} |`),
  ].join('\n');
}

/** Every violation, for the log: what failed and why. */
export function failureDetails(r: SoakResults): string[] {
  const out: string[] = [];
  for (const t of r.faults?.trials ?? []) if (t.violations.length) out.push(`fault trial ${t.trial} (${t.fired.join(', ')}): ${t.violations.join('; ')}`);
  for (const c of r.faults?.convergence ?? []) if (c.violations.length) out.push(`run ${c.run} convergence: ${c.violations.join('; ')}`);
  for (const t of r.pullKills ?? []) if (t.violations.length) out.push(`pull kill ${t.trial} (${t.phase}): ${t.violations.join('; ')}`);
  for (const t of r.queueKills ?? []) if (t.violations.length) out.push(`queue kill ${t.trial} (${t.phase}): ${t.violations.join('; ')}`);
  for (const t of r.actionFaults ?? []) if (t.violations.length) out.push(`action fault trial ${t.trial} (${t.fault} + ${t.side}, ${t.polling}): ${t.violations.join('; ')}`);
  for (const c of r.corpus ?? []) if (c.violations.length) out.push(`corpus ${c.group} / ${c.name}: ${c.violations.join('; ')}`);
  return out;
}

/** Marks the generated part of docs/RELIABILITY.md. */
export const RESULTS_BEGIN = '<!-- soak results: written by `npm run soak -- --write-docs`; edit the text around it, not this table -->';
export const RESULTS_END = '<!-- end of soak results -->';

/** `doc` with the part between the markers replaced by `section`. */
export function replaceResults(doc: string, section: string): string {
  return replaceSection(doc, { begin: RESULTS_BEGIN, end: RESULTS_END }, section, 'docs/RELIABILITY.md');
}
