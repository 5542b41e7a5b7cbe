/**
 * Annotations Serin reads on a Canary: how a person steers a live release (`serin pause|resume|
 * promote|abort|retry`, or the same with `kubectl annotate`). Annotations, not spec fields, so a
 * GitOps tool re-applying the user's manifest neither undoes them nor fights over them.
 */

/** "true" holds the canary where it is (weights and phase) until the annotation is removed. */
export const PAUSED_ANNOTATION = 'serin.dev/paused';

/**
 * A one-shot request: `promote`, `abort` or `retry`. The operator acts on it at once (not at the next
 * analysis tick), records an event saying what it did or why it could not, and removes it.
 */
export const COMMAND_ANNOTATION = 'serin.dev/command';

/** What a person can ask of a running release through {@link COMMAND_ANNOTATION}. */
export const CanaryCommands = ['promote', 'abort', 'retry'] as const;
export type CanaryCommand = (typeof CanaryCommands)[number];

/** The command a Canary's annotations ask for: undefined for none, a string for an unknown one. */
export function requestedCommand(
  annotations: Readonly<Record<string, string>> | undefined,
): CanaryCommand | { readonly unknown: string } | undefined {
  const value = annotations?.[COMMAND_ANNOTATION]?.trim();
  if (value === undefined || value === '') return undefined;
  return (CanaryCommands as readonly string[]).includes(value) ? (value as CanaryCommand) : { unknown: value };
}
