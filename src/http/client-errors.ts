/**
 * Answers for requests Node's HTTP parser refuses before any route sees them (headers too large,
 * a request not received in time, a malformed request line), as Kubernetes Status objects like
 * every other error, instead of Fastify's own JSON shape.
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';

const ANSWERS: Record<string, { code: number; reason: string; message: string }> = {
  HPE_HEADER_OVERFLOW: { code: 431, reason: 'RequestHeaderFieldsTooLarge', message: 'the request headers exceed the maximum size of 16 KiB' },
  ERR_HTTP_REQUEST_TIMEOUT: { code: 408, reason: 'Timeout', message: 'the request was not received in time (60 s)' },
};
const MALFORMED = { code: 400, reason: 'BadRequest', message: 'the request is not valid HTTP' };

export function answerClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  // A reset connection, or one already answered: nobody is left to read an answer.
  if (err.code === 'ECONNRESET' || socket.destroyed || !socket.writable) return;
  const a = (err.code && ANSWERS[err.code]) || MALFORMED;
  const body = JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: a.message, reason: a.reason, code: a.code });
  socket.end(
    `HTTP/1.1 ${a.code} ${STATUS_CODES[a.code] ?? ''}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
