// `npm run dev`: composes the supergraph, then starts every subgraph and the router, each as its own
// process (as in production: one crashing does not take the others down). In development each subgraph
// migrates and seeds its own database at start-up, on embedded Postgres unless <NAME>_DATABASE_URL is set.
// A change to a service's code restarts it: gracefully (SIGTERM, and the next one starts once it has
// exited, so an embedded database is closed and unlocked first). A change to a subgraph's schema.graphql
// also regenerates its resolver types and recomposes the supergraph, which the router reloads by itself.
// Ctrl-C stops everything gracefully.
import { type ChildProcess, spawn } from "node:child_process";
import { watch, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { defaultPort, portVariable, urlVariable } from "@supergraph/registry";
import { prettyFactory } from "pino-pretty";
import { composeSupergraph } from "../router/src/gateway/compose.ts";
import { generateResolverTypes } from "./resolver-types.ts";
import { ROUTER_ENTRY, SUBGRAPH_NAMES, subgraphEntry } from "./services.ts";
import { cpuTicks, type Outcome, probe, waitUntilReady } from "./wait-ready.ts";

const root = join(import.meta.dirname, "..");
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

/** Composes the subgraphs' schemas and writes the supergraph (the router reloads it); what went wrong, if anything. */
function compose(): string[] {
  const composed = composeSupergraph(root);
  if ("errors" in composed) return composed.errors;
  writeFileSync(join(root, "router/supergraph.graphql"), composed.supergraphSdl);
  writeFileSync(join(root, "router/api-schema.graphql"), composed.apiSchemaSdl);
  return [];
}
const listed = (errors: string[]) => errors.map((error) => `  - ${error}`).join("\n");

const failedToCompose = compose();
if (failedToCompose.length > 0) {
  console.error(`Composition failed:\n${listed(failedToCompose)}`);
  process.exit(1);
}

/** A service of the supergraph: its process, replaced by a new one at each restart. */
class Service {
  child!: ChildProcess;
  exited!: Promise<number | null>;
  hasExited = false;
  linesPrinted = 0;
  readonly lastLines: string[] = [];
  /** A restart under way, and whether another change came in meanwhile. */
  restarting?: Promise<void>;
  changedAgain = false;
  stoppedForRestart = false;
  constructor(
    readonly name: string,
    readonly entry: string,
  ) {}
}
const services: Service[] = [];
let stopping = false;

function start(name: string, entry: string): Service {
  const service = new Service(name, entry);
  spawnProcess(service);
  services.push(service);
  return service;
}

/** Starts the service's process (again). */
function spawnProcess(service: Service): void {
  const { name, lastLines } = service;
  const child = spawn(process.execPath, ["--import", "tsx", service.entry], {
    cwd: root,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
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
  service.child = child;
  service.exited = exited;
  service.hasExited = false;
  service.stoppedForRestart = false;
  exited.then((code) => {
    service.hasExited = true;
    if (!stopping && !service.stoppedForRestart)
      console.error(
        `\n✖ ${name} exited (code ${code}). The other services keep running; saving a change to its code restarts it.\n`,
      );
  });
}

/**
 * Restarts a service after a change: SIGTERM, then its next process once this one has exited (never two
 * at once: an embedded database admits one). Changes during a restart make one more restart after it.
 */
function restart(service: Service, why: string): void {
  if (stopping) return;
  if (service.restarting) {
    service.changedAgain = true;
    return;
  }
  service.restarting = (async () => {
    do {
      service.changedAgain = false;
      console.log(`\n↻ ${service.name}: ${why} changed; restarting it\n`);
      if (!service.hasExited) {
        service.stoppedForRestart = true;
        service.child.kill("SIGTERM");
        await service.exited;
      }
      if (stopping) return;
      spawnProcess(service);
    } while (service.changedAgain);
  })().finally(() => {
    service.restarting = undefined;
  });
}

const watched = (service: Service, url: string) => ({
  ready: () => probe(url),
  exited: () => service.hasExited,
  progress: () => service.linesPrinted + cpuTicks(service.child.pid),
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
  // A restart under way has its old process stopping: let it end before the new one is looked at.
  await Promise.all(services.map((service) => service.restarting));
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
const subgraphServices = SUBGRAPH_NAMES.map((name) => start(name, subgraphEntry(name)));
await Promise.all(
  subgraphServices.map(async (service) => {
    const { name } = service;
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

  Saving a change to a service's code restarts it; to a subgraph's schema.graphql, also recomposes.
  Ctrl-C stops everything.
`);

// What each service runs: its own sources, and the workspace packages every service imports. Tests are
// not run by the services, and a subgraph's resolver types are types only (erased when it runs).
const shared = ["packages/kit/src", "packages/db/src", "packages/registry/src"];
const sources = new Map<Service, string[]>([
  [router, ["router/src", ...shared]],
  ...subgraphServices.map((service): [Service, string[]] => [service, [`subgraphs/${service.name}/src`, ...shared]]),
]);
const runs = (file: string) =>
  /\.(ts|js|json|graphql)$/.test(file) && !file.endsWith(".test.ts") && !file.endsWith("generated/resolvers.ts");

// Editors save in several steps, and one edit can touch several files: each service waits for a quiet
// moment, then (its schema first, if that changed) restarts once.
const settling = new Map<Service, NodeJS.Timeout>();
const schemaChanged = new Set<Service>();
function changed(service: Service, file: string): void {
  if (stopping) return;
  clearTimeout(settling.get(service));
  settling.set(
    service,
    setTimeout(() => {
      if (schemaChanged.delete(service)) followSchema(service);
      restart(service, file);
    }, 200),
  );
}

/** After a subgraph's schema changed: the supergraph recomposed (the router reloads it) and its resolver types. */
function followSchema(service: Service): void {
  const errors = compose();
  if (errors.length > 0) {
    console.error(
      `\n✖ ${service.name}'s schema does not compose; the router keeps the last supergraph:\n${listed(errors)}\n`,
    );
    return;
  }
  try {
    generateResolverTypes(root, service.name);
  } catch (error) {
    console.error(`\n✖ ${service.name}'s resolver types could not be generated:\n${(error as Error).message}\n`);
  }
  console.log(`\n✔ supergraph recomposed after subgraphs/${service.name}/schema.graphql changed\n`);
}

for (const dir of new Set([...sources.values()].flat())) {
  watch(join(root, dir), { recursive: true }, (_event, file) => {
    if (!file || !runs(file)) return;
    for (const [service, dirs] of sources) if (dirs.includes(dir)) changed(service, join(dir, file));
  }).unref();
}

// A subgraph's schema: the folder is watched, not the file (an editor that saves by renaming replaces
// the file a watch would follow).
for (const service of subgraphServices) {
  watch(join(root, "subgraphs", service.name), (_event, file) => {
    if (file !== "schema.graphql") return;
    schemaChanged.add(service);
    changed(service, `subgraphs/${service.name}/schema.graphql`);
  }).unref();
}
