import { parse, stringify } from 'yaml';

/**
 * Pods whose template carries this annotation start Running but never become Ready (kwok's stand-in
 * for an app that fails its readiness probe), so tests can play a broken release.
 */
export const UNREADY_ANNOTATION = 'kwok.serin.dev/unready';

const notUnready = { key: `.metadata.annotations["${UNREADY_ANNOTATION}"]`, operator: 'DoesNotExist' };

/** The stage for annotated pods: Running, containers started, Ready False. */
const POD_UNREADY = {
  apiVersion: 'kwok.x-k8s.io/v1alpha1',
  kind: 'Stage',
  metadata: { name: 'pod-unready' },
  spec: {
    resourceRef: { apiGroup: 'v1', kind: 'Pod' },
    selector: {
      matchExpressions: [
        { key: '.metadata.deletionTimestamp', operator: 'DoesNotExist' },
        { key: '.status.phase', operator: 'In', values: ['Pending'] },
        { key: `.metadata.annotations["${UNREADY_ANNOTATION}"]`, operator: 'Exists' },
      ],
    },
    next: {
      statusTemplate: [
        '{{ $now := Now }}',
        'conditions:',
        '- {lastTransitionTime: {{ $now | Quote }}, status: "True", type: Initialized}',
        '- {lastTransitionTime: {{ $now | Quote }}, status: "False", type: Ready, reason: ContainersNotReady}',
        '- {lastTransitionTime: {{ $now | Quote }}, status: "False", type: ContainersReady, reason: ContainersNotReady}',
        'containerStatuses:',
        '{{ range .spec.containers }}',
        '- {image: {{ .image | Quote }}, name: {{ .name | Quote }}, ready: false, restartCount: 0, started: true, state: {running: {startedAt: {{ $now | Quote }}}}}',
        '{{ end }}',
        '{{ $hostIPs := NodeIPsWith .spec.nodeName }}',
        '{{ with $hostIPs }}hostIP: {{ index . 0 | Quote }}{{ end }}',
        '{{ $podIPs := PodIPsWith .spec.nodeName false ( or .metadata.uid "" ) ( or .metadata.name "" ) ( or .metadata.namespace "" ) }}',
        '{{ with $podIPs }}podIP: {{ index . 0 | Quote }}{{ end }}',
        'phase: Running',
        'startTime: {{ $now | Quote }}',
      ].join('\n'),
    },
  },
};

/**
 * kwok's configuration: its default stages as given (files from the kwok module), with pod-ready
 * narrowed to pods without the unready annotation, plus the pod-unready stage.
 */
export function kwokStagesConfig(stageTexts: readonly string[]): string {
  const stages = stageTexts.map(
    (text) => parse(text) as { metadata: { name: string }; spec: { selector?: { matchExpressions?: unknown[] } } },
  );
  for (const stage of stages) {
    if (stage.metadata.name === 'pod-ready') {
      stage.spec.selector = {
        ...stage.spec.selector,
        matchExpressions: [...(stage.spec.selector?.matchExpressions ?? []), notUnready],
      };
    }
  }
  return [...stages, POD_UNREADY].map((s) => stringify(s)).join('---\n');
}
