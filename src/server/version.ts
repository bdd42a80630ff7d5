/**
 * What GET /version answers (a version.Info, as kubectl expects): the Kubernetes version whose API
 * machinery these APIs match (OpenShift 4.17's, Kubernetes 1.30), so clients judge version skew
 * against it; the server's own version rides in the semver build metadata of gitVersion.
 */
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

export const KUBERNETES_VERSION = { major: '1', minor: '30', patch: '0' } as const;

export const VERSION_INFO = {
  major: KUBERNETES_VERSION.major,
  minor: KUBERNETES_VERSION.minor,
  gitVersion: `v${KUBERNETES_VERSION.major}.${KUBERNETES_VERSION.minor}.${KUBERNETES_VERSION.patch}+image-apiserver.${pkg.version}`,
  gitCommit: '',
  gitTreeState: '',
  buildDate: '',
  goVersion: '',
  compiler: 'node',
  platform: `${process.platform}/${process.arch}`,
} as const;
