/**
 * gRPC server reflection (grpc.reflection.v1 and v1alpha) as Connect handlers, so
 * `grpcurl -plaintext host:port list` and `buf curl --list-services` work against a
 * connect-node server (every npm reflection package needs a grpc-js server).
 *
 * The answers come from the generated file descriptors of the served services: each service's
 * file and its transitive dependencies, serialized as FileDescriptorProto bytes.
 */
import { create, toBinary, type DescEnum, type DescFile, type DescMessage, type DescService } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { Code, type ServiceImpl } from "@connectrpc/connect";
import * as v1 from "@sigma/contracts/reflection-v1";
import * as v1alpha from "@sigma/contracts/reflection-v1alpha";

/** A reflection request, shaped identically in v1 and v1alpha. */
type ReflectionRequest = v1.ServerReflectionRequest | v1alpha.ServerReflectionRequest;

/** A protocol-independent answer: either descriptor bytes, service names, extension numbers or an error. */
export type ReflectionAnswer =
  | { case: "fileDescriptorResponse"; value: { fileDescriptorProto: Uint8Array[] } }
  | { case: "listServicesResponse"; value: { service: { name: string }[] } }
  | { case: "allExtensionNumbersResponse"; value: { baseTypeName: string; extensionNumber: number[] } }
  | { case: "errorResponse"; value: { errorCode: number; errorMessage: string } };

/** The request payload, as the oneof of either protocol version. */
export type ReflectionQuery = ReflectionRequest["messageRequest"];

/** An index of the descriptors a server exposes through reflection. */
export interface ReflectionIndex {
  /** Fully-qualified names of the listed services, sorted. */
  readonly serviceNames: readonly string[];
  /** Answers one reflection query. Never throws: problems become `errorResponse` answers. */
  answer(query: ReflectionQuery): ReflectionAnswer;
}

/**
 * Builds the reflection index for `services` (their files and every transitive dependency).
 * Symbols indexed: services, methods (`pkg.Service.Method`), messages and enums (nested ones
 * too) and extensions.
 *
 * @param services The services to list (include Health and ServerReflection themselves).
 */
export function createReflectionIndex(services: readonly DescService[]): ReflectionIndex {
  const files = new Map<string, DescFile>();
  const visit = (f: DescFile): void => {
    if (files.has(f.proto.name)) return;
    files.set(f.proto.name, f);
    for (const d of f.dependencies) visit(d);
  };
  for (const s of services) visit(s.file);

  const symbols = new Map<string, DescFile>();
  // extendee type name -> field number -> file declaring the extension
  const extensions = new Map<string, Map<number, DescFile>>();
  const addMessage = (m: DescMessage, f: DescFile): void => {
    symbols.set(m.typeName, f);
    for (const n of m.nestedMessages) addMessage(n, f);
    for (const e of m.nestedEnums) addEnum(e, f);
    for (const x of m.nestedExtensions) addExtension(x.extendee.typeName, x.number, x.typeName, f);
  };
  const addEnum = (e: DescEnum, f: DescFile): void => void symbols.set(e.typeName, f);
  const addExtension = (extendee: string, num: number, name: string, f: DescFile): void => {
    symbols.set(name, f);
    let byNum = extensions.get(extendee);
    if (!byNum) extensions.set(extendee, (byNum = new Map()));
    byNum.set(num, f);
  };
  for (const f of files.values()) {
    for (const s of f.services) {
      symbols.set(s.typeName, f);
      for (const m of s.methods) symbols.set(`${s.typeName}.${m.name}`, f);
    }
    for (const m of f.messages) addMessage(m, f);
    for (const e of f.enums) addEnum(e, f);
    for (const x of f.extensions) addExtension(x.extendee.typeName, x.number, x.typeName, f);
  }

  const bytes = new Map<string, Uint8Array>();
  const serialized = (f: DescFile): Uint8Array => {
    let b = bytes.get(f.proto.name);
    if (!b) bytes.set(f.proto.name, (b = toBinary(FileDescriptorProtoSchema, f.proto)));
    return b;
  };
  /** The file first, then its transitive dependencies (each once), as the protocol asks. */
  const withDependencies = (f: DescFile): ReflectionAnswer => {
    const out: DescFile[] = [];
    const seen = new Set<string>();
    const walk = (x: DescFile): void => {
      if (seen.has(x.proto.name)) return;
      seen.add(x.proto.name);
      out.push(x);
      for (const d of x.dependencies) walk(d);
    };
    walk(f);
    return { case: "fileDescriptorResponse", value: { fileDescriptorProto: out.map(serialized) } };
  };
  const notFound = (what: string): ReflectionAnswer => ({
    case: "errorResponse",
    value: { errorCode: Code.NotFound, errorMessage: `${what} not found` },
  });

  const serviceNames = [...new Set(services.map((s) => s.typeName))].sort();

  return {
    serviceNames,
    answer(query) {
      switch (query.case) {
        case "listServices":
          return { case: "listServicesResponse", value: { service: serviceNames.map((name) => ({ name })) } };
        case "fileByFilename": {
          const f = files.get(query.value);
          return f ? withDependencies(f) : notFound(`file ${JSON.stringify(query.value)}`);
        }
        case "fileContainingSymbol": {
          // Clients may send a leading dot (".pkg.Type"); names are indexed without it.
          const name = query.value.replace(/^\./, "");
          const f = symbols.get(name);
          return f ? withDependencies(f) : notFound(`symbol ${JSON.stringify(name)}`);
        }
        case "fileContainingExtension": {
          const f = extensions.get(query.value.containingType)?.get(query.value.extensionNumber);
          return f
            ? withDependencies(f)
            : notFound(`extension ${query.value.extensionNumber} of ${JSON.stringify(query.value.containingType)}`);
        }
        case "allExtensionNumbersOfType": {
          if (!symbols.has(query.value)) return notFound(`type ${JSON.stringify(query.value)}`);
          const nums = [...(extensions.get(query.value)?.keys() ?? [])].sort((a, b) => a - b);
          return { case: "allExtensionNumbersResponse", value: { baseTypeName: query.value, extensionNumber: nums } };
        }
        default:
          return {
            case: "errorResponse",
            value: { errorCode: Code.InvalidArgument, errorMessage: "empty reflection request" },
          };
      }
    },
  };
}

/**
 * The grpc.reflection.v1.ServerReflection implementation over `index`: one answer per request
 * on the bidi stream, until the client closes its side.
 */
export function reflectionV1Impl(index: ReflectionIndex): ServiceImpl<typeof v1.ServerReflection> {
  return {
    async *serverReflectionInfo(requests) {
      for await (const req of requests) {
        yield create(v1.ServerReflectionResponseSchema, {
          validHost: req.host,
          originalRequest: req,
          messageResponse: index.answer(req.messageRequest),
        });
      }
    },
  };
}

/** The grpc.reflection.v1alpha.ServerReflection implementation (older clients, e.g. older grpcurl). */
export function reflectionV1alphaImpl(index: ReflectionIndex): ServiceImpl<typeof v1alpha.ServerReflection> {
  return {
    async *serverReflectionInfo(requests) {
      for await (const req of requests) {
        yield create(v1alpha.ServerReflectionResponseSchema, {
          validHost: req.host,
          originalRequest: req,
          messageResponse: index.answer(req.messageRequest),
        });
      }
    },
  };
}

/** The two reflection service descriptors, to add to the listed services. */
export const REFLECTION_SERVICES: readonly DescService[] = [v1.ServerReflection, v1alpha.ServerReflection];
