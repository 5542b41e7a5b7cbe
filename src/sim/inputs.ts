import { asStored } from '../kube/as-stored.js';
import { readFile } from 'node:fs/promises';
import { createValidators, FLAGGER_API_VERSION, formatIssues } from '../api/index.js';
import type { KubeObject } from '../kube/objects.js';
import { readYamlDocuments } from '../kube/yaml-documents.js';
import { parseScenario, type Scenario } from './scenario.js';

/** A problem with an input file, worded for the person who wrote it. */
export class InputError extends Error {
  override name = 'InputError';
}

async function read(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new InputError(`${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}

/**
 * Reads Kubernetes manifests (Canary, Deployment, ConfigMaps, …) from YAML files. Flagger objects
 * are validated like the API server would, unknown fields included; every problem names the file,
 * the object and the field.
 */
export async function loadManifests(files: readonly string[]): Promise<KubeObject[]> {
  const validators = createValidators({ unknownFields: 'reject' });
  const objects: KubeObject[] = [];
  const problems: string[] = [];
  for (const file of files) {
    // Read as kubectl reads it (YAML 1.1 values, libyaml's leniency), stored as the API server stores it.
    readYamlDocuments(await read(file)).forEach((doc) => {
      if (doc.error !== undefined) {
        problems.push(`${file}: document ${doc.index}: ${doc.error}`);
        return;
      }
      const obj = asStored(doc.value as KubeObject | null);
      if (obj === null || obj === undefined) return;
      if (
        typeof obj !== 'object' ||
        typeof obj.kind !== 'string' ||
        typeof obj.apiVersion !== 'string' ||
        typeof obj.metadata?.name !== 'string'
      ) {
        problems.push(
          `${file}: document ${doc.index}: expected a Kubernetes object with apiVersion, kind and metadata.name (strings)`,
        );
        return;
      }
      if (obj.apiVersion.startsWith('flagger.app/') && obj.apiVersion !== FLAGGER_API_VERSION) {
        problems.push(
          `${file}: ${obj.kind} ${obj.metadata.name}: apiVersion ${obj.apiVersion} is not served; use ${FLAGGER_API_VERSION}`,
        );
        return;
      }
      const validate =
        obj.kind === 'Canary'
          ? validators.canary
          : obj.kind === 'MetricTemplate'
            ? validators.metricTemplate
            : obj.kind === 'AlertProvider'
              ? validators.alertProvider
              : undefined;
      if (validate && obj.apiVersion.startsWith('flagger.app/')) {
        const checked = validate(obj);
        if (!checked.ok) {
          const where = `${file}: ${obj.kind} ${obj.metadata.name}`;
          problems.push(
            ...formatIssues(checked.issues)
              .split('\n')
              .map((line) => `${where}: ${line}`),
          );
          return;
        }
      }
      objects.push(obj);
    });
  }
  if (problems.length > 0) throw new InputError(problems.join('\n'));
  if (!objects.some((o) => o.kind === 'Canary'))
    throw new InputError(`${files.join(', ')}: no Canary found; pass the Canary with -f`);
  return objects;
}

export async function loadScenario(file: string): Promise<Scenario> {
  const parsed = parseScenario(await read(file), file);
  if (!parsed.ok) throw new InputError(parsed.error);
  return parsed.scenario;
}
