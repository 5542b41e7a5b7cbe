/**
 * Helm 4 and kustomize, built from their Go modules by tools/gotools/build.sh, for the chart and
 * plain-manifest tests: run them, read what they render, and offer every object to the API server in
 * a server-side dry run.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { TestContext } from 'node:test';
import { promisify } from 'node:util';
import type { KubeConfig } from '@kubernetes/client-node';
import { operatorCommand } from '../../src/cli/operator-command.js';
import { readEnvironment } from '../../src/cli/environment.js';
import { applyObjects, parseManifests, waitForCrdsEstablished } from '../../src/kube/apply.js';
import type { KubeObject } from '../../src/kube/objects.js';
import { KubeRest } from '../../src/kube/rest.js';
import { formatFlagIssues, parseOperatorFlags, type OperatorSettings } from '../../src/operator/settings.js';
import { providerRegistry } from '../../src/routers/providers.js';
import { goToolBinary } from './gotools.js';

const execFileAsync = promisify(execFile);
export const ROOT = resolve(import.meta.dirname, '../..');

/** A Go tool's binary (tools/gotools/build.sh), waiting for `make test`'s background build. */
export async function toolBinary(t: TestContext, tool: 'helm' | 'kustomize'): Promise<string> {
  return goToolBinary(tool, (line) => t.diagnostic(line));
}

/** What a command printed, and how it ended. */
export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `bin args` from the repository root; never throws on a non-zero exit (the caller asserts). */
export async function run(bin: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  try {
    const { stdout, stderr } = await execFileAsync(bin, args, {
      cwd: ROOT,
      env: { ...process.env, ...env },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** Helm with its own cache, config and data folders (nothing read from or written to ~/.config/helm). */
export interface Helm {
  readonly bin: string;
  /** Runs helm; the test cluster's KUBECONFIG is in its environment. */
  run(args: readonly string[]): Promise<Run>;
  /** Runs helm and returns its output; a non-zero exit fails with helm's stderr. */
  ok(args: readonly string[]): Promise<string>;
}

export async function helmCli(t: TestContext): Promise<Helm> {
  const bin = await toolBinary(t, 'helm');
  const home = await mkdtemp(join(tmpdir(), 'serin-helm-'));
  const env = {
    HELM_CACHE_HOME: join(home, 'cache'),
    HELM_CONFIG_HOME: join(home, 'config'),
    HELM_DATA_HOME: join(home, 'data'),
  };
  const helm: Helm = {
    bin,
    run: (args) => run(bin, args, env),
    ok: async (args) => {
      const result = await helm.run(args);
      if (result.code !== 0) throw new Error(`helm ${args.join(' ')} exited ${result.code}:\n${result.stderr}`);
      return result.stdout;
    },
  };
  return helm;
}

/** The objects of a multi-document YAML text (helm template, kustomize build), as kubectl reads them. */
export function objectsOf(text: string, source: string): KubeObject[] {
  return parseManifests(text, source) as unknown as KubeObject[];
}

/** The one object of `kind` (and `name`, when given) among `objects`; fails when there is not exactly one. */
export function only(objects: readonly KubeObject[], kind: string, name?: string): KubeObject {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (found.length !== 1) {
    throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}`);
  }
  return found[0] as KubeObject;
}

/**
 * Offers each object to the API server as `kubectl apply --server-side --dry-run=server` does: the
 * server validates, defaults and admits it, and stores nothing. Returns one line per refused
 * object (kind, name and the server's message); empty when all were accepted.
 */
export async function dryRunRefusals(kc: KubeConfig, objects: readonly KubeObject[]): Promise<string[]> {
  const rest = new KubeRest(kc);
  const refusals: string[] = [];
  for (const obj of objects) {
    const { namespace, name } = obj.metadata;
    try {
      const path = await rest.resourcePath(obj.apiVersion, obj.kind, namespace, name);
      await rest.json(`${path}?fieldManager=helm-chart-test&force=true&dryRun=All`, {
        method: 'PATCH',
        body: obj,
        contentType: 'application/apply-patch+yaml',
      });
    } catch (err) {
      refusals.push(`${obj.kind} ${namespace ? `${namespace}/` : ''}${name}: ${(err as Error).message}`);
    }
  }
  return refusals;
}

/** Creates `name` when it does not exist yet (namespaces the seed and deploy/ name, shared by tests). */
export async function ensureNamespace(kc: KubeConfig, name: string): Promise<void> {
  await applyObjects(kc, [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }], 'helm-chart-test');
}

/**
 * Installs the Prometheus Operator's ServiceMonitor and PodMonitor CRDs that tools/gotools/build.sh
 * took from that project's Go module, so the chart's optional monitors can be checked for real.
 */
export async function installMonitoringCrds(kc: KubeConfig, helm: Helm): Promise<void> {
  const dir = join(dirname(dirname(helm.bin)), 'crds');
  const crds = await Promise.all(
    ['servicemonitors', 'podmonitors'].map(async (kind) => {
      const path = join(dir, `monitoring.coreos.com_${kind}.yaml`);
      return objectsOf(await readFile(path, 'utf8'), path);
    }),
  );
  await applyObjects(kc, crds.flat(), 'helm-chart-test');
  await waitForCrdsEstablished(kc, ['servicemonitors.monitoring.coreos.com', 'podmonitors.monitoring.coreos.com']);
}

/** The container `name` of a Deployment (or the first one). */
export function container(deployment: KubeObject, name?: string): Record<string, unknown> & { args: string[] } {
  const spec = deployment.spec as {
    template: { spec: { containers: (Record<string, unknown> & { name: string })[] } };
  };
  const found = spec.template.spec.containers.find((c) => name === undefined || c.name === name);
  if (!found) throw new Error(`Deployment ${deployment.metadata.name} has no container ${name ?? ''}`);
  return found as unknown as Record<string, unknown> & { args: string[] };
}

/**
 * What `serin operator` makes of a container's args: parsed by the real command's flag
 * definitions (commander) and validated into settings, as the container's entrypoint would.
 * Fails with the operator's own message for a flag it refuses.
 */
export async function operatorSettings(args: readonly string[]): Promise<OperatorSettings> {
  const [subcommand, ...flags] = args;
  if (subcommand !== 'operator') throw new Error(`the container's first arg is ${subcommand}, not operator`);
  let raw: Record<string, unknown> | undefined;
  const command = operatorCommand(readEnvironment({}))
    .exitOverride()
    .configureOutput({ writeErr: () => undefined, writeOut: () => undefined })
    .action((options: Record<string, unknown>) => {
      raw = options;
    });
  await command.parseAsync([...flags], { from: 'user' });
  if (!raw) throw new Error('serin operator parsed no flags');
  const parsed = parseOperatorFlags(raw, providerRegistry);
  if (!parsed.ok) throw new Error(`serin operator refuses the chart's args:\n${formatFlagIssues(parsed.issues)}`);
  return parsed.settings;
}

/** A kubeconfig that authenticates as an existing ServiceAccount (the chart's), as its pod would. */
export { tokenKubeconfig } from './cluster.js';
