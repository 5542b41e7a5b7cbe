/**
 * The AlertProvider resource (`alertproviders.flagger.app`): a chat channel that receives canary
 * notifications, referenced from `Canary.spec.analysis.alerts[].providerRef`.
 */
import { Type, type Static } from '@sinclair/typebox';
import {
  ConditionSchema,
  FLAGGER_GROUP,
  FLAGGER_VERSION,
  ResourceSchema,
  type ResourceDefinition,
  type TResource,
} from './resource.js';
import { OneOfRequired, StringEnum } from './schema-kit.js';

/** Kind of the AlertProvider resource. */
export const ALERT_PROVIDER_KIND = 'AlertProvider';
/** Plural (REST path segment) of the AlertProvider resource. */
export const ALERT_PROVIDER_PLURAL = 'alertproviders';

/** Chat services an AlertProvider may post to; an unknown type is a validation error. */
export const AlertProviderType = {
  Slack: 'slack',
  MsTeams: 'msteams',
  Discord: 'discord',
  Rocket: 'rocket',
  GoogleChat: 'gchat',
} as const;
/** Union of {@link AlertProviderType} values. */
export type AlertProviderType = (typeof AlertProviderType)[keyof typeof AlertProviderType];

/** Schema of `AlertProvider.spec`. */
export const AlertProviderSpecSchema = Type.Object(
  {
    type: StringEnum(Object.values(AlertProviderType), { description: 'Chat service the messages go to.' }),
    channel: Type.Optional(Type.String({ description: 'Channel to post to. Default `general`.' })),
    username: Type.Optional(Type.String({ description: 'Name the messages are posted under. Default `flagger`.' })),
    address: Type.Optional(Type.String({ description: 'Incoming-webhook URL of the chat service.' })),
    proxy: Type.Optional(Type.String({ description: 'HTTP(S) proxy URL used to reach the chat service.' })),
    secretRef: Type.Optional(
      Type.Object(
        { name: Type.String({ description: 'Name of the Secret.' }) },
        {
          description:
            'Secret in the provider namespace with key `address` (the webhook URL) and, for Slack, optional `token`.',
        },
      ),
    ),
  },
  {
    description: 'Where and how to post. Needs `type` and exactly one of `address` or `secretRef`.',
    ...OneOfRequired([
      ['type', 'address'],
      ['type', 'secretRef'],
    ]),
  },
);

/** Schema of `AlertProvider.status`; declared for compatibility, not written. */
export const AlertProviderStatusSchema = Type.Object(
  { conditions: Type.Optional(Type.Array(ConditionSchema, { description: 'Conditions; unused.' })) },
  { description: 'Observed state; declared for compatibility, Serin does not write it.' },
);

/** Schema of a whole AlertProvider object. */
export const AlertProviderSchema: TResource<typeof AlertProviderSpecSchema, typeof AlertProviderStatusSchema> =
  ResourceSchema(
    'A chat channel that receives canary notifications.',
    AlertProviderSpecSchema,
    AlertProviderStatusSchema,
  );

/** An AlertProvider object. */
export type AlertProvider = Static<typeof AlertProviderSchema>;
/** `spec` of an AlertProvider. */
export type AlertProviderSpec = Static<typeof AlertProviderSpecSchema>;

/** CRD definition of `alertproviders.flagger.app`. */
export const AlertProviderDefinition: ResourceDefinition<typeof AlertProviderSchema> = {
  group: FLAGGER_GROUP,
  version: FLAGGER_VERSION,
  names: {
    kind: ALERT_PROVIDER_KIND,
    listKind: 'AlertProviderList',
    plural: ALERT_PROVIDER_PLURAL,
    singular: 'alertprovider',
  },
  printerColumns: [{ name: 'Type', type: 'string', jsonPath: '.spec.type' }],
  schema: AlertProviderSchema,
};
