/**
 * Authentication as kube-apiserver does it: a union of authenticators tried in turn — bearer tokens
 * (the generated admin token and `--token-auth-file`), then a client certificate verified against
 * `--client-ca-file` (CN is the user, O the groups). "Not mine" is undefined, so they compose.
 * Every authenticated user is in `system:authenticated`.
 */
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { timingSafeEqual } from 'node:crypto';
import type { UserInfo } from '../api/strategy.js';

export interface Credentials {
  /** The Authorization header. */
  readonly authorization: string | undefined;
  /** Subject of a client certificate the TLS layer verified against the client CA, if any. */
  readonly certificate: { readonly commonName: string; readonly organizations: readonly string[] } | undefined;
}

export type Authenticator = (c: Credentials) => UserInfo | undefined;

function sameToken(known: Buffer, presented: Buffer): boolean {
  return known.length === presented.length && timingSafeEqual(known, presented);
}

function withAuthenticated(user: UserInfo): UserInfo {
  return user.groups.includes('system:authenticated') ? user : { ...user, groups: [...user.groups, 'system:authenticated'] };
}

/** Bearer tokens mapped to users. Tokens are compared in constant time. */
export function tokenAuthenticator(tokens: ReadonlyMap<string, UserInfo>): Authenticator {
  const entries = [...tokens.entries()].map(([t, user]) => [Buffer.from(t), user] as const);
  return ({ authorization }) => {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!m?.[1]) return undefined;
    const presented = Buffer.from(m[1]);
    const found = entries.find(([t]) => sameToken(t, presented));
    return found ? withAuthenticated(found[1]) : undefined;
  };
}

export const certificateAuthenticator: Authenticator = ({ certificate }) =>
  certificate?.commonName ? withAuthenticated({ name: certificate.commonName, groups: [...certificate.organizations] }) : undefined;

export function unionAuthenticator(...all: Authenticator[]): Authenticator {
  return (c) => {
    for (const a of all) {
      const user = a(c);
      if (user) return user;
    }
    return undefined;
  };
}

/**
 * The subject of the client certificate a socket's TLS handshake verified against the client CA
 * (CN the user, O the groups), or undefined: a certificate TLS did not verify never authenticates.
 */
export function verifiedCertificate(socket: Socket): Credentials['certificate'] {
  const tls = socket as TLSSocket;
  if (!tls.authorized || typeof tls.getPeerCertificate !== 'function') return undefined;
  const cert = tls.getPeerCertificate();
  if (!cert?.subject) return undefined;
  const pick = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
  const cn = pick(cert.subject.CN)[0];
  return cn ? { commonName: cn, organizations: pick(cert.subject.O) } : undefined;
}
