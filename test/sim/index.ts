/**
 * The mesh traffic simulator for tests: `MeshTrafficSimulator` plus the behaviours, routing kinds
 * and exposition reader a test wires it with. See mesh-traffic-simulator.ts.
 */
export {
  MeshTrafficSimulator,
  type MeshTrafficSimulatorDeps,
  type MeshTrafficSimulatorOptions,
  type PodCounts,
  type ServiceSnapshot,
  type SideCounts,
  type SimulatedService,
  type SimulatorSnapshot,
} from './mesh-traffic-simulator.js';
export {
  DEFAULT_BEHAVIOUR,
  constantBehaviour,
  fromAnnotation,
  fromConfigMap,
  type BehaviourOf,
  type LatencyDistribution,
  type PodBehaviour,
} from './behaviour.js';
export { HTTP_ROUTE, POD, SERVICE, Side, TrafficProvider, simulatorKinds, type SimPod } from './routing.js';
export { parseExposition, type ParsedExposition, type Sample } from './exposition.js';
export { select, selectorsOf } from './series-selector.js';
export { APP_BUCKETS_SECONDS, ENVOY_BUCKETS_MS } from './telemetry.js';
