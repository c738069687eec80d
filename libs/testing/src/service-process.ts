/**
 * One Sigma service as a real child process: spawned with `node --import tsx
 * services/<name>/src/main.ts`, output captured, ready once its gRPC health check says SERVING,
 * stopped with SIGTERM (SIGKILL after a timeout).
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { OutputBuffer } from "./output-buffer.js";
import { waitForServing } from "./health.js";
import { repoRoot } from "./paths.js";

/** Options of {@link startServiceProcess}. */
export interface ServiceProcessOptions {
  /** Service folder under services/, e.g. "market-data". */
  name: string;
  /** gRPC port the service is told to bind (PORT); must be free. */
  port: number;
  /** Variables added to (and overriding) the inherited environment. */
  env?: Record<string, string>;
  /** How long to wait for SERVING (ms, default 60000: tsx compiles on first start). */
  readyTimeoutMs?: number;
  /** Entry point relative to the repository root (default services/<name>/src/main.ts). */
  entry?: string;
}

/** How a process ended. */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * Environment variables of the test runner that must not leak into children: node:test marks its
 * workers with NODE_TEST_CONTEXT, which would make a child behave as a test worker.
 */
const STRIPPED_ENV = ["NODE_TEST_CONTEXT"];

/** Builds a child environment: the inherited one minus test-runner internals, plus `env`. */
export function childEnv(env: Record<string, string> = {}): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...process.env };
  for (const k of STRIPPED_ENV) delete out[k];
  return { ...out, ...env };
}

/** Children still running; killed when the test process exits so none outlives a crashed test. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(child: ChildProcess): void {
  live.add(child);
  child.once("exit", () => live.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // "exit" handlers must be synchronous: a SIGKILL is all we can still do here.
    process.once("exit", () => {
      for (const c of live) c.kill("SIGKILL");
    });
  }
}

/** A started service process. */
export class ServiceProcess {
  /** Captured stdout and stderr, interleaved in arrival order. */
  readonly output = new OutputBuffer();
  private readonly exited: Promise<ProcessExit>;
  private exitInfo: ProcessExit | undefined;

  private constructor(
    readonly name: string,
    readonly port: number,
    private readonly child: ChildProcess,
  ) {
    child.stdout?.on("data", (d: Buffer) => this.output.append(d));
    child.stderr?.on("data", (d: Buffer) => this.output.append(d));
    this.exited = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
    });
  }

  /** The gRPC base URL, http://127.0.0.1:<port>. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** OS process id. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Exit code/signal once exited, else undefined. */
  get exit(): ProcessExit | undefined {
    return this.exitInfo;
  }

  /** Settles when the process has exited (never rejects). */
  waitForExit(): Promise<ProcessExit> {
    return this.exited;
  }

  /** The last `lines` lines of output, labelled with the service name (for failure messages). */
  describe(lines = 40): string {
    const state = this.exitInfo ? `exited code=${this.exitInfo.code} signal=${this.exitInfo.signal}` : "running";
    return `--- ${this.name} (pid ${this.pid}, ${state}) last ${lines} lines ---\n${this.output.tail(lines)}`;
  }

  /**
   * Spawns the service and waits until its health check answers SERVING.
   *
   * @throws Error (with the output tail) when the process exits before it is ready or is not
   *   SERVING within `readyTimeoutMs`; the process is killed in that case.
   */
  static async start(o: ServiceProcessOptions): Promise<ServiceProcess> {
    const entry = o.entry ?? path.join("services", o.name, "src", "main.ts");
    // SIGMA_SERVICE_NODE_ARGS: extra node flags for every service (e.g. `--cpu-prof --cpu-prof-dir=/tmp/p`,
    // which NODE_OPTIONS refuses), for benchmarks that profile the services.
    const extra = (process.env.SIGMA_SERVICE_NODE_ARGS ?? "").split(/\s+/).filter(Boolean);
    const child = spawn(process.execPath, [...extra, "--import", "tsx", entry], {
      cwd: repoRoot,
      env: childEnv({ PORT: String(o.port), HOST: "127.0.0.1", ...o.env }),
      stdio: ["ignore", "pipe", "pipe"],
    });
    track(child);
    const proc = new ServiceProcess(o.name, o.port, child);
    const died = new AbortController();
    void proc.exited.then((e) => died.abort(new Error(`${o.name} exited before it was ready (code=${e.code} signal=${e.signal})`)));
    try {
      await waitForServing(proc.url, { timeoutMs: o.readyTimeoutMs ?? 60_000, signal: died.signal });
    } catch (err) {
      await proc.stop(2000);
      throw new Error(`${(err as Error).message}\n${proc.describe(60)}`, { cause: err });
    }
    return proc;
  }

  /**
   * Freezes the process (SIGSTOP): it keeps its sockets but runs no code until {@link resume}.
   * Tests use it to hold a service at a known point, e.g. a run between two events.
   *
   * @throws Error when the process has exited.
   */
  pause(): void {
    if (this.exitInfo) throw new Error(`${this.name} has exited`);
    this.child.kill("SIGSTOP");
  }

  /** Continues a paused process (SIGCONT); harmless on a running one. */
  resume(): void {
    if (!this.exitInfo) this.child.kill("SIGCONT");
  }

  /**
   * Kills the process with SIGKILL (a crash: no shutdown hooks run) and waits for the exit.
   *
   * @returns how the process ended (signal SIGKILL).
   */
  async kill(): Promise<ProcessExit> {
    if (this.exitInfo) return this.exitInfo;
    this.child.kill("SIGKILL");
    return this.exited;
  }

  /**
   * Sends SIGTERM and waits for the exit; sends SIGKILL when it has not exited after `timeoutMs`.
   * Idempotent: an exited process returns its exit at once.
   *
   * @param timeoutMs - grace period before SIGKILL (default 20000: the coordinator's own grace is 12 s).
   * @returns how the process ended.
   */
  async stop(timeoutMs = 20_000): Promise<ProcessExit> {
    if (this.exitInfo) return this.exitInfo;
    this.child.kill("SIGTERM");
    // A paused process would hold the SIGTERM pending until the SIGKILL: let it handle it.
    this.child.kill("SIGCONT");
    let timer: NodeJS.Timeout | undefined;
    const killed = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.child.kill("SIGKILL");
        resolve();
      }, timeoutMs);
    });
    await Promise.race([this.exited, killed]);
    clearTimeout(timer);
    return this.exited;
  }
}

/** Convenience alias of {@link ServiceProcess.start}. */
export function startServiceProcess(o: ServiceProcessOptions): Promise<ServiceProcess> {
  return ServiceProcess.start(o);
}
