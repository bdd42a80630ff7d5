/**
 * Answers for requests Node's HTTP parser refuses before any route sees them (headers too large,
 * a request not received in time, a malformed request line), as Kubernetes Status objects like
 * every other error, instead of Fastify's own JSON shape.
 */
import { maxHeaderSize, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { malformedRequest, requestHeadersTooLarge, requestNotReceived, type ApiError } from '../api/errors.js';

/** `receiveTimeoutMs` is the server's `requestTimeout`, named in the 408 message. */
export function clientErrorAnswerer(receiveTimeoutMs: number) {
  const statusFor = (code: string | undefined): ApiError => {
    if (code === 'HPE_HEADER_OVERFLOW') return requestHeadersTooLarge(Math.round(maxHeaderSize / 1024));
    if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return requestNotReceived(Math.round(receiveTimeoutMs / 1000));
    return malformedRequest();
  };
  return (err: NodeJS.ErrnoException, socket: Socket): void => {
  // A reset connection, or one already answered: nobody is left to read an answer.
    if (err.code === 'ECONNRESET' || socket.destroyed || !socket.writable) return;
    const { status } = statusFor(err.code);
    const body = JSON.stringify(status);
    socket.end(
      `HTTP/1.1 ${status.code} ${STATUS_CODES[status.code] ?? ''}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  };
}
