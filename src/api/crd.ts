/**
 * Turns a {@link ResourceDefinition} into an apiextensions.k8s.io/v1 CustomResourceDefinition.
 *
 * TypeBox schemas carry symbol keys and may use keywords Kubernetes rejects, so the schema is
 * deep-cloned into plain JSON in a fixed key order (stable YAML output), TypeBox-only keywords are
 * rewritten into their Kubernetes spelling, and the result is checked against the structural-schema
 * rules before anything is rendered.
 */
import type { ResourceDefinition } from './resource.js';
import { toPlainSchema, type JsonSchema } from './plain-schema.js';
import { assertStructural } from './structural.js';

export { assertStructural } from './structural.js';
export { toPlainSchema, type JsonSchema, type PlainSchemaOptions } from './plain-schema.js';

/** The CustomResourceDefinition object, as much of it as Serin emits. */
export interface CustomResourceDefinition {
  readonly apiVersion: 'apiextensions.k8s.io/v1';
  readonly kind: 'CustomResourceDefinition';
  readonly metadata: { readonly name: string; readonly annotations: Readonly<Record<string, string>> };
  readonly spec: {
    readonly group: string;
    readonly names: {
      readonly kind: string;
      readonly listKind: string;
      readonly plural: string;
      readonly singular: string;
      readonly categories: readonly string[];
    };
    readonly scope: 'Namespaced';
    readonly versions: readonly {
      readonly name: string;
      readonly served: boolean;
      readonly storage: boolean;
      readonly subresources: { readonly status: Record<string, never> };
      readonly additionalPrinterColumns: readonly Record<string, string | number>[];
      readonly schema: { readonly openAPIV3Schema: JsonSchema };
    }[];
  };
}

/** Builds the CustomResourceDefinition for `def`; throws if its schema is not structural. */
export function toCustomResourceDefinition(def: ResourceDefinition): CustomResourceDefinition {
  const openAPIV3Schema = toPlainSchema(def.schema);
  assertStructural(openAPIV3Schema);
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${def.names.plural}.${def.group}`,
      // Keeps `helm uninstall` from deleting the CRDs, and with them every Canary, as Flagger's chart does.
      annotations: { 'helm.sh/resource-policy': 'keep' },
    },
    spec: {
      group: def.group,
      names: { ...def.names, categories: ['all'] },
      scope: 'Namespaced',
      versions: [
        {
          name: def.version,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: def.printerColumns.map((column) => ({
            name: column.name,
            type: column.type,
            jsonPath: column.jsonPath,
            ...(column.priority ? { priority: column.priority } : {}),
          })),
          schema: { openAPIV3Schema },
        },
      ],
    },
  };
}
