/**
 * The CAs the cluster image config's additionalTrustedCA adds, as imports and the integrated
 * registry's pull-through both trust them: every PEM value of that ConfigMap in openshift-config,
 * next to the system's own CAs (node's TLS replaces its defaults with whatever `ca` it is given).
 */
import { rootCertificates } from 'node:tls';
import type { ConfigMap } from '../../../apis/core/configmap.js';
import type { ResourceStore } from '../../../apiserver/generic/resource-store.js';

export const TRUSTED_CA_NAMESPACE = 'openshift-config';

/** The system CAs plus every PEM value of the named ConfigMap (none configured, or none there: undefined). */
export async function trustedCAs(configMaps: ResourceStore<ConfigMap>, name: string | undefined): Promise<string | undefined> {
  if (!name) return undefined;
  const cm = (await configMaps.getRaw(TRUSTED_CA_NAMESPACE, name))?.obj;
  const pems = Object.values(cm?.data ?? {}).filter((v) => v.includes('-----BEGIN CERTIFICATE-----'));
  if (pems.length === 0) return undefined;
  return [...rootCertificates, ...pems].join('\n');
}
