/**
 * The per-service plan of an App Mesh → Gateway API migration (appmesh-lattice.md §5.3): Phase A
 * puts the service behind the Gateway as well, Phase B moves its callers one workload at a time,
 * Phase C retires App Mesh for it. Each phase has its steps with the kubectl commands for this
 * Canary's names and namespace, how to verify it, and how to go back. Pure text, no I/O.
 */
import type { Canary } from '../api/index.js';
import { serviceNames } from '../routers/canary-names.js';
import type { GatewayTarget } from './appmesh-to-gatewayapi.js';

/** What the plan needs besides the two Canaries. */
export interface PlanOptions {
  readonly gateway: GatewayTarget;
  /** The Gateway is Amazon VPC Lattice's. */
  readonly lattice: boolean;
  /** The shell command that prints the migrated Canary as YAML (`serin migrate … -o yaml`). */
  readonly yamlCommand: string;
}

/** One phase: what to do, how to see it worked, how to undo it. */
export interface PlanPhase {
  readonly title: string;
  readonly steps: readonly string[];
  readonly verify: readonly string[];
  readonly back: readonly string[];
}

/** The annotation that keeps a sidecar client's calls to these addresses away from its Envoy. */
export const EGRESS_IGNORED_IPS = 'appmesh.k8s.aws/egressIgnoredIPs';
/** IMDS (the annotation replaces the default list, so it must stay) and VPC Lattice's link-local range. */
export const LATTICE_EGRESS_IPS = '169.254.169.254,169.254.171.0/24';
/** Turns the App Mesh sidecar injector off for a pod. */
export const INJECTOR_ANNOTATION = 'appmesh.k8s.aws/sidecarInjectorWebhook';
/** What the AWS Gateway API Controller writes on the HTTPRoute once the Lattice service exists. */
export const LATTICE_DOMAIN_ANNOTATION = 'application-networking.k8s.aws/lattice-assigned-domain-name';

interface Names {
  readonly kubectl: string;
  readonly canary: string;
  readonly apex: string;
  readonly primary: string;
  readonly canarySvc: string;
  readonly workload: string;
  readonly meshUrl: string;
}

function namesOf(canary: Canary): Names {
  const ns = canary.metadata?.namespace;
  const names = serviceNames(canary);
  const port = canary.spec.service?.port ?? 80;
  return {
    kubectl: ns ? `kubectl -n ${ns}` : 'kubectl',
    canary: canary.metadata?.name ?? names.apex,
    apex: names.apex,
    primary: names.primary,
    canarySvc: names.canary,
    workload: `${canary.spec.targetRef.kind.toLowerCase()}/${canary.spec.targetRef.name}`,
    meshUrl: `http://${names.apex}${ns ? `.${ns}` : ''}:${port}`,
  };
}

function patchTemplate(key: string, value: string): string {
  return `--type merge -p '{"spec":{"template":{"metadata":{"annotations":{"${key}":"${value}"}}}}}'`;
}

/** The three phases for one migrated Canary (`original` is the App Mesh one). */
export function migrationPlan(original: Canary, migrated: Canary, options: PlanOptions): PlanPhase[] {
  const n = namesOf(migrated);
  return [phaseA(n, options), phaseB(n, migrated, options), phaseC(n, original)];
}

function phaseA(n: Names, options: PlanOptions): PlanPhase {
  const gw = `${options.gateway.namespace}/${options.gateway.name}`;
  return {
    title: 'Phase A: put the service behind the Gateway as well (no caller sees a change)',
    steps: [
      `wait until the Canary is idle (Succeeded or Initialized): ${n.kubectl} get canary ${n.canary} -o jsonpath='{.status.phase}'`,
      `suspend it while editing: ${n.kubectl} patch canary ${n.canary} --type merge -p '{"spec":{"suspend":true}}'`,
      `apply the migrated Canary: ${options.yamlCommand} | ${n.kubectl} apply -f -`,
      `unsuspend it: ${n.kubectl} patch canary ${n.canary} --type merge -p '{"spec":{"suspend":false}}'`,
      `App Mesh's VirtualNodes ${n.primary}/${n.canarySvc}, VirtualRouters and VirtualServices ${n.apex}/${n.canarySvc} stay: Serin no longer touches them, the router stays at ${n.primary} 100%, so mesh callers keep reaching the primary only`,
      `until Phase B only Gateway callers reach the canary: point the load-test webhook at the Gateway name`,
    ],
    verify: [
      `${n.kubectl} get httproute ${n.apex} -o yaml: parentRefs ${gw}, backends ${n.primary} (weight 100) and ${n.canarySvc} (weight 0), status.parents[].conditions Accepted=True`,
      ...(options.lattice
        ? [
            `${n.kubectl} get httproute ${n.apex} -o jsonpath='{.metadata.annotations.${LATTICE_DOMAIN_ANNOTATION.replaceAll('.', '\\.')}}' prints the Lattice domain name`,
            `the Lattice target groups' targets are healthy: aws vpc-lattice list-targets --target-group-identifier <id>`,
          ]
        : []),
      `${n.kubectl} get virtualrouter ${n.apex} -o jsonpath='{.spec.routes[0].httpRoute.action.weightedTargets}' still sends 100 to ${n.primary}`,
    ],
    back: [
      `re-apply the App Mesh Canary (your original file) with ${n.kubectl} apply -f <file>, then ${n.kubectl} delete httproute ${n.apex}: mesh callers never left the App Mesh path`,
    ],
  };
}

