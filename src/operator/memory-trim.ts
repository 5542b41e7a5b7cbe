/**
 * Hands back to the system the memory the C library's malloc keeps after it is freed. Node's own
 * buffers, V8's compiler zones and OpenSSL's allocations come from malloc; glibc returns freed memory
 * only from the top of its heap, so the holes left between long-lived allocations stay in the
 * process's RSS. `malloc_trim(0)` releases every whole free page: on the operator at 1,000 canaries
 * it took the malloc heap from 23.5 to 13.5 MiB (docs/performance.md).
 *
 * Called through `node:ffi` (experimental in Node 26; its one-time warning is kept out of the logs).
 * Where there is no glibc (musl, macOS) or no `node:ffi`, nothing is trimmed and the reason is logged.
 */
import type { Logger } from 'pino';

/** `malloc_trim(0)`, or why it cannot be called here. */
export type MallocTrim =
  { readonly ok: true; readonly trim: () => void } | { readonly ok: false; readonly reason: string };

/** Finds glibc's `malloc_trim` in this process. */
export async function loadMallocTrim(): Promise<MallocTrim> {
  if (process.platform !== 'linux') return { ok: false, reason: `no glibc on ${process.platform}` };
  let ffi: typeof import('node:ffi');
  // node:ffi's ExperimentalWarning would be printed outside the JSON log.
  const warnings = Object.getOwnPropertyDescriptor(process, 'emitWarning');
  process.emitWarning = () => undefined;
  try {
    ffi = await import('node:ffi');
  } catch (err) {
    return { ok: false, reason: `this Node has no node:ffi (${(err as Error).message})` };
  } finally {
    if (warnings) Object.defineProperty(process, 'emitWarning', warnings);
  }
  try {
    const { functions } = ffi.dlopen(null, { malloc_trim: { arguments: ['uint64'], return: 'int32' } });
    return { ok: true, trim: () => void functions.malloc_trim(0n) };
  } catch (err) {
    return { ok: false, reason: `malloc_trim is not in this C library (${(err as Error).message})` };
  }
}

/** Trims every `everyMs` (0: never) until the returned function is called. */
export async function startMemoryTrim(everyMs: number, log: Logger): Promise<() => void> {
  if (everyMs <= 0) return () => undefined;
  const loaded = await loadMallocTrim();
  if (!loaded.ok) {
    log.info({ reason: loaded.reason }, 'freed memory is left to malloc (--memory-trim-interval has no effect)');
    return () => undefined;
  }
  const timer = setInterval(loaded.trim, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
