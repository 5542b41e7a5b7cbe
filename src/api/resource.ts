/**
 * What every Flagger custom resource shares: API group and version, the object envelope
 * (apiVersion, kind, metadata, spec, status), status conditions, and the description of a CRD
 * that crd.ts turns into a CustomResourceDefinition.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { StringEnum } from './schema-kit.js';

/** API group of all three resources. */
export const FLAGGER_GROUP = 'flagger.app';
/** The one served and stored version. */
export const FLAGGER_VERSION = 'v1beta1';
/** `apiVersion` value of Flagger objects. */
export const FLAGGER_API_VERSION = `${FLAGGER_GROUP}/${FLAGGER_VERSION}`;

/**
 * The parts of Kubernetes ObjectMeta that Serin reads. The CRD schema declares metadata only as an
 * object, because the apiserver validates metadata itself and forbids CRDs to constrain it.
 */
export interface ObjectMeta {
  readonly name?: string;
  readonly namespace?: string;
  readonly uid?: string;
  readonly resourceVersion?: string;
  readonly generation?: number;
  readonly creationTimestamp?: string;
  readonly deletionTimestamp?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly finalizers?: readonly string[];
  readonly [key: string]: unknown;
}

/** A column of `kubectl get` output. */
export interface PrinterColumn {
  readonly name: string;
  readonly type: 'string' | 'boolean' | 'integer' | 'number' | 'date';
  readonly jsonPath: string;
  /** 0 (default) shows the column always, 1 only with `-o wide`. */
  readonly priority?: number;
}

/** The names a CRD registers. */
export interface ResourceNames {
  readonly kind: string;
  readonly listKind: string;
  readonly plural: string;
  readonly singular: string;
}

/** Everything needed to render one CRD: names, printer columns and the full object schema. */
export interface ResourceDefinition<T extends TSchema = TSchema> {
  readonly group: string;
  readonly version: string;
  readonly names: ResourceNames;
  readonly printerColumns: readonly PrinterColumn[];
  /** Schema of the whole object, as built by {@link ResourceSchema}. */
  readonly schema: T;
}

/** Builds the top-level schema of a custom resource around its spec and status. */
export function ResourceSchema<Spec extends TSchema, Status extends TSchema>(
  description: string,
  spec: Spec,
  status: Status,
) {
  return Type.Object(
    {
      apiVersion: Type.Optional(
        Type.String({ description: 'API group and version of this object; `flagger.app/v1beta1`.' }),
      ),
      kind: Type.Optional(Type.String({ description: 'Kind of this object, in CamelCase.' })),
      // Bare on purpose: the apiserver refuses even a description on metadata.
      metadata: Type.Optional(Type.Unsafe<ObjectMeta>({ type: 'object' })),
      spec,
      status: Type.Optional(status),
    },
    { description },
  );
}

/** Status of a condition, as in every Kubernetes API. */
export const ConditionStatus = { True: 'True', False: 'False', Unknown: 'Unknown' } as const;
/** Union of {@link ConditionStatus} values. */
export type ConditionStatus = (typeof ConditionStatus)[keyof typeof ConditionStatus];

/** Schema of one status condition (Canary's `Promoted`; declared but unused on the other kinds). */
export const ConditionSchema = Type.Object(
  {
    type: Type.String({ description: 'Kind of condition; Canary uses only `Promoted`.' }),
    status: StringEnum(Object.values(ConditionStatus), {
      description: 'Whether the condition holds: True, False or Unknown.',
    }),
    reason: Type.String({ description: 'Machine-readable cause in CamelCase; for Canary, the phase name.' }),
    message: Type.Optional(Type.String({ description: 'Human-readable explanation of the current state.' })),
    lastUpdateTime: Type.Optional(
      Type.String({ format: 'date-time', description: 'When the condition was last written (RFC 3339).' }),
    ),
    lastTransitionTime: Type.Optional(
      Type.String({ format: 'date-time', description: 'When `status` last changed (RFC 3339).' }),
    ),
  },
  { description: 'An observation about the object, in the usual Kubernetes shape.' },
);
/** One status condition. */
export type Condition = Static<typeof ConditionSchema>;

/** Object envelope schema shared by all kinds. */
export type TResource<Spec extends TSchema, Status extends TSchema> = ReturnType<typeof ResourceSchema<Spec, Status>>;
