/**
 * The bearer token that guards commands run as child processes. Flagger's webhooks cannot send
 * headers, so a Canary's hook passes it as `metadata.token`; other callers (CI, kubectl exec) send
 * `Authorization: Bearer <token>`. The file is read on every check, so a rotated Secret takes
 * effect without a restart. Comparison takes the same time whatever the guess.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';

/** Reads the expected token (the `--token-file`), trimmed. */
export type TokenSource = () => Promise<string>;

/** A token source reading `path` on every call. */
export function tokenFile(path: string): TokenSource {
  return async () => (await readFile(path, 'utf8')).trim();
}

/** The token a request presents: the bearer header wins over `metadata.token`. */
export function presentedToken(
  authorization: string | undefined,
  metadata: Readonly<Record<string, string>> | undefined,
) {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
  return bearer ?? metadata?.token;
}

/** Undefined when `presented` matches the expected token, else why not (never quoting either). */
export async function tokenProblem(presented: string | undefined, expected: TokenSource): Promise<string | undefined> {
  if (!presented) {
    return 'a token is required to run commands: send "Authorization: Bearer <token>" or set metadata.token to the token in --token-file';
  }
  let want: string;
  try {
    want = await expected();
  } catch {
    return 'the load tester cannot read its --token-file; commands are refused until it can';
  }
  if (want === '') return 'the load tester has an empty --token-file; commands are refused until it has a token';
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(presented), digest(want))
    ? undefined
    : 'the token does not match the one in --token-file';
}
