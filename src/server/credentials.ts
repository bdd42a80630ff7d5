/**
 * The admin bearer token (created once, 0600 in the data dir) and the kubeconfig that carries it.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { writeFileAtomic } from './files.js';

export function ensureAdminToken(dir: string): string {
  const path = join(dir, 'admin.token');
  if (existsSync(path)) {
    const token = readFileSync(path, 'utf8').trim();
    if (token.length >= 32) return token;
  }
  const token = randomBytes(32).toString('base64url');
  writeFileAtomic(path, `${token}\n`, 0o600);
  return token;
}

export function writeKubeconfig(path: string, server: string, caCertPem: string, token: string): void {
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'image-apiserver', cluster: { server, 'certificate-authority-data': Buffer.from(caCertPem).toString('base64') } }],
    users: [{ name: 'admin', user: { token } }],
    contexts: [{ name: 'admin', context: { cluster: 'image-apiserver', user: 'admin', namespace: 'default' } }],
    'current-context': 'admin',
    preferences: {},
  };
  writeFileAtomic(path, YAML.stringify(config), 0o600);
}
