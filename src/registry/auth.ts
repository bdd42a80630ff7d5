/**
 * Who a registry request comes from, as OpenShift's registry decides it: a bearer token (the
 * API's own, or one the token endpoint handed out, which is the same token), Basic credentials
 * whose password is such a token (`podman login -u anything -p <token>`), or a verified client
 * certificate; without any, the anonymous user, who may do what RBAC grants `system:anonymous`.
 */
import type { UserInfo } from '../api/strategy.js';
import type { Credentials } from '../auth/authenticator.js';
import type { RegistryBackend } from './backend.js';
import { RegistryHttpError } from './errors.js';

export const ANONYMOUS: UserInfo = { name: 'system:anonymous', groups: ['system:unauthenticated'] };
/** What the token endpoint answers to a client without credentials, and accepts back from it. */
export const ANONYMOUS_TOKEN = 'anonymous';
export const TOKEN_PATH = '/openshift/token';

/** The token carried by an Authorization header, Bearer or Basic (its password). */
export function tokenOf(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const [scheme, value = ''] = authorization.trim().split(/\s+/, 2);
  if (scheme?.toLowerCase() === 'bearer') return value;
  if (scheme?.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon < 0 ? undefined : decoded.slice(colon + 1);
  }
  return undefined;
}

export function challenge(host: string): Record<string, string> {
  return { 'WWW-Authenticate': `Bearer realm="https://${host}${TOKEN_PATH}"` };
}

export function unauthorized(host: string, message?: string): RegistryHttpError {
  return new RegistryHttpError('UNAUTHORIZED', message, null, challenge(host));
}

/**
 * The user of a request: undefined credentials are anonymous; credentials that do not
 * authenticate are refused (401), never downgraded to anonymous.
 */
export function registryUser(backend: RegistryBackend, authorization: string | undefined, certificate: Credentials['certificate'], host: string): UserInfo {
  const token = tokenOf(authorization);
  if (authorization && token === undefined) throw unauthorized(host, 'unsupported authorization scheme');
  if (token === ANONYMOUS_TOKEN) return ANONYMOUS;
  if (token !== undefined) {
    const user = backend.authenticate({ authorization: `Bearer ${token}`, certificate: undefined });
    if (!user) throw unauthorized(host, 'the credentials are not valid');
    return user;
  }
  const byCert = certificate ? backend.authenticate({ authorization: undefined, certificate }) : undefined;
  return byCert ?? ANONYMOUS;
}
