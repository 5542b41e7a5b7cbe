/**
 * Metadata rules for the objects Serin derives from the target (Flagger §4.1): which labels and
 * annotations are copied, the rewritten selector label, the pod annotation that forces a rolling
 * update, and the anti-affinity rewrite that keeps primary pods apart from each other.
 */
import { PRIMARY_SUFFIX } from './config-refs.js';
import type { LabelSelector, PodSpec } from './kube-types.js';

/** Pod-template annotation whose change forces the primary to roll its pods on promotion. */
export const FLAGGER_ID_ANNOTATION = 'flagger-id';

/** Flux's own metadata: never copied, or Flux would think it owns Serin's objects. */
const TOOLKIT = 'toolkit.fluxcd.io';

type Meta = Readonly<Record<string, string>> | undefined;

/** A copy of `m` without Flux toolkit keys. */
export function withoutToolkit(m: Meta): Record<string, string> {
  return Object.fromEntries(Object.entries(m ?? {}).filter(([k]) => !k.includes(TOOLKIT)));
}

/**
 * The entries of `m` whose key starts with one of `prefixes` (`*` keeps all; empty entries are
 * ignored), Flux toolkit keys never. With no prefixes nothing is kept.
 */
export function includeByPrefix(m: Meta, prefixes: readonly string[]): Record<string, string> {
  const all = prefixes.includes('*');
  const wanted = prefixes.filter((p) => p !== '');
  return Object.fromEntries(
    Object.entries(withoutToolkit(m)).filter(([k]) => all || wanted.some((p) => k.startsWith(p))),
  );
}

/** Labels for the primary: `m` without toolkit keys and with the selector label set to the primary's value. */
export function primaryLabels(m: Meta, labelKey: string, primaryValue: string): Record<string, string> {
  return { ...withoutToolkit(m), [labelKey]: primaryValue };
}

/** Pod-template annotations for the primary: the target's, with `flagger-id` set to `id`. */
export function primaryPodAnnotations(m: Meta, id: string): Record<string, string> {
  return { ...withoutToolkit(m), [FLAGGER_ID_ANNOTATION]: id };
}

/**
 * A copy of `pod` whose pod anti-affinity terms and topology spread constraints select primary
 * pods where they selected the target's: a selector-label value equal to the target's name gets
 * `-primary` (the first such value of a match expression; a matchLabels value). Pod affinity is
 * left alone: co-locating with the target's pods may be intended.
 */
export function withPrimaryAffinity(pod: PodSpec, selectorLabels: readonly string[], targetName: string): PodSpec {
  const copy = structuredClone(pod);
  const rewrite = (selector: LabelSelector | undefined): void => {
    if (!selector) return;
    for (const expr of selector.matchExpressions ?? []) {
      if (!selectorLabels.includes(expr.key) || !expr.values) continue;
      const i = expr.values.indexOf(targetName);
      if (i >= 0) expr.values[i] = targetName + PRIMARY_SUFFIX;
    }
    for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
      if (selectorLabels.includes(key) && value === targetName && selector.matchLabels) {
        selector.matchLabels[key] = value + PRIMARY_SUFFIX;
      }
    }
  };
  for (const constraint of copy.topologySpreadConstraints ?? []) rewrite(constraint.labelSelector);
  const anti = copy.affinity?.podAntiAffinity;
  for (const term of anti?.preferredDuringSchedulingIgnoredDuringExecution ?? []) {
    rewrite(term.podAffinityTerm.labelSelector);
  }
  for (const term of anti?.requiredDuringSchedulingIgnoredDuringExecution ?? []) rewrite(term.labelSelector);
  return copy;
}
