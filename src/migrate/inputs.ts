/**
 * Reads the `-f` files of `serin migrate`: every YAML document, each Canary validated as the API
 * server would (unknown fields are errors); a problem names the file, the document, the Canary and
 * the field. The Canaries are kept as written (no defaults filled in), so the migrated YAML stays
 * close to the user's.
 */
import { createValidators, FLAGGER_API_VERSION, formatIssues, type Canary } from '../api/index.js';
import { parseManifests } from '../kube/apply.js';

/** One valid Canary of the files. */
export interface CanaryDocument {
  readonly file: string;
  /** The Canary as written. */
  readonly canary: Canary;
}

/** The valid Canaries, and one line per problem of the others. */
export interface MigrateInputs {
  readonly canaries: readonly CanaryDocument[];
  readonly problems: readonly string[];
}

/** Parses and validates the files' texts (file name → text, in order). Throws on YAML that cannot be parsed. */
export function parseMigrateInputs(texts: readonly (readonly [string, string])[]): MigrateInputs {
  return migrateInputs(
    texts.flatMap(([file, text]) =>
      (parseManifests(text, file) as Record<string, unknown>[]).map((object) => ({ file, object })),
    ),
  );
}

/** Validates objects read from files or a cluster (`file` says where each came from); other kinds are ignored. */
export function migrateInputs(
  docs: readonly { readonly file: string; readonly object: Record<string, unknown> }[],
): MigrateInputs {
  const validate = createValidators({ unknownFields: 'reject' }).canary;
  const canaries: CanaryDocument[] = [];
  const problems: string[] = [];
  for (const { file, object: obj } of docs) {
    if (obj.kind !== 'Canary' || typeof obj.apiVersion !== 'string' || !obj.apiVersion.startsWith('flagger.app/'))
      continue;
    const named = (obj.metadata as { name?: unknown } | undefined)?.name;
    const name = typeof named === 'string' ? named : '(no name)';
    const where = `${file}: Canary ${name}`;
    if (obj.apiVersion !== FLAGGER_API_VERSION) {
      problems.push(`${where}: apiVersion: ${obj.apiVersion} is not served; use ${FLAGGER_API_VERSION}`);
      continue;
    }
    const checked = validate(obj);
    if (checked.ok) canaries.push({ file, canary: obj as unknown as Canary });
    else
      problems.push(
        ...formatIssues(checked.issues)
          .split('\n')
          .map((line) => `${where}: ${line}`),
      );
  }
  return { canaries, problems };
}
