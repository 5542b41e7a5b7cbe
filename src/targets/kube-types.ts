/**
 * The shapes of the Kubernetes objects the workload adapters read and write, as the API server
 * sends them (JSON): only the fields Serin relies on are named; every object keeps the rest through
 * an index signature, so a copy written back loses nothing.
 */
import type { KubeObject } from '../kube/objects.js';

/** `apps/v1` Deployment. */
export const DEPLOYMENT = { apiVersion: 'apps/v1', kind: 'Deployment' } as const;
/** `apps/v1` DaemonSet. */
export const DAEMON_SET = { apiVersion: 'apps/v1', kind: 'DaemonSet' } as const;
/** Core ConfigMap. */
export const CONFIG_MAP = { apiVersion: 'v1', kind: 'ConfigMap' } as const;
/** Core Secret. */
export const SECRET = { apiVersion: 'v1', kind: 'Secret' } as const;
/** The one HPA version Serin reads and writes, whatever `autoscalerRef.apiVersion` says. */
export const HPA = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler' } as const;
/** KEDA's ScaledObject; served only where KEDA (or its CRD) is installed. */
export const SCALED_OBJECT = { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject' } as const;

/** `metav1.LabelSelector`. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
  [field: string]: unknown;
}

/** A reference to one key of a ConfigMap or Secret (`env[].valueFrom.*KeyRef`). */
export interface KeyRef {
  name?: string;
  key?: string;
  optional?: boolean;
  [field: string]: unknown;
}

/** A reference to a whole ConfigMap or Secret (`envFrom[]`, projected sources). */
export interface NamedRef {
  name?: string;
  optional?: boolean;
  [field: string]: unknown;
}

/** A container of a pod spec: the parts that reference configs and declare ports. */
export interface Container {
  name: string;
  ports?: { name?: string; containerPort: number; [field: string]: unknown }[];
  env?: {
    name: string;
    value?: string;
    valueFrom?: { configMapKeyRef?: KeyRef; secretKeyRef?: KeyRef; [field: string]: unknown };
  }[];
  envFrom?: { configMapRef?: NamedRef; secretRef?: NamedRef; [field: string]: unknown }[];
  [field: string]: unknown;
}

/** A pod volume: the sources that name ConfigMaps and Secrets. */
export interface Volume {
  name: string;
  configMap?: NamedRef;
  secret?: { secretName?: string; optional?: boolean; [field: string]: unknown };
  projected?: { sources?: { configMap?: NamedRef; secret?: NamedRef; [f: string]: unknown }[]; [f: string]: unknown };
  [field: string]: unknown;
}

/** A pod affinity term: the part of anti-affinity that selects pods by label. */
export interface AffinityTerm {
  labelSelector?: LabelSelector;
  [field: string]: unknown;
}

/** `core/v1` PodSpec: containers, volumes, and the selectors that name the workload's own pods. */
export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  volumes?: Volume[];
  affinity?: {
    podAntiAffinity?: {
      requiredDuringSchedulingIgnoredDuringExecution?: AffinityTerm[];
      preferredDuringSchedulingIgnoredDuringExecution?: { podAffinityTerm: AffinityTerm; [f: string]: unknown }[];
      [field: string]: unknown;
    };
    [field: string]: unknown;
  };
  topologySpreadConstraints?: { labelSelector?: LabelSelector; [field: string]: unknown }[];
  nodeSelector?: Record<string, string>;
  [field: string]: unknown;
}

/** `spec.template` of a workload: what the revision hash covers. */
export interface PodTemplateSpec {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string>; [field: string]: unknown };
  spec: PodSpec;
}

/** A condition of `status.conditions` (`Progressing`, `Available`, …). */
export interface DeploymentCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastUpdateTime?: string;
  lastTransitionTime?: string;
}

/** What every workload Serin releases has in its `spec`: a pod selector and a pod template. */
export interface WorkloadSpec {
  selector: LabelSelector;
  template: PodTemplateSpec;
  [field: string]: unknown;
}

/** A workload Serin releases through a `-primary` copy (Deployment, DaemonSet). */
export interface Workload extends KubeObject {
  spec: WorkloadSpec;
}

/** `spec` of an `apps/v1` Deployment. */
export interface DeploymentSpec extends WorkloadSpec {
  replicas?: number;
  progressDeadlineSeconds?: number;
  minReadySeconds?: number;
  revisionHistoryLimit?: number;
  strategy?: Record<string, unknown>;
  [field: string]: unknown;
}

/** An `apps/v1` Deployment with the status fields readiness reads. */
export interface Deployment extends Workload {
  spec: DeploymentSpec;
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    conditions?: DeploymentCondition[];
    [field: string]: unknown;
  };
}

/** `spec` of an `apps/v1` DaemonSet. */
export interface DaemonSetSpec extends WorkloadSpec {
  minReadySeconds?: number;
  revisionHistoryLimit?: number;
  /** `type` is `RollingUpdate` (the default) or `OnDelete`. */
  updateStrategy?: { type?: string; [field: string]: unknown };
}

/** An `apps/v1` DaemonSet with the status fields readiness reads. */
export interface DaemonSet extends Workload {
  spec: DaemonSetSpec;
  status?: {
    observedGeneration?: number;
    /** Nodes that should run a pod of the DaemonSet. */
    desiredNumberScheduled?: number;
    /** Nodes running a pod of the current template. */
    updatedNumberScheduled?: number;
    numberReady?: number;
    numberAvailable?: number;
    [field: string]: unknown;
  };
}

/** A core ConfigMap. */
export interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
}

/** A core Secret. */
export interface Secret extends KubeObject {
  type?: string;
  /** Values are base64, as the API server sends them. */
  data?: Record<string, string>;
}

/** An `autoscaling/v2` HorizontalPodAutoscaler. */
export interface HorizontalPodAutoscaler extends KubeObject {
  spec: {
    scaleTargetRef: { apiVersion?: string; kind: string; name: string };
    minReplicas?: number;
    maxReplicas: number;
    metrics?: unknown[];
    behavior?: Record<string, unknown>;
    [field: string]: unknown;
  };
}

/** One trigger of a KEDA ScaledObject (`spec.triggers[]`). */
export interface ScaleTrigger {
  type: string;
  name?: string;
  metadata: Record<string, string>;
  [field: string]: unknown;
}

/** A KEDA `keda.sh/v1alpha1` ScaledObject. */
export interface ScaledObject extends KubeObject {
  spec: {
    scaleTargetRef: { apiVersion?: string; kind?: string; name: string; envSourceContainerName?: string };
    minReplicaCount?: number;
    maxReplicaCount?: number;
    advanced?: {
      horizontalPodAutoscalerConfig?: { name?: string; [field: string]: unknown };
      [field: string]: unknown;
    };
    triggers: ScaleTrigger[];
    [field: string]: unknown;
  };
}
