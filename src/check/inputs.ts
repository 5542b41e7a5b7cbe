/**
 * Reads the `-f` files of `serin check`: every YAML document, every Canary validated against the
 * API as `kubectl apply` with strict field validation would (unknown fields included), each problem
 * with its file, line, object and field path. Other objects are kept: a MetricTemplate or a
 * Deployment shipped in the same files stands in for a missing one in the cluster.
 */
import { asStored } from '../kube/as-stored.js';
import { readFile } from 'node:fs/promises';
import { isMap, isSeq, type Node } from 'yaml';
import { createValidators, FLAGGER_API_VERSION, type Canary, type ValidationIssue } from '../api/index.js';
import type { KubeObject } from '../kube/objects.js';
import { readYamlDocuments, type YamlDocument } from '../kube/yaml-documents.js';
import { fail, pass, type CheckLine } from './report.js';

/** Bad usage or an unreadable file: `serin check` exits with 2 and prints only this. */
export class CheckUsageError extends Error {
  override name = 'CheckUsageError';
}

/** One Canary document of the files. */
export interface CanaryInput {
  readonly file: string;
  /** 1-based position of the document in its file. */
  readonly document: number;
  /** `metadata.name`, or `document N` when missing. */
  readonly name: string;
  readonly namespace: string;
  /** The validated Canary (CRD defaults applied); undefined when it is invalid. */
  readonly canary?: Canary;
  /** The validation lines: one pass line, or a fail line per problem. */
  readonly validation: readonly CheckLine[];
}

/** Another object of the files, with its namespace filled in. */
export interface FileObject {
  readonly file: string;
  readonly object: KubeObject;
}

/** Everything read from the files. */
export interface CheckInputs {
  readonly canaries: readonly CanaryInput[];
  readonly objects: readonly FileObject[];
  /** Lines about the files that belong to no Canary (bad YAML, other invalid Flagger objects). */
  readonly problems: readonly CheckLine[];
}

/** Where objects without `metadata.namespace` go, and the namespace the user asked for. */
export interface NamespaceChoice {
  /** `-n`: objects that name another namespace are refused, as kubectl does. */
  readonly flag?: string | undefined;
  /** Without `-n`: the kubeconfig context's namespace, else `default`. */
  readonly fallback: string;
}

