// `npm run dev`: composes the supergraph, then starts every subgraph and the router, each as its own
// process (as in production: one crashing does not take the others down). In development each subgraph
// migrates and seeds its own database at start-up, on embedded Postgres unless <NAME>_DATABASE_URL is set.
// Each runs under `tsx watch`: a change to any file it imports restarts it (gracefully: SIGTERM). A change
// to a subgraph's schema.graphql restarts that subgraph, regenerates its resolver types and recomposes the
// supergraph, which the router reloads by itself. Ctrl-C stops everything gracefully.
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync, watch, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { defaultPort, portVariable, urlVariable } from "@supergraph/registry";
import { prettyFactory } from "pino-pretty";
import { composeSupergraph } from "../router/src/gateway/compose.ts";
import { generateResolverTypes } from "./resolver-types.ts";
import { ROUTER_ENTRY, SUBGRAPH_NAMES, subgraphEntry } from "./services.ts";
import { type Outcome, probe, treeCpuTicks, waitUntilReady } from "./wait-ready.ts";

const root = join(import.meta.dirname, "..");
const tsxCli = createRequire(join(root, "package.json")).resolve("tsx/cli");
const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: process.env.NODE_ENV ?? "development" };
// A subgraph moved to another port is reached there (by the router, and by the subgraphs that call it),
// not at the supergraph's routing URL, where another stack may be listening.
for (const name of SUBGRAPH_NAMES) {
  const moved = env[portVariable(name)];
  if (moved && !env[urlVariable(name)]) env[urlVariable(name)] = `http://127.0.0.1:${moved}/graphql`;
}
const pretty = prettyFactory({
  colorize: process.stdout.isTTY,
  ignore: "pid,hostname,service,name",
  translateTime: "HH:MM:ss",
});

const schemaFile = (name: string) => join(root, "subgraphs", name, "schema.graphql");
const supergraphFile = join(root, "router/supergraph.graphql");

/** Composes the subgraphs' schemas and writes the supergraph (only if it changed: the router reloads it); errors listed. */
function compose(): string[] {
  const composed = composeSupergraph(root);
  if ("errors" in composed) return composed.errors;
  if (readFileSync(supergraphFile, "utf8") !== composed.supergraphSdl) {
    writeFileSync(supergraphFile, composed.supergraphSdl);
    writeFileSync(join(root, "router/api-schema.graphql"), composed.apiSchemaSdl);
  }
  return [];
}
const listed = (errors: string[]) => errors.map((error) => `  - ${error}`).join("\n");

const errors = compose();
if (errors.length > 0) {
  console.error(`Composition failed:\n${listed(errors)}`);
  process.exit(1);
}

interface Service {
  name: string;
  child: ChildProcess;
  exited: Promise<number | null>;
  hasExited: boolean;
  linesPrinted: number;
  lastLines: string[];
}
const services: Service[] = [];
let stopping = false;

