/**
 * The JSON body Flagger posts to every webhook (flagger-spec §8.1): what the operator sends and what
 * `serin loadtester` reads. One definition for both, so the two cannot drift.
 */
import { Type, type Static } from '@sinclair/typebox';
import { StringMap } from './schema-kit.js';

/**
 * Schema of the webhook payload. Field order is kept as Flagger writes it (name, namespace, phase,
 * checksum, metadata) for byte-for-byte compatible bodies.
 */
export const WebhookPayloadSchema = Type.Object(
  {
    name: Type.String({ description: 'Name of the Canary.' }),
    namespace: Type.String({ description: 'Namespace of the Canary.' }),
    phase: Type.String({ description: 'The phase the hook is called in (Progressing, Succeeded, …).' }),
    checksum: Type.String({ description: 'Opaque identifier of the deployed configuration.' }),
    metadata: Type.Optional(
      StringMap(Type.String({ description: 'Value.' }), {
        description: "The hook's `metadata`; omitted when the hook has none.",
      }),
    ),
  },
  { description: 'The body of every webhook call.' },
);

/** The JSON body Flagger posts to every webhook (field order kept for byte-for-byte compatibility). */
export interface WebhookPayload extends Readonly<Omit<Static<typeof WebhookPayloadSchema>, 'metadata'>> {
  readonly metadata?: Readonly<Record<string, string>>;
}