function phaseB(n: Names, migrated: Canary, options: PlanOptions): PlanPhase {
  const host = migrated.spec.service?.hosts?.[0];
  const newName = host ?? (options.lattice ? 'the lattice-assigned domain name' : "the Gateway's address");
  const ips = options.lattice ? LATTICE_EGRESS_IPS : `169.254.169.254,<the Gateway's addresses>`;
  return {
    title: 'Phase B: move the callers, one client workload at a time',
    steps: [
      `for a client with an Envoy sidecar, let its calls to the Gateway bypass Envoy (Envoy answers 404 for hosts it does not know): kubectl -n <client-ns> patch deployment <client> ${patchTemplate(EGRESS_IGNORED_IPS, ips)}`,
      `change the client's upstream URL from ${n.meshUrl} to ${newName}`,
      'a client that Serin manages gets its own canary analysis of this change: the new URL is tested on a slice of traffic',
    ],
    verify: [
      `the client's own error rate stays flat`,
      ...(options.lattice
        ? [`HTTPCode_5XX_Count of the Lattice service (CloudWatch AWS/VpcLattice) for ${n.apex} stays at 0`]
        : []),
      `${n.kubectl} get canary ${n.canary}: releases of ${n.apex} now see the client's traffic`,
    ],
    back: [
      `revert the client's URL (kubectl -n <client-ns> rollout undo deployment <client>): the mesh path ${n.meshUrl} is still there`,
    ],
  };
}

function phaseC(n: Names, original: Canary): PlanPhase {
  const backends = original.spec.service?.backends ?? [];
  return {
    title: 'Phase C: retire App Mesh for the service (once no caller uses the mesh name)',
    steps: [
      `check that no caller still uses the mesh name: the callers' envoy_cluster_upstream_rq{envoy_cluster_name=~"cds_egress_.*_${n.apex}_.*"} has dropped to 0`,
      ...(backends.length > 0
        ? [
            `first move ${n.apex}'s own calls off the mesh (Phase B for it as a client; it called ${backends.length} App Mesh backend(s), e.g. ${backends[0] ?? ''})`,
          ]
        : []),
      `turn the sidecar off on the pod template; Serin releases this revision as a canary, so removing the sidecar is itself tested: ${n.kubectl} patch ${n.workload} ${patchTemplate(INJECTOR_ANNOTATION, 'disabled')}`,
      `once that release Succeeded, delete the App Mesh objects in dependency order: ${n.kubectl} delete virtualservice ${n.apex} ${n.canarySvc}; ${n.kubectl} delete virtualrouter ${n.apex} ${n.canarySvc}; ${n.kubectl} delete virtualnode ${n.primary} ${n.canarySvc}`,
      `remove ${EGRESS_IGNORED_IPS} from clients that no longer have a sidecar`,
    ],
    verify: [
      `${n.kubectl} get canary ${n.canary} -o jsonpath='{.status.phase}' is Succeeded after the sidecar-less release`,
      `${n.kubectl} get pods -o jsonpath='{.items[*].spec.containers[*].name}' shows no envoy container in ${n.primary}'s pods`,
      `${n.kubectl} get virtualservices,virtualrouters,virtualnodes finds none of ${n.apex}'s`,
    ],
    back: [
      `before the deletes: remove the ${INJECTOR_ANNOTATION} annotation again (a new release brings the sidecar back)`,
      `after the deletes: apply the original App Mesh Canary; Serin recreates the VirtualNodes, VirtualRouters and VirtualServices`,
    ],
  };
}

/** The phases as indented text. */
export function renderPlan(phases: readonly PlanPhase[]): string[] {
  return phases.flatMap((phase) => [
    phase.title,
    ...phase.steps.map((s, i) => `  ${i + 1}. ${s}`),
    '  verify:',
    ...phase.verify.map((v) => `    - ${v}`),
    '  go back:',
    ...phase.back.map((b) => `    - ${b}`),
  ]);
}
