// Starts and stops the real Parlor server binary for the end-to-end tests. The state (pid,
// port, database) lives in a file so that a spec can restart the server in place.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";

export interface ServerState {
  pid: number;
  port: number;
  dataDir: string;
}

const root = path.resolve(__dirname, "..", "..");
const stateFile = path.join(os.tmpdir(), `parlor-e2e-${process.env.E2E_RUN_ID ?? "default"}.json`);

export const binary = process.env.PARLOR_BIN ?? path.join(root, "target", "debug", "parlor");

export function readState(): ServerState {
  return JSON.parse(fs.readFileSync(stateFile, "utf8"));
}

/** The server's base URL, e.g. http://127.0.0.1:40123. */
export function baseUrl(): string {
  return `http://127.0.0.1:${readState().port}`;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      if (addr && typeof addr === "object") {
        const port = addr.port;
        srv.close(() => resolve(port));
      } else reject(new Error("no port"));
    });
  });
}

/** Spawns the server and resolves once it prints its URL. */
export async function start(port: number, dataDir: string): Promise<ServerState> {
  const pid = await spawnServer(port, dataDir, {
    PARLOR_DATABASE_URL: `sqlite://${path.join(dataDir, "parlor.db")}`,
    // The example Q&A host (examples/qa_host), for the embed spec.
    PARLOR_HOSTS: fs.readFileSync(path.join(root, "examples", "qa_host", "parlor.toml"), "utf8"),
  });
  const state = { pid, port, dataDir };
  fs.writeFileSync(stateFile, JSON.stringify(state));
  return state;
}

/** Spawns a server binary on `port` with the settings of the specs plus `env`, logging to
 *  `dataDir/server.log`; resolves with its pid once it prints its URL. */
export async function spawnServer(port: number, dataDir: string, env: Record<string, string>): Promise<number> {
  if (!fs.existsSync(binary)) {
    throw new Error(`no server binary at ${binary}: run \`cargo leptos build\` first`);
  }
  const log = fs.openSync(path.join(dataDir, "server.log"), "a");
  const child = spawn(binary, [], {
    cwd: root,
    detached: true,
    stdio: ["ignore", "pipe", log],
    env: {
      ...process.env,
      PARLOR_LISTEN: `127.0.0.1:${port}`,
      PARLOR_SITE_ROOT: path.join(root, "target", "site"),
      RUST_LOG: process.env.RUST_LOG ?? "warn",
      // The history spec stores hundreds of messages at once through one user.
      PARLOR_MESSAGES_PER_SECOND: "100000",
      PARLOR_MESSAGE_BURST: "100000",
      // Every person of every spec signs up from 127.0.0.1.
      PARLOR_SIGN_UPS_PER_HOUR: "100000",
      PARLOR_SIGN_IN_PER_MINUTE: "100000",
      // The operators' listener on a free port, so that runs never collide.
      PARLOR_METRICS_LISTEN: "127.0.0.1:0",
      // Two reports hide a message: the moderation spec has two reporters.
      PARLOR_REPORT_THRESHOLD: "2",
      ...env,
    },
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the server did not start in 20 s")), 20_000);
    let seen = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes("listening on")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited with ${code}; see ${dataDir}/server.log`));
    });
  });
  child.stdout!.removeAllListeners("data");
  child.stdout!.resume();
  child.removeAllListeners("exit");
  child.unref();
  return child.pid!;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops the server with `signal` and waits until it has exited. */
export async function stop(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  const { pid } = readState();
  if (!alive(pid)) return;
  process.kill(pid, signal);
  const deadline = Date.now() + 15_000;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (alive(pid)) process.kill(pid, "SIGKILL");
}

/** Stops the server, waits `downMs`, and starts it again on the same port and database. */
export async function restart(downMs = 0): Promise<void> {
  const { port, dataDir } = readState();
  await stop("SIGTERM");
  if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
  await start(port, dataDir);
}

export function stateFilePath(): string {
  return stateFile;
}
