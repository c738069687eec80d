/**
 * Free loopback ports for processes that must be told their port up front (a child process bound
 * to port 0 could not tell the harness which port it got).
 */
import net from "node:net";

/**
 * Asks the OS for a free TCP port on 127.0.0.1 by binding port 0 and closing again.
 *
 * Another process could take the port between this call and its use; on a test machine that
 * window is short enough, and the service then fails to start loudly (EADDRINUSE) rather than
 * silently talking to the wrong process.
 *
 * @returns a port number in 1..65535.
 * @throws the listen error when no port can be bound.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close((err) => (err ? reject(err) : resolve(port)));
    });
  });
}

/**
 * `count` distinct free loopback ports (see {@link freePort}).
 *
 * All probe sockets are held open until every port is chosen, so the OS cannot hand out the same
 * port twice within one call.
 *
 * @param count - how many ports (>= 0).
 * @throws RangeError for a negative or non-integer count; the listen error when binding fails.
 */
export async function freePorts(count: number): Promise<number[]> {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a non-negative integer, got ${count}`);
  const servers: net.Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      servers.push(server);
      ports.push(
        await new Promise<number>((resolve, reject) => {
          server.once("error", reject);
          server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port));
        }),
      );
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => (s.listening ? s.close(() => resolve()) : resolve()))));
  }
}
