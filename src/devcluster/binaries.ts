import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

const REPO_ROOT = resolve(import.meta.dirname, '../..');
const BUILD_SCRIPT = join(REPO_ROOT, 'tools/controlplane/build.sh');
/** Structural App Mesh CRDs authored here, for when the proxy does not serve the App Mesh module. */
const AUTHORED_APPMESH_CRDS = join(REPO_ROOT, 'tools/controlplane/appmesh-crds');
/**
 * AWS's own App Mesh v1beta2 CRDs (App Mesh controller v1.13), kept beside the project in the
 * shared reference folder (CI has it too). Preferred: every App Mesh object Serin writes is then
 * checked by AWS's schemas. The module proxy does not serve the controller module any more.
 */
const REFERENCE_APPMESH_CRDS = join(REPO_ROOT, '../shared/reference/crds/appmesh');

/** Where the built control-plane binaries and the upstream files that go with them live. */
export interface ControlPlaneFiles {
  readonly dir: string;
  readonly bin: {
    readonly etcd: string;
    readonly kubeApiserver: string;
    readonly kubeControllerManager: string;
    readonly kubeScheduler: string;
    readonly kwok: string;
  };
  /** kwok Stage definitions (node-initialize, pod-ready, pod-delete, …) from the kwok module. */
  readonly kwokStages: readonly string[];
  /** App Mesh CRDs (appmesh.k8s.aws/v1beta2) from the aws-app-mesh-controller-for-k8s module. */
  readonly appMeshCrds: readonly string[];
  /** Gateway API standard-channel CRDs from the sigs.k8s.io/gateway-api module. */
  readonly gatewayApiCrds: readonly string[];
  /** KEDA's ScaledObject CRD from the github.com/kedacore/keda/v2 module. */
  readonly kedaCrds: readonly string[];
}

function runBuildScript(args: readonly string[], onProgress: (line: string) => void): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('bash', [BUILD_SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    const tail: string[] = [];
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      for (const line of chunk.split('\n').filter(Boolean)) {
        tail.push(line);
        if (tail.length > 40) tail.shift();
        // Module download chatter is hundreds of lines; the script's own step lines are the progress.
        if (line.startsWith('[controlplane')) onProgress(line);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolvePromise(stdout.trim().split('\n').pop() ?? '');
      else reject(new Error(`control-plane build failed (exit ${code}); last lines:\n${tail.join('\n')}`));
    });
  });
}

function listYaml(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => join(dir, f));
}

/** AWS's CRDs from the reference folder, else the module's, else the structural ones written here. */
function appMeshCrds(fromModule: readonly string[]): string[] {
  if (existsSync(REFERENCE_APPMESH_CRDS)) {
    const reference = listYaml(REFERENCE_APPMESH_CRDS);
    if (reference.length > 0) return reference;
  }
  return fromModule.length > 0 ? [...fromModule] : listYaml(AUTHORED_APPMESH_CRDS);
}

function describe(dir: string): ControlPlaneFiles {
  const bin = join(dir, 'bin');
  const upstreamAppMesh = listYaml(join(dir, 'crds/appmesh'));
  return {
    dir,
    bin: {
      etcd: join(bin, 'etcd'),
      kubeApiserver: join(bin, 'kube-apiserver'),
      kubeControllerManager: join(bin, 'kube-controller-manager'),
      kubeScheduler: join(bin, 'kube-scheduler'),
      kwok: join(bin, 'kwok'),
    },
    kwokStages: listYaml(join(dir, 'kwok')),
    appMeshCrds: appMeshCrds(upstreamAppMesh),
    gatewayApiCrds: listYaml(join(dir, 'crds/gateway-api')),
    kedaCrds: listYaml(join(dir, 'crds/keda')),
  };
}

/**
 * Returns the control-plane files, building them first when this machine has none yet
 * (tools/controlplane/build.sh; tens of minutes cold on 2 cores, progress goes to `onProgress`).
 * With `build: false` a missing build is an error that says which command makes it.
 */
export async function ensureControlPlane(options: {
  readonly build: boolean;
  readonly onProgress: (line: string) => void;
}): Promise<ControlPlaneFiles> {
  const dir = await runBuildScript(['--print-dir'], options.onProgress);
  // The KEDA CRD came later than the first builds: a folder without it is completed (a fetch, no compile).
  if (existsSync(join(dir, '.complete')) && existsSync(join(dir, 'crds/keda'))) return describe(dir);
  if (!options.build) {
    throw new Error(`the local control plane is not built yet (${dir}); run tools/controlplane/build.sh first`);
  }
  options.onProgress(`[controlplane] building into ${dir} (first time on this machine; this takes a while)`);
  return describe(await runBuildScript([], options.onProgress));
}
