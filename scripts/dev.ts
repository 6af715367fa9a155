// `npm run dev`: composes the supergraph, then starts every subgraph and the router, each as its own
// process (as in production: one crashing does not take the others down). In development each subgraph
// migrates and seeds its own database at start-up, on embedded Postgres unless <NAME>_DATABASE_URL is set.
// Ctrl-C stops everything gracefully.
import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { prettyFactory } from "pino-pretty";
import { composeSupergraph } from "../router/src/compose.ts";
import { ROUTER_ENTRY, SUBGRAPH_NAMES, subgraphEntry } from "./services.ts";

const root = join(import.meta.dirname, "..");
const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: process.env.NODE_ENV ?? "development" };
const pretty = prettyFactory({ colorize: process.stdout.isTTY, ignore: "pid,hostname,service,name", translateTime: "HH:MM:ss" });

const composed = composeSupergraph(root);
if ("errors" in composed) {
  console.error(`Composition failed:\n${composed.errors.map((error) => `  - ${error}`).join("\n")}`);
  process.exit(1);
}
writeFileSync(join(root, "router/supergraph.graphql"), composed.supergraphSdl);
writeFileSync(join(root, "router/api-schema.graphql"), composed.apiSchemaSdl);

interface Service {
  name: string;
  child: ChildProcess;
  exited: Promise<number | null>;
  lastLines: string[];
}
const services: Service[] = [];
let stopping = false;

function start(name: string, entry: string): Service {
  const child = spawn(process.execPath, ["--import", "tsx", entry], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
  const lastLines: string[] = [];
  const print = (line: string) => {
    lastLines.push(line);
    if (lastLines.length > 20) lastLines.shift();
    let text = line;
    if (line.startsWith("{")) {
      try {
        text = pretty(line).trimEnd();
      } catch {}
    }
    process.stdout.write(`[${name.padEnd(8)}] ${text}\n`);
  };
  createInterface({ input: child.stdout! }).on("line", print);
  createInterface({ input: child.stderr! }).on("line", print);
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  exited.then((code) => {
    if (!stopping) console.error(`\n✖ ${name} exited (code ${code}). The other services keep running.\n`);
  });
  const service = { name, child, exited, lastLines };
  services.push(service);
  return service;
}

async function waitReady(service: Service, url: string, timeoutMs = 120_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  service.exited.then(() => {
    exited = true;
  });
  while (Date.now() < deadline && !exited) {
    try {
      if ((await fetch(url)).ok) return true;
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}

async function stopAll(): Promise<void> {
  stopping = true;
  for (const service of services) service.child.kill("SIGTERM");
  const timer = setTimeout(() => {
    for (const service of services) service.child.kill("SIGKILL");
  }, 20_000);
  await Promise.all(services.map((service) => service.exited));
  clearTimeout(timer);
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    console.log("\nStopping the supergraph…");
    stopAll().then(() => process.exit(0));
  });
}

const port = (name: string, fallback: number) => Number(env[`${name.toUpperCase()}_PORT`] ?? fallback);
const failed: string[] = [];
await Promise.all(
  SUBGRAPH_NAMES.map(async (name, index) => {
    const service = start(name, subgraphEntry(name));
    if (!(await waitReady(service, `http://127.0.0.1:${port(name, 4001 + index)}/health/ready`))) failed.push(name);
  }),
);
for (const name of failed) {
  const service = services.find((candidate) => candidate.name === name);
  console.error(`\n✖ The ${name} subgraph did not start. Its last output:\n${service?.lastLines.join("\n")}\n`);
}

const routerPort = Number(env.PORT ?? 4000);
const router = start("router", ROUTER_ENTRY);
if (!(await waitReady(router, `http://127.0.0.1:${routerPort}/health/ready`))) {
  console.error(`\n✖ The router did not start. Its last output:\n${router.lastLines.join("\n")}\n`);
  await stopAll();
  process.exit(1);
}

const url = `http://localhost:${routerPort}/graphql`;
console.log(`
  ✔ Supergraph ready${failed.length ? ` (without ${failed.join(", ")})` : ""}

    Playground:        ${url}   (open it in a browser)
    GraphQL endpoint:  ${url}
    Demo admin:        ${env.SEED_ADMIN_EMAIL ?? "admin@example.com"} / ${env.SEED_ADMIN_PASSWORD ? "(SEED_ADMIN_PASSWORD)" : "admin-password"}
    Demo customer:     customer@example.com / customer-password

    Try:  curl -s ${url} -H 'content-type: application/json' \\
            -d '{"query":"{ products(first: 3) { totalCount edges { node { name priceCents stock } } } }"}'

  Ctrl-C stops everything.
`);
