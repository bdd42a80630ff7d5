/**
 * Every accepted socket has an owner that ends it, whatever the peer does:
 * - a TLS handshake must finish within the handshake timeout (the https server's own timer);
 * - a request must arrive within the receive timeout (Node's request timers, answered 408);
 * - a socket with no traffic either way for the idle timeout is destroyed (a client that stops
 *   reading a response, or never sends a byte after the handshake); a watch takes the socket over
 *   and its own deadline bounds it instead;
 * - a refusal written before any route saw the request is followed by destroy once the grace has
 *   passed, so a peer that neither reads nor closes cannot keep it;
 * - at most `maxPerClient` sockets per client address; more are closed at accept;
 * - shutdown destroys at once every socket that carries no request.
 * Sockets are tracked from accept, as raw TCP sockets, because a socket in its TLS handshake is
 * invisible to the HTTP server's own bookkeeping and would otherwise outlive it.
 */
import type { Server, Socket } from 'node:net';

export interface ConnectionLimits {
  /** Sockets one client address may hold open at once. */
  readonly maxPerClient: number;
  /** How long a refused socket may wait for its peer to read the refusal and close. */
  readonly refusalGraceMs: number;
}

export interface ConnectionGuard {
  /** Marks a request as being served on `socket` until `requestEnded`. */
  requestStarted(socket: Socket): void;
  requestEnded(socket: Socket): void;
  /** Ends `socket` after the grace, unless the peer closed it first. */
  closeAfterGrace(socket: Socket): void;
  /** Shutdown: from now on a socket is destroyed as soon as it carries no request. */
  drain(): void;
  /** Destroys every socket still open (the shutdown deadline). */
  destroyAll(): void;
}

/** Both ends of a TLS socket report the same peer, which ties it to the raw socket accepted. */
const peerKey = (s: Socket) => `${s.remoteAddress ?? ''}|${s.remotePort ?? ''}`;

export function guardConnections(server: Server, limits: ConnectionLimits, onRefused?: () => void): ConnectionGuard {
  const sockets = new Map<string, Socket>();
  const perClient = new Map<string, number>();
  const busy = new Map<string, number>();
  let draining = false;

  server.on('connection', (socket: Socket) => {
    const client = socket.remoteAddress ?? '';
    const count = perClient.get(client) ?? 0;
    if (count >= limits.maxPerClient) {
      onRefused?.();
      socket.destroy();
      return;
    }
    // A peer that disconnected before this listener ran has no address left to key it by.
    if (draining || socket.remotePort === undefined) {
      socket.destroy();
      return;
    }
    const key = peerKey(socket);
    perClient.set(client, count + 1);
    sockets.set(key, socket);
    socket.once('close', () => {
      sockets.delete(key);
      busy.delete(key);
      const left = (perClient.get(client) ?? 1) - 1;
      if (left > 0) perClient.set(client, left);
      else perClient.delete(client);
    });
  });

  const destroyIfIdle = (key: string) => {
    if (!busy.has(key)) sockets.get(key)?.destroy();
  };

  return {
    requestStarted(socket) {
      const key = peerKey(socket);
      busy.set(key, (busy.get(key) ?? 0) + 1);
    },
    requestEnded(socket) {
      const key = peerKey(socket);
      const left = (busy.get(key) ?? 1) - 1;
      if (left > 0) busy.set(key, left);
      else busy.delete(key);
      // The response is written by now; a draining server closes the connection behind it.
      if (draining && left <= 0) setImmediate(() => destroyIfIdle(key));
    },
    closeAfterGrace(socket) {
      const timer = setTimeout(() => socket.destroy(), limits.refusalGraceMs);
      timer.unref();
      socket.once('close', () => clearTimeout(timer));
    },
    drain() {
      draining = true;
      for (const key of [...sockets.keys()]) destroyIfIdle(key);
    },
    destroyAll() {
      for (const s of [...sockets.values()]) s.destroy();
    },
  };
}
