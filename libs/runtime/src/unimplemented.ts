import type { DescService } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import { UnimplementedError } from "./errors.js";

/**
 * An implementation of `service` whose every RPC answers UNIMPLEMENTED naming the capability it
 * waits for, so a declared-but-unbuilt RPC is never mistaken for a working one.
 *
 * @param capabilities capability text per RPC local name (e.g. `{ computeSnapshots: "phase 2 snapshots" }`);
 *   RPCs not listed use `fallback`.
 */
export function unimplementedService<S extends DescService>(
  service: S,
  fallback: string,
  capabilities: Partial<Record<keyof ServiceImpl<S>, string>> = {},
): ServiceImpl<S> {
  const impl: Record<string, unknown> = {};
  for (const method of service.methods) {
    const capability = (capabilities as Record<string, string | undefined>)[method.localName] ?? fallback;
    if (method.methodKind === "server_streaming" || method.methodKind === "bidi_streaming") {
      // biome-ignore lint/correctness/useYield: the stream fails before its first message
      impl[method.localName] = async function* () {
        throw new UnimplementedError(capability);
      };
    } else {
      impl[method.localName] = async () => {
        throw new UnimplementedError(capability);
      };
    }
  }
  return impl as ServiceImpl<S>;
}