/** Runs `entry` under `tsx watch` (restarted when a file it imports, or one of `include`, changes). */
function start(name: string, entry: string, include: string[] = []): Service {
  const watchArgs = ["watch", "--clear-screen=false", ...include.flatMap((path) => ["--include", path])];
  const child = spawn(process.execPath, [tsxCli, ...watchArgs, entry], {
    cwd: root,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lastLines: string[] = [];
  const print = (line: string) => {
    service.linesPrinted++;
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
  const service: Service = { name, child, exited, hasExited: false, linesPrinted: 0, lastLines };
  exited.then((code) => {
    service.hasExited = true;
    if (!stopping) console.error(`\n✖ ${name} exited (code ${code}). The other services keep running.\n`);
  });
  services.push(service);
  return service;
}

const watched = (service: Service, url: string) => ({
  ready: () => probe(url),
  exited: () => service.hasExited,
  // The CPU of the service under its watcher too.
  progress: () => service.linesPrinted + treeCpuTicks(service.child.pid),
});

/**
 * Waits for a service as long as it is alive and printing or working (CPU time), however slow the
 * machine. One that has done nothing for minutes is reported, and still awaited: `late` says when it is up.
 */
async function waitReady(service: Service, url: string): Promise<{ outcome: Outcome; late: Promise<Outcome> }> {
  const outcome = await waitUntilReady(watched(service, url));
  if (outcome !== "silent") return { outcome, late: Promise.resolve(outcome) };
  console.error(
    `\n⚠ ${service.name} is not ready and has done nothing for 3 minutes; still waiting for it. Its last output:\n${service.lastLines.join("\n")}\n`,
  );
  return { outcome, late: waitUntilReady(watched(service, url), { silenceMs: Number.POSITIVE_INFINITY }) };
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

const port = (name: string) => Number(env[portVariable(name)] ?? defaultPort(name));
const failed: string[] = [];
const waiting: string[] = [];
await Promise.all(
  SUBGRAPH_NAMES.map(async (name) => {
    const service = start(name, subgraphEntry(name), [schemaFile(name)]);
    const { outcome, late } = await waitReady(service, `http://127.0.0.1:${port(name)}/health/ready`);
    void late.then((result) => {
      if (outcome === "silent" && result === "ready" && !stopping) console.log(`\n✔ ${name} is ready after all.\n`);
    });
    if (outcome === "exited")
      console.error(`\n✖ The ${name} subgraph did not start. Its last output:\n${service.lastLines.join("\n")}\n`);
    if (outcome === "exited") failed.push(name);
    if (outcome === "silent") waiting.push(name);
  }),
);

const routerPort = Number(env.PORT ?? 4000);
const router = start("router", ROUTER_ENTRY);
// Nothing works without the router: it is awaited however quiet it is, unless it exits.
if ((await (await waitReady(router, `http://127.0.0.1:${routerPort}/health/ready`)).late) === "exited") {
  console.error(`\n✖ The router did not start. Its last output:\n${router.lastLines.join("\n")}\n`);
  await stopAll();
  process.exit(1);
}

const url = `http://localhost:${routerPort}/graphql`;
console.log(`
  ✔ Supergraph ready${failed.length ? ` (without ${failed.join(", ")})` : ""}${waiting.length ? ` (still waiting for ${waiting.join(", ")})` : ""}

    Playground:        ${url}   (open it in a browser)
    GraphQL endpoint:  ${url}
    Demo admin:        ${env.SEED_ADMIN_EMAIL ?? "admin@example.com"} / ${env.SEED_ADMIN_PASSWORD ? "(SEED_ADMIN_PASSWORD)" : "admin-password"}
    Demo customer:     customer@example.com / customer-password

    Try:  curl -s ${url} -H 'content-type: application/json' \\
            -d '{"query":"{ products(first: 3) { totalCount edges { node { name priceCents stock } } } }"}'

  Editing a service's code restarts it; editing a subgraph's schema.graphql also recomposes the supergraph.
  Ctrl-C stops everything.
`);

// A subgraph's schema edited: its resolver types generated again and the supergraph recomposed (the
// subgraph restarts by itself, under tsx watch). Editors save in several steps: each file settles first.
const settling = new Map<string, NodeJS.Timeout>();
for (const name of SUBGRAPH_NAMES) {
  // The folder, not the file: an editor that saves by renaming replaces the file a watch would follow.
  watch(join(root, "subgraphs", name), (_event, file) => {
    if (file !== "schema.graphql" || stopping) return;
    clearTimeout(settling.get(name));
    settling.set(
      name,
      setTimeout(() => {
        const failed = compose();
        if (failed.length > 0) {
          console.error(
            `\n✖ ${name}'s schema does not compose; the router keeps the last supergraph:\n${listed(failed)}\n`,
          );
          return;
        }
        console.log(`\n✔ supergraph recomposed after subgraphs/${name}/schema.graphql changed\n`);
        try {
          generateResolverTypes(root, name);
        } catch (error) {
          console.error(`\n✖ ${name}'s resolver types could not be generated:\n${(error as Error).message}\n`);
        }
      }, 200),
    );
  }).unref();
}
