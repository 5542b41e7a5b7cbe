/**
 * Which of V8's compilers run the operator's code. The operator waits on the API server and the
 * metrics servers, not on its CPU: at 1,000 canaries V8's optimizing compilers (Maglev, TurboFan)
 * cost 15–20 MiB of memory (their code pages, their compile zones, the optimized code) and saved
 * 0.1–0.4 s of CPU a minute (docs/performance.md). So by default the operator runs on the
 * interpreter and the baseline compiler (Sparkplug), as `node --max-opt=1` would; `--jit full` keeps
 * V8's defaults.
 *
 * `node --max-opt=1` cannot be set in NODE_OPTIONS and would apply to every command of the image
 * (the load tester needs the optimizing compilers), so the operator turns them off for itself, as
 * its first act: nothing is hot yet, so nothing has been optimized, and nothing is being compiled.
 */
import { setFlagsFromString } from 'node:v8';

export type JitMode = 'baseline' | 'full';

/** Applies `mode` to this process (once, before the operator's work starts). */
export function useJit(mode: JitMode): void {
  if (mode === 'full') return;
  setFlagsFromString('--no-maglev');
  setFlagsFromString('--no-turbofan');
}
