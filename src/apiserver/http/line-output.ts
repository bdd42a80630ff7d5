/**
 * Where a streaming response's lines go. On HTTP/1.1 a line is framed here as one chunk and sent in
 * one socket write: the response's own chunked write corks the socket, queues the length, the data
 * and the CRLF as three buffers and uncorks on the next tick, and for a watch cache's fan-out to
 * thousands of watchers that bookkeeping costs about as much as the TLS write itself, and holds every
 * watcher's bytes back until all of them were queued. A response with no socket yet (a pipelined
 * request's, while the ones ahead of it are answered) writes through itself.
 */
import type { ServerResponse } from 'node:http';
import type { Writable } from 'node:stream';

export interface LineOutput {
  /** Sends one line (ending in its newline); a Buffer from `sharedLine` is sent without a copy. */
  write(line: string | SharedLine): void;
  /** The stream underneath, for backpressure ('drain', writableNeedDrain, writableLength). */
  readonly stream: Writable;
}

/** A line sent to many clients: its text, and the same text as one HTTP/1.1 chunk. */
export interface SharedLine {
  readonly line: Buffer;
  readonly chunk: Buffer;
}

/** Frames `parts` (their bytes end with the newline) as a shared line, once for every client. */
export function sharedLine(parts: readonly Buffer[]): SharedLine {
  const length = parts.reduce((n, p) => n + p.length, 0);
  const head = `${length.toString(16)}\r\n`;
  // A buffer of its own: a slice of Node's shared pool would keep the whole slab alive as long as the line.
  const chunk = Buffer.allocUnsafeSlow(head.length + length + 2);
  let at = chunk.write(head, 0, 'latin1');
  const start = at;
  for (const p of parts) at += p.copy(chunk, at);
  chunk.write('\r\n', at, 'latin1');
  return { line: chunk.subarray(start, at), chunk };
}

/**
 * The output of a response whose headers (with `Transfer-Encoding: chunked` on HTTP/1.1) are sent.
 * Ending the response afterwards writes the last chunk as usual.
 */
export function lineOutput(res: ServerResponse): LineOutput {
  const socket = res.chunkedEncoding ? res.socket : null;
  if (socket) {
    return {
      stream: socket,
      write(line) {
        if (typeof line !== 'string') socket.write(line.chunk);
        else socket.write(`${Buffer.byteLength(line, 'utf8').toString(16)}\r\n${line}\r\n`, 'utf8');
      },
    };
  }
  return {
    stream: res,
    write(line) {
      res.write(typeof line === 'string' ? line : line.line);
    },
  };
}
