/**
 * Schema of `Canary.spec.service`: how Serin exposes the workload (apex, primary and canary
 * Services) and what it writes into the routing objects of each mesh or gateway.
 */
import { Type, type Static } from '@sinclair/typebox';
import { HttpMatchRequestSchema, ISTIO_OPERATORS, StringMatch, optionalString } from './canary-match.js';
import { CelRules, Int32, IntOrString, PreserveUnknown, StringEnum, StringMap } from './schema-kit.js';

const DNS_SUBDOMAIN = '^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
const DNS_LABEL = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
const KIND_NAME = '^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$';
const SECTION_NAME = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';

const GatewayRefSchema = Type.Object(
  {
    group: Type.Optional(
      Type.String({
        description: 'API group of the parent. Default `gateway.networking.k8s.io`.',
        default: 'gateway.networking.k8s.io',
        maxLength: 253,
        pattern: DNS_SUBDOMAIN,
      }),
    ),
    kind: Type.Optional(
      Type.String({
        description: 'Kind of the parent. Default `Gateway`.',
        default: 'Gateway',
        minLength: 1,
        maxLength: 63,
        pattern: KIND_NAME,
      }),
    ),
    namespace: Type.Optional(
      Type.String({
        description: 'Namespace of the parent; defaults to the Canary namespace.',
        minLength: 1,
        maxLength: 63,
        pattern: DNS_LABEL,
      }),
    ),
    name: Type.String({ description: 'Name of the parent Gateway.', minLength: 1, maxLength: 253 }),
    sectionName: Type.Optional(
      Type.String({
        description: 'Listener of the parent to attach to; all listeners when unset.',
        minLength: 1,
        maxLength: 253,
        pattern: SECTION_NAME,
      }),
    ),
    port: Type.Optional(
      Int32({ description: 'Listener port of the parent to attach to.', minimum: 1, maximum: 65535 }),
    ),
  },
  { description: 'A parent (usually a Gateway) the generated HTTPRoute attaches to.' },
);

const MirrorSchema = Type.Object(
  {
    backendRef: Type.Object(
      {
        group: Type.Optional(
          Type.String({
            description: 'API group of the backend; empty for the core group. Default empty.',
            default: '',
            maxLength: 253,
            pattern: DNS_SUBDOMAIN,
          }),
        ),
        kind: Type.Optional(
          Type.String({
            description: 'Kind of the backend. Default `Service`.',
            default: 'Service',
            minLength: 1,
            maxLength: 63,
            pattern: KIND_NAME,
          }),
        ),
        name: Type.String({ description: 'Name of the backend.', minLength: 1, maxLength: 253 }),
        namespace: Type.Optional(
          Type.String({
            description: 'Namespace of the backend; defaults to the Canary namespace.',
            minLength: 1,
            maxLength: 63,
            pattern: DNS_LABEL,
          }),
        ),
        port: Type.Optional(
          Int32({ description: 'Port of the backend; required for a core Service.', minimum: 1, maximum: 65535 }),
        ),
      },
      {
        description: 'Where mirrored requests are sent.',
        ...CelRules({
          rule: "!(self.group == '' && self.kind == 'Service') || has(self.port)",
          message: 'port is required when the backend is a core Service',
          fieldPath: '.port',
          check: (self) => !((self.group ?? '') === '' && (self.kind ?? 'Service') === 'Service') || 'port' in self,
        }),
      },
    ),
  },
  { description: 'A static request-mirror filter.' },
);

function serviceMetadata(description: string) {
  return Type.Optional(
    Type.Object(
      {
        labels: Type.Optional(
          StringMap(Type.String({ description: 'Label value.' }), { description: 'Labels to add.' }),
        ),
        annotations: Type.Optional(
          StringMap(Type.String({ description: 'Annotation value.' }), { description: 'Annotations to add.' }),
        ),
      },
      { description },
    ),
  );
}

function headerOperations(description: string) {
  return Type.Optional(
    Type.Object(
      {
        set: Type.Optional(
          StringMap(Type.String({ description: 'Header value.' }), {
            description: 'Headers to set, replacing any value.',
          }),
        ),
        add: Type.Optional(
          StringMap(Type.String({ description: 'Header value.' }), { description: 'Headers to append.' }),
        ),
        remove: Type.Optional(
          Type.Array(Type.String({ description: 'Header name.' }), { description: 'Headers to remove.' }),
        ),
      },
      { description },
    ),
  );
}

function stringList(itemDescription: string, description: string) {
  return Type.Optional(Type.Array(Type.String({ description: itemDescription }), { description }));
}

const CorsPolicySchema = Type.Object(
  {
    allowOrigin: stringList('Origin.', 'Exact origins allowed to make CORS requests.'),
    allowOrigins: Type.Optional(
      Type.Array(StringMatch(ISTIO_OPERATORS, 'exactly-one', { description: 'Origin matcher.' }), {
        description: 'Origin patterns allowed to make CORS requests (Istio only; Gateway API ignores them).',
      }),
    ),
    allowMethods: stringList('HTTP method.', 'HTTP methods allowed in CORS requests.'),
    allowHeaders: stringList('Header name.', 'Request headers allowed in CORS requests.'),
    exposeHeaders: stringList('Header name.', 'Response headers browsers may read.'),
    maxAge: optionalString('How long preflight results may be cached, as a Go duration (e.g. `24h`).'),
    allowCredentials: Type.Optional(Type.Boolean({ description: 'Allow requests with credentials.' })),
  },
  { description: 'Cross-origin resource sharing policy for the generated route (Istio, Gateway API).' },
);

