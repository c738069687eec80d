/**
 * Peer URLs: where a service finds another one. Three forms are accepted:
 *
 * - `http://host:port` (or https): one address, today's connect-node gRPC transport (a Kubernetes
 *   ClusterIP Service, `sigma dev`, a single replica).
 * - `grpc+lb://host1:port1,host2:port2,...`: a fixed list of replicas, balanced per call with
 *   grpc-js `round_robin`. Every host must be an IP literal (IPv4, or IPv6 in brackets, not mixed):
 *   the grpc-js resolvers take a list of addresses, not a list of names. A single host name is
 *   allowed and means `dns:///host:port`.
 * - `dns:///name:port` (or `dns://resolver/name:port`): every address the name resolves to (a
 *   Kubernetes headless Service), balanced with `round_robin` and re-resolved by grpc-js when a
 *   connection fails (a replica added or gone).
 */

/** A parsed peer URL: which transport serves it and with what address. */
export type PeerTarget =
  | { kind: "http"; baseUrl: string }
  | {
      kind: "grpc-lb";
      /** The grpc-js channel target, e.g. `ipv4:127.0.0.1:5001,127.0.0.1:5002` or `dns:///risk-headless:50051`. */
      target: string;
      /** How many fixed addresses the target lists (undefined for a DNS name: the resolver decides). */
      addresses?: number;
    };

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const HOST_NAME = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

/** Thrown for a peer URL that none of the accepted forms matches; the message says which form to use. */
export class PeerUrlError extends Error {
  override readonly name = "PeerUrlError";
}

function port(raw: string, url: string): string {
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > 65535) throw new PeerUrlError(`bad port ${JSON.stringify(raw)} in ${url}`);
  return raw;
}

/** Splits `host:port` / `[v6]:port`. */
function hostPort(addr: string, url: string): { host: string; port: string; family: "ipv4" | "ipv6" | "name" } {
  const v6 = /^\[([0-9A-Fa-f:.]+)\]:(\d+)$/.exec(addr);
  if (v6) return { host: `[${v6[1]}]`, port: port(v6[2]!, url), family: "ipv6" };
  const i = addr.lastIndexOf(":");
  if (i <= 0) throw new PeerUrlError(`${JSON.stringify(addr)} in ${url} needs host:port`);
  const host = addr.slice(0, i);
  const p = port(addr.slice(i + 1), url);
  if (IPV4.test(host)) return { host, port: p, family: "ipv4" };
  if (HOST_NAME.test(host)) return { host, port: p, family: "name" };
  throw new PeerUrlError(`bad host ${JSON.stringify(host)} in ${url}`);
}

/**
 * Parses a peer URL (see the module comment for the forms).
 *
 * @throws PeerUrlError naming what is wrong: unknown scheme, missing port, a list mixing IPv4 and
 *   IPv6, or a list of several host names (use one DNS name resolving to every replica instead).
 */
export function parsePeerUrl(url: string): PeerTarget {
  const raw = url.trim();
  if (/^https?:\/\//i.test(raw)) {
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      throw new PeerUrlError(`not an absolute URL: ${JSON.stringify(url)}`);
    }
    return { kind: "http", baseUrl: u.href.replace(/\/$/, "") };
  }
  if (raw.startsWith("grpc+lb://")) {
    const list = raw.slice("grpc+lb://".length).replace(/\/$/, "");
    const addrs = list.split(",").map((a) => hostPort(a.trim(), url));
    if (addrs.length === 0 || list === "") throw new PeerUrlError(`no address in ${url}`);
    const families = new Set(addrs.map((a) => a.family));
    if (families.has("name")) {
      if (addrs.length > 1) {
        throw new PeerUrlError(
          `${url} lists several host names: grpc-js balances over IP literals or one DNS name; use dns:///name:port with a name that resolves to every replica`,
        );
      }
      return { kind: "grpc-lb", target: `dns:///${addrs[0]!.host}:${addrs[0]!.port}` };
    }
    if (families.size > 1) throw new PeerUrlError(`${url} mixes IPv4 and IPv6 addresses`);
    const family = addrs[0]!.family;
    return { kind: "grpc-lb", target: `${family}:${addrs.map((a) => `${a.host}:${a.port}`).join(",")}`, addresses: addrs.length };
  }
  const dns = /^dns:\/\/([^/]*)\/(.+)$/.exec(raw);
  if (dns) {
    const { host, port: p } = hostPort(dns[2]!, url);
    return { kind: "grpc-lb", target: `dns://${dns[1]}/${host}:${p}` };
  }
  throw new PeerUrlError(
    `unsupported peer URL ${JSON.stringify(url)}: use http://host:port, grpc+lb://ip1:port1,ip2:port2 or dns:///name:port`,
  );
}
