import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import type { K8sObject } from './kustomize.ts';

/**
 * Offline validation against the Kubernetes API schemas (the OpenAPI schemas `kubernetes-models` is
 * generated from): types, required fields, enums and formats. An object of a kind not listed here fails,
 * so a new kind in deploy/k8s is validated as soon as it is added.
 */
type Model = new (data: never) => { validate(): void };

const MODELS: Readonly<Record<string, Model>> = {
  'v1/ConfigMap': ConfigMap as unknown as Model,
  'v1/Secret': Secret as unknown as Model,
  'v1/Service': Service as unknown as Model,
  'v1/ServiceAccount': ServiceAccount as unknown as Model,
  'apps/v1/StatefulSet': StatefulSet as unknown as Model,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget as unknown as Model,
};

/** Throws the schema's error (with the path of the bad field) when the object is invalid. */
export function validateK8sObject(o: K8sObject): void {
  const model = MODELS[`${o.apiVersion}/${o.kind}`];
  if (!model) throw new Error(`no schema for ${o.apiVersion} ${o.kind}; add its model to k8s-schemas.ts`);
  new model(o as never).validate();
}