/** The text of each file, in order; throws {@link CheckUsageError} naming every file that cannot be read. */
export async function readInputFiles(files: readonly string[]): Promise<readonly (readonly [string, string])[]> {
  const unreadable: string[] = [];
  const texts: [string, string][] = [];
  for (const file of files) {
    try {
      texts.push([file, await readFile(file, 'utf8')]);
    } catch (err) {
      unreadable.push(`${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
  }
  if (unreadable.length > 0) throw new CheckUsageError(unreadable.join('\n'));
  return texts;
}

/**
 * Parses and validates the files' texts (from {@link readInputFiles}); throws {@link CheckUsageError}
 * when none holds a Canary (and nothing else is wrong with them).
 */
export function parseCheckInputs(
  texts: readonly (readonly [string, string])[],
  namespace: NamespaceChoice,
): CheckInputs {
  const validators = createValidators({ unknownFields: 'reject' });
  const canaries: CanaryInput[] = [];
  const objects: FileObject[] = [];
  const problems: CheckLine[] = [];
  for (const [file, text] of texts) {
    // Read as kubectl reads it (YAML 1.1 values, libyaml's leniency), stored as the API server stores it.
    readYamlDocuments(text).forEach((read) => {
      const i = read.index - 1;
      const where = `${file}: document ${read.index}`;
      if (read.error !== undefined) {
        problems.push(fail(`${where}: ${read.error}`, undefined, { file, document: read.index }));
        return;
      }
      const obj = asStored(read.value);
      if (obj === null || obj === undefined) return;
      if (!isKubeObject(obj)) {
        const fix = 'every document must be a Kubernetes object with apiVersion, kind and metadata.name';
        problems.push(fail(`${where}: not a Kubernetes object`, fix, { file, document: i + 1 }));
        return;
      }
      // A Canary's unserved version is reported on the Canary below; any other flagger.app kind here.
      if (
        obj.kind !== 'Canary' &&
        obj.apiVersion.startsWith('flagger.app/') &&
        obj.apiVersion !== FLAGGER_API_VERSION
      ) {
        const fix = `set apiVersion: ${FLAGGER_API_VERSION}, the only version the Flagger CRDs serve`;
        problems.push(
          fail(`${where}: ${obj.kind} apiVersion ${obj.apiVersion} is not served`, fix, { file, document: i + 1 }),
        );
        return;
      }
      const ns = objectNamespace(obj, namespace, where);
      const located = { ...obj, metadata: { ...obj.metadata, namespace: ns } };
      const lineOf = (path: string, message: string): number => issueLine(read, path, message);
      if (obj.kind === 'Canary' && obj.apiVersion.startsWith('flagger.app/')) {
        const checked = obj.apiVersion === FLAGGER_API_VERSION ? validators.canary(located) : undefined;
        const name = typeof obj.metadata.name === 'string' ? obj.metadata.name : `document ${i + 1}`;
        const base = { file, document: i + 1, name, namespace: ns };
        if (checked?.ok) canaries.push({ ...base, canary: checked.value, validation: [validLine(obj.kind)] });
        else canaries.push({ ...base, validation: issueLines(file, `Canary ${name}`, obj, checked?.issues, lineOf) });
        return;
      }
      const validate =
        obj.apiVersion === FLAGGER_API_VERSION
          ? obj.kind === 'MetricTemplate'
            ? validators.metricTemplate
            : obj.kind === 'AlertProvider'
              ? validators.alertProvider
              : undefined
          : undefined;
      const checked = validate?.(located);
      if (checked && !checked.ok) {
        problems.push(...issueLines(file, `${obj.kind} ${obj.metadata.name ?? ''}`, obj, checked.issues, lineOf));
        return;
      }
      if (checked) problems.push(pass(`${file}: ${obj.kind} ${ns}/${obj.metadata.name ?? ''} is valid`));
      objects.push({ file, object: located });
    });
  }
  if (canaries.length === 0 && !problems.some((p) => p.status === 'fail')) {
    throw new CheckUsageError(
      `no Canary in ${texts.map(([f]) => f).join(', ')}: pass the file that holds the Canary with -f`,
    );
  }
  return { canaries, objects, problems };
}

function isKubeObject(obj: unknown): obj is KubeObject {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return false;
  const o = obj as Partial<KubeObject>;
  return typeof o.kind === 'string' && typeof o.apiVersion === 'string' && typeof o.metadata === 'object';
}

function objectNamespace(obj: KubeObject, choice: NamespaceChoice, where: string): string {
  const own = obj.metadata.namespace;
  if (own && choice.flag && own !== choice.flag) {
    throw new CheckUsageError(
      `${where}: ${obj.kind} ${obj.metadata.name ?? ''} is in namespace "${own}", not "${choice.flag}": drop -n or pass -n ${own}`,
    );
  }
  return own || choice.flag || choice.fallback;
}

function validLine(kind: string): CheckLine {
  return pass(`valid ${FLAGGER_API_VERSION} ${kind} (strict: unknown fields are errors)`);
}

function issueLines(
  file: string,
  object: string,
  obj: KubeObject,
  issues: readonly ValidationIssue[] | undefined,
  lineOf: (path: string, message: string) => number,
): CheckLine[] {
  if (issues === undefined) {
    const message = `${file}:${lineOf('apiVersion', '')} ${object}: apiVersion: ${obj.apiVersion} is not served`;
    return [fail(message, `use apiVersion ${FLAGGER_API_VERSION}`, { file, object, path: 'apiVersion' })];
  }
  return issues.map((issue) => {
    const line = lineOf(issue.path, issue.message);
    const field = issue.path ? `${issue.path}: ` : '';
    return fail(`${file}:${line} ${object}: ${field}${issue.message}`, undefined, {
      file,
      line,
      object,
      path: issue.path,
      problem: issue.message,
    });
  });
}

/**
 * The 1-based line of a kubectl-style field path (`spec.analysis.metrics[0].interval`) in the
 * document: the unknown field itself, else the deepest node of the path that exists.
 */
function issueLine(read: YamlDocument, path: string, message: string): number {
  const doc = read.doc;
  if (!doc) return 1; // a JSON file: one line as far as Serin knows
  const segments = [...path.matchAll(/([^.[\]]+)|\[([^\]]*)\]/g)].map((m) => m[1] ?? m[2] ?? '');
  const unknown = /^unknown field "(.+)"$/.exec(message)?.[1];
  if (unknown !== undefined) segments.push(unknown);
  let node: unknown = doc.contents;
  let offset = doc.contents?.range?.[0] ?? 0;
  for (const segment of segments) {
    if (isSeq(node)) {
      node = node.items[Number(segment)];
      offset = (node as Node | undefined)?.range?.[0] ?? offset;
    } else if (isMap(node)) {
      const pair = node.items.find((p) => String((p.key as { value?: unknown } | null)?.value) === segment);
      // The key's line: a block value starts on the line after it.
      offset = (pair?.key as Node | null | undefined)?.range?.[0] ?? offset;
      node = pair?.value;
    } else break;
    if (node === undefined || node === null) break;
  }
  return read.lineAt(offset);
}
