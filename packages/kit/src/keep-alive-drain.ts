import type { Server } from "node:http";
import type { Socket } from "node:net";

/** How long a keep-alive connection must have sent nothing before a stopping server closes it. */
export const IDLE_CLOSE_AFTER_MS = 1_000;

type HttpSocket = Socket & { _httpMessage?: { finished: boolean } | null };

/**
 * Makes `server.close()` drain keep-alive connections without resetting a request. Node's close() (and
 * Fastify's `forceCloseConnections: "idle"`) destroys every connection idle at that instant, including
 * one whose client has just sent its next request: that client gets ECONNRESET (#26). Instead, requests
 * arriving on open connections are answered (with `connection: close`, see http-server.ts), and a
 * connection is ended (FIN, not RST) only once it has been idle, not one byte read, for `idleMs`.
 */
export function drainKeepAliveOnClose(server: Server, onListenerClose: () => void, idleMs = IDLE_CLOSE_AFTER_MS): void {
  const open = new Set<HttpSocket>();
  server.on("connection", (socket: HttpSocket) => {
    open.add(socket);
    socket.once("close", () => open.delete(socket));
  });
  let sweep: NodeJS.Timeout | undefined;
  // Node's close() calls this first thing (since Node 19); here it starts the drain instead.
  server.closeIdleConnections = () => {
    if (sweep) return;
    // Called just before the listening socket closes, in the same turn: no response goes out in between.
    onListenerClose();
    const quietSince = new Map<HttpSocket, { at: number; bytesRead: number }>();
    sweep = setInterval(
      () => {
        if (open.size === 0) return clearInterval(sweep);
        const now = performance.now();
        for (const socket of open) {
          // Node's own test for "no response in progress" (its closeIdleConnections uses it).
          const busy = socket._httpMessage && !socket._httpMessage.finished;
          const seen = quietSince.get(socket);
          if (busy || !seen || seen.bytesRead !== socket.bytesRead)
            quietSince.set(socket, { at: now, bytesRead: socket.bytesRead });
          // A client that ignores the FIN does not hold the stop past another idle period.
          else if (now - seen.at >= 2 * idleMs) socket.destroy();
          else if (now - seen.at >= idleMs && !socket.writableEnded) socket.end();
        }
      },
      Math.min(100, idleMs / 4),
    );
  };
}
