/**
 * Reading README.md and docs/ the way the docs tests need: the Markdown files, their fenced code
 * blocks, the `vpnsync …` command lines in them (as a shell would split them into words), their
 * links, and GitHub's anchors for their headings.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root folder. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** README.md and every Markdown file in docs/, as paths relative to the root. */
export function docFiles(): string[] {
  return ['README.md', ...readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
}

/** The text of a file relative to the root. */
export function readDoc(file: string): string {
  return readFileSync(path.join(ROOT, file), 'utf8');
}

/** A fenced code block: its info string (language) and its text. */
export interface CodeBlock {
  lang: string;
  text: string;
  /** 1-based line of the opening fence. */
  line: number;
}

/** The fenced (```) code blocks of a Markdown text. */
export function codeBlocks(markdown: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i] as string);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i] as string); i++) body.push(lines[i] as string);
    blocks.push({ lang: open[1] ?? '', text: body.join('\n'), line: start + 1 });
  }
  return blocks;
}

/** Markdown without its fenced code blocks (for inline code and links). */
export function proseOf(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```\s*$/gm, '');
}

/** The shell command lines of a code block: continuation lines joined, prompts and comments dropped, cron schedules cut off. */
export function commandLines(block: CodeBlock): string[] {
  const joined = block.text.replace(/\\\n\s*/g, ' ').split('\n');
  switch (block.lang) {
    case 'console':
      return joined.filter((l) => l.startsWith('$ ')).map((l) => l.slice(2));
    case 'cron':
      return joined.filter((l) => l.trim() !== '' && !l.trim().startsWith('#')).map((l) => l.trim().split(/\s+/).slice(5).join(' '));
    case 'sh':
    case 'bash':
    case 'shell':
      return joined.filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));
    default:
      return [];
  }
}

type Token = { op: string } | { word: string };

/**
 * Splits a command line into words and operators as POSIX sh would (quotes removed, `'…'`
 * literal, `"…"` with backslash escapes; variables are left as written), stopping at a comment.
 */
export function shellTokens(line: string): Token[] {
  const tokens: Token[] = [];
  let word: string | undefined;
  const flush = () => {
    if (word !== undefined) tokens.push({ word });
    word = undefined;
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unterminated ' in: ${line}`);
      word = (word ?? '') + line.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      let value = '';
      for (i++; i < line.length && line[i] !== '"'; i++) {
        if (line[i] === '\\' && i + 1 < line.length && '"\\$`'.includes(line[i + 1] as string)) i++;
        value += line[i];
      }
      if (i >= line.length) throw new Error(`unterminated " in: ${line}`);
      word = (word ?? '') + value;
    } else if (c === '\\' && i + 1 < line.length) {
      word = (word ?? '') + line[++i];
    } else if (/\s/.test(c)) {
      flush();
    } else if (c === '#' && word === undefined) {
      break;
    } else {
      const op = /^(2>&1|&&|\|\||>>|2>|[|;&<>])/.exec(line.slice(i))?.[1];
      if (op && !(op === '2>' && word !== undefined)) {
        flush();
        tokens.push({ op });
        i += op.length - 1;
      } else {
        word = (word ?? '') + c;
      }
    }
  }
  flush();
  return tokens;
}

/**
 * The argument lists of every vpnsync invocation on a command line (`vpnsync …` or
 * `npx vpnsync …`, in a pipeline or after `&&`, with environment assignments in front and
 * redirections dropped): `npx vpnsync query -f x.sql | jq .` gives [['query', '-f', 'x.sql']].
 */
export function vpnsyncInvocations(line: string): string[][] {
  const commands: string[][] = [[]];
  const tokens = shellTokens(line);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    if ('word' in t) commands[commands.length - 1]?.push(t.word);
    else if (['>', '>>', '<', '2>'].includes(t.op)) i++; // and its file
    else if (t.op !== '2>&1') commands.push([]);
  }
  const invocations: string[][] = [];
  for (const words of commands) {
    while (words.length > 0 && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0] as string)) words.shift();
    if (words[0] === 'npx' && words[1] === 'vpnsync') invocations.push(words.slice(2));
    else if (words[0] === 'vpnsync') invocations.push(words.slice(1));
  }
  return invocations;
}

/** An example found in a Markdown file: where, the line as written, and its vpnsync arguments. */
export interface CommandExample {
  file: string;
  line: string;
  args: string[];
}

/**
 * Every vpnsync command line shown in a Markdown file: in sh, bash, shell and cron blocks every
 * line, in console blocks the lines after a `$ ` prompt; in the prose, inline code that starts
 * with `vpnsync` or `npx vpnsync` and has an option (`--x`), unless it holds a placeholder
 * (`<…>`, `…`, `[…]`, `a|b`): those spans name a command or show a form, not an example.
 */
export function commandExamples(file: string, markdown: string): CommandExample[] {
  const examples: CommandExample[] = [];
  for (const block of codeBlocks(markdown)) {
    for (const line of commandLines(block)) for (const args of vpnsyncInvocations(line)) examples.push({ file, line, args });
  }
  for (const m of proseOf(markdown).matchAll(/`((?:npx )?vpnsync [^`]+)`/g)) {
    const span = m[1] as string;
    if (!/\s--?[a-z]/.test(span) || /[<>…[\]|]/.test(span)) continue;
    for (const args of vpnsyncInvocations(span)) examples.push({ file, line: span, args });
  }
  return examples;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
export function githubSlug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The anchors of a Markdown file's headings (outside code blocks), with GitHub's -1, -2 for repeats. */
export function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const m of proseOf(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const slug = githubSlug(m[1] as string);
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    anchors.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return anchors;
}

/** The relative links of a Markdown file's prose: `[text](target)` with no scheme. */
export function relativeLinks(markdown: string): string[] {
  return [...proseOf(markdown).matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] as string).filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t));
}
