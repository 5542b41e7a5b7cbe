/**
 * Reads a webhook's `metadata.cmd` the way a POSIX shell splits it into words — quotes, backslashes,
 * `|`, `&&`, `||`, `;` — without running a shell. The load tester needs the words to run `hey` and
 * `curl` in-process and to check every program of a command against the allow-list before anything
 * runs. What would let a command run a program the list cannot see (command substitution, process
 * substitution) or write files (redirections) is refused with the reason.
 */

/** One simple command: its words, quotes removed. */
export interface SimpleCommand {
  /** `NAME=value` words before the program (they need a shell to take effect). */
  readonly assignments: readonly string[];
  /** The program and its arguments; the program is the first word. */
  readonly words: readonly string[];
}

/** A command line split into simple commands. */
export interface ParsedCommand {
  readonly commands: readonly SimpleCommand[];
  /** True when only a shell can run it as written: several commands, assignments or `$` expansions. */
  readonly needsShell: boolean;
}

/** The command line, or why it is refused. */
export type CommandParse =
  { readonly ok: true; readonly value: ParsedCommand } | { readonly ok: false; readonly reason: string };

const SEPARATORS = ['&&', '||', ';', '|', '&', '\n'] as const;
/** Separators a command line may end with. */
const ENDINGS: ReadonlySet<string> = new Set([';', '&', '\n']);
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

class Tokenizer {
  private i = 0;
  private word = '';
  private inWord = false;
  private expands = false;
  private readonly segments: string[][] = [[]];
  private readonly separators: string[] = [];

  constructor(private readonly text: string) {}

  run(): CommandParse {
    while (this.i < this.text.length) {
      const refused = this.step();
      if (refused) return { ok: false, reason: refused };
    }
    this.endWord();
    return this.result();
  }

  /** Reads one character (or quoted run); a reason when the command is refused. */
  private step(): string | undefined {
    const c = this.text[this.i]!;
    const rest = this.text.slice(this.i);
    if (c === '`' || rest.startsWith('$(')) return 'command substitution ($(…) or `…`) is not allowed';
    if (rest.startsWith('<(') || rest.startsWith('>(')) return 'process substitution is not allowed';
    if (c === '<' || c === '>') return 'redirections (<, >) are not allowed: the output is captured already';
    if (c === "'") return this.singleQuoted();
    if (c === '"') return this.doubleQuoted();
    if (c === '\\') {
      this.append(this.text[this.i + 1] ?? '');
      this.i += 2;
      return undefined;
    }
    if (c === '#' && !this.inWord) {
      const end = this.text.indexOf('\n', this.i);
      this.i = end < 0 ? this.text.length : end;
      return undefined;
    }
    const separator = SEPARATORS.find((s) => rest.startsWith(s));
    if (separator) return this.separate(separator);
    if (c === ' ' || c === '\t') {
      this.endWord();
    } else {
      if (c === '$') this.expands = true;
      this.append(c);
    }
    this.i += 1;
    return undefined;
  }

  private singleQuoted(): string | undefined {
    const end = this.text.indexOf("'", this.i + 1);
    if (end < 0) return "a single quote (') is not closed";
    this.append(this.text.slice(this.i + 1, end));
    this.i = end + 1;
    return undefined;
  }

  private doubleQuoted(): string | undefined {
    let j = this.i + 1;
    let out = '';
    for (;;) {
      const c = this.text[j];
      if (c === undefined) return 'a double quote (") is not closed';
      if (c === '"') break;
      if (c === '`' || this.text.startsWith('$(', j)) return 'command substitution ($(…) or `…`) is not allowed';
      if (c === '\\' && '"\\$`\n'.includes(this.text[j + 1] ?? '')) {
        out += this.text[j + 1];
        j += 2;
        continue;
      }
      if (c === '$') this.expands = true;
      out += c;
      j += 1;
    }
    this.append(out);
    this.i = j + 1;
    return undefined;
  }

  private separate(separator: string): string | undefined {
    this.endWord();
    if (this.current().length === 0) {
      if (separator === '\n') {
        this.i += 1;
        return undefined;
      }
      return `"${separator}" has no command before it`;
    }
    this.separators.push(separator);
    this.segments.push([]);
    this.i += separator.length;
    return undefined;
  }

  private append(text: string): void {
    this.word += text;
    this.inWord = true;
  }

  private endWord(): void {
    if (this.inWord) this.current().push(this.word);
    this.word = '';
    this.inWord = false;
  }

  private current(): string[] {
    return this.segments[this.segments.length - 1]!;
  }

  private result(): CommandParse {
    const segments = this.segments.filter((s) => s.length > 0);
    const last = this.separators[this.separators.length - 1];
    if (this.current().length === 0 && last !== undefined && !ENDINGS.has(last)) {
      return { ok: false, reason: `"${last}" has no command after it` };
    }
    if (segments.length === 0) return { ok: false, reason: 'the command is empty' };
    const commands = segments.map((words): SimpleCommand => {
      const at = words.findIndex((w) => !ASSIGNMENT.test(w));
      return at < 0 ? { assignments: words, words: [] } : { assignments: words.slice(0, at), words: words.slice(at) };
    });
    if (commands.some((c) => c.words.length === 0)) return { ok: false, reason: 'a command has no program' };
    const needsShell = commands.length > 1 || this.expands || commands.some((c) => c.assignments.length > 0);
    return { ok: true, value: { commands, needsShell } };
  }
}

/** Splits a command line into simple commands, or says why it is refused. */
export function parseCommandLine(text: string): CommandParse {
  return new Tokenizer(text).run();
}

/** Whether `word` is a flag of the short form `-x` (not `--x`, not a bare `-`). */
export function isShortFlag(word: string): boolean {
  return word.length > 1 && word.startsWith('-') && !word.startsWith('--');
}