/** Schema of `spec.service`. */
export const CanaryServiceSchema = Type.Object(
  {
    name: optionalString('Name of the apex Service and routing objects. Default: the target name.'),
    port: Int32({ description: 'Port of the generated ClusterIP Services.', minimum: 1, maximum: 65535 }),
    portName: optionalString('Name of the Service port. Default `http`; App Mesh uses gRPC if it contains `grpc`.'),
    targetPort: Type.Optional(
      IntOrString({ description: 'Container port (number or name) the Services send to. Default: `port`.' }),
    ),
    appProtocol: optionalString('Application protocol of the Service port, copied to `appProtocol`.'),
    trafficDistribution: Type.Optional(
      StringEnum(['PreferClose', 'PreferSameZone', 'PreferSameNode'], {
        description: 'Traffic distribution preference of the generated Services (set on creation only).',
      }),
    ),
    portDiscovery: Type.Optional(
      Type.Boolean({ description: 'Also expose every other container port on the Services. Default false.' }),
    ),
    headless: Type.Optional(
      Type.Boolean({ description: 'Create headless Services (`clusterIP: None`), on creation only. Default false.' }),
    ),
    timeout: optionalString('Per-request timeout of the route, as a Go duration (e.g. `15s`).'),
    backendTimeout: optionalString('Gateway API only: timeout of each request to the backend, as a Go duration.'),
    meshName: optionalString('Legacy `appmesh` (v1beta1) provider only: name of the mesh.'),
    backends: stringList(
      'A virtual service name, or its ARN when it starts with `arn:aws`.',
      'App Mesh: virtual services this workload may call.',
    ),
    hosts: stringList('Host name.', 'Host names of the route (Istio hosts, HTTPRoute hostnames, App Mesh gateway).'),
    gateways: stringList('Gateway name.', 'Istio gateways the VirtualService is bound to.'),
    gatewayRefs: Type.Optional(
      Type.Array(GatewayRefSchema, {
        description: 'Gateway API parents of the HTTPRoute; required by the Gateway API provider.',
        maxItems: 32,
      }),
    ),
    delegation: Type.Optional(
      Type.Boolean({ description: 'Istio: generate a delegate VirtualService (no hosts or gateways).' }),
    ),
    trafficPolicy: Type.Optional(
      PreserveUnknown({ description: 'Istio DestinationRule traffic policy, passed through unchanged.' }),
    ),
    match: Type.Optional(
      Type.Array(HttpMatchRequestSchema, { description: 'Request conditions for the generated route.' }),
    ),
    rewrite: Type.Optional(
      Type.Object(
        {
          uri: optionalString('Replacement for the path (or its matched prefix).'),
          authority: optionalString('Replacement for the Host header.'),
          type: optionalString('Gateway API: `ReplacePrefixMatch` rewrites the prefix, anything else the full path.'),
        },
        { description: 'URL rewrite applied before forwarding (Istio, Gateway API).' },
      ),
    ),
    retries: Type.Optional(
      Type.Object(
        {
          attempts: Type.Optional(Int32({ description: 'How many times a request is retried.' })),
          perTryTimeout: optionalString('Timeout of each attempt, as a Go duration.'),
          retryOn: optionalString('Comma-separated conditions that trigger a retry (e.g. `5xx,gateway-error`).'),
        },
        { description: 'Retry policy of the route (Istio, App Mesh).' },
      ),
    ),
    headers: Type.Optional(
      Type.Object(
        {
          request: headerOperations('Changes to request headers.'),
          response: headerOperations('Changes to response headers.'),
        },
        { description: 'Header changes on the route (Istio, Gateway API).' },
      ),
    ),
    mirror: Type.Optional(
      Type.Array(MirrorSchema, {
        description: 'Gateway API: static request mirrors, independent of `analysis.mirror`.',
      }),
    ),
    corsPolicy: Type.Optional(CorsPolicySchema),
    apex: serviceMetadata('Labels and annotations for the apex Service (also the HTTPRoute and App Mesh nodes).'),
    primary: serviceMetadata('Labels and annotations for the primary Service.'),
    canary: serviceMetadata('Labels and annotations for the canary Service.'),
    unmanagedMetadata: Type.Optional(
      Type.Object(
        {
          labels: stringList('Label key.', 'Label keys that Serin keeps as found instead of removing.'),
          annotations: stringList('Annotation key.', 'Annotation keys that Serin keeps as found instead of removing.'),
        },
        { description: 'Metadata keys on the generated Services that other tools own.' },
      ),
    ),
  },
  { description: 'How the workload is exposed and routed.' },
);

/** `spec.service` of a Canary. */
export type CanaryService = Static<typeof CanaryServiceSchema>;
