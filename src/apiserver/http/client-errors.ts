/**
 * Answers for requests Node's HTTP parser refuses before any route sees them (headers too large,
 * a request not received in time, a malformed request line), as Kubernetes Status objects like
 * every other error, instead of Fastify's own JSON shape.
 *
 * The socket's end is owned here too. An error before the TLS handshake finished (a peer that
 * never starts TLS, or speaks something else) leaves nothing that could carry an HTTP answer: the
 * socket is destroyed at once, since a plaintext answer would wait forever for a handshake and keep
 * the descriptor after the peer left. An answer that can be written is followed by a bounded grace
 * for the peer to read it and close; after that the socket is destroyed whatever the peer does.
 */
import { maxHeaderSize, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { malformedRequest, requestHeadersTooLarge, requestNotReceived, type ApiError } from '../../api/errors.js';

/** Errors Node's HTTP layer reports for a socket that carries HTTP (the TLS handshake is done). */
function isHttpLevel(code: string | undefined): boolean {
  return code !== undefined && (code.startsWith('HPE_') || code === 'ERR_HTTP_REQUEST_TIMEOUT');
}

/** `receiveTimeoutMs` is the server's `requestTimeout`, named in the 408 message. */
export function clientErrorAnswerer(receiveTimeoutMs: number, closeAfterGrace: (socket: Socket) => void) {
  const statusFor = (code: string | undefined): ApiError => {
    if (code === 'HPE_HEADER_OVERFLOW') return requestHeadersTooLarge(Math.round(maxHeaderSize / 1024));
    if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return requestNotReceived(Math.round(receiveTimeoutMs / 1000));
    return malformedRequest();
  };
  return (err: NodeJS.ErrnoException, socket: Socket): void => {
    if (!isHttpLevel(err.code) || !socket.writable) {
      socket.destroy();
      return;
    }
    const { status } = statusFor(err.code);
    const body = JSON.stringify(status);
    socket.end(
      `HTTP/1.1 ${status.code} ${STATUS_CODES[status.code] ?? ''}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
    closeAfterGrace(socket);
  };
}
