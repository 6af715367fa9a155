import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as orders from "@supergraph/orders";
import { SUBGRAPHS } from "@supergraph/registry";
import { loadConfig as loadRouterConfig } from "@supergraph/router";
import { Deployment, StatefulSet } from "kubernetes-models/apps/v1";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import { Ingress, NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { ConfigMap, Namespace, Secret, Service } from "kubernetes-models/v1";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";

// Renders both overlays with `kubectl kustomize` and holds the result to our rules. kubectl ships in the
// machine images we use (and CI); elsewhere: apt-get install kubectl (or kubernetes-client).
type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
};
// biome-ignore lint/suspicious/noExplicitAny: manifests are checked field by field below.
type Any = any;

let kubectl = true;
try {
  execFileSync("kubectl", ["version", "--client"], { stdio: "ignore" });
} catch {
  kubectl = false;
  console.warn("kubectl is not installed: the Kubernetes manifest tests do not run here (apt-get install kubectl).");
}

const render = (overlay: string): Manifest[] =>
  parseAllDocuments(
    execFileSync("kubectl", ["kustomize", join(import.meta.dirname, "overlays", overlay)], { encoding: "utf8" }),
  )
    .map((document) => document.toJSON() as Manifest)
    .filter(Boolean)
    .map(unwrapSecretData);

/** kustomize wraps long base64 values over two lines, which a YAML parser folds into "abc ==". */
function unwrapSecretData(manifest: Manifest): Manifest {
  if (manifest.kind !== "Secret" || !manifest.data) return manifest;
  const data = Object.fromEntries(
    Object.entries(manifest.data as Record<string, string>).map(([key, value]) => [key, value.replace(/\s+/g, "")]),
  );
  return { ...manifest, data };
}

const MODELS: Record<string, new (data: Any) => { validate(): void }> = {
  Deployment,
  StatefulSet,
  HorizontalPodAutoscaler,
  ConfigMap,
  Namespace,
  Secret,
  Service,
  Ingress,
  NetworkPolicy,
  PodDisruptionBudget,
};

const SERVICES = ["router", ...SUBGRAPHS.map((subgraph) => subgraph.name)];
/** Who may call a subgraph: the router, and the subgraphs whose registry line `calls` it. */
const callersOf = (name: string) =>
  SUBGRAPHS.filter((subgraph) => (subgraph.calls as readonly string[]).includes(name)).map((subgraph) => subgraph.name);
// PASSWORD_HASH_* are how passwords are hashed (cost, concurrency), not credentials.
const SECRET_NAMES = /SECRET|PASSWORD(?!_HASH_)|DATABASE_URL|REDIS_URL|TOKEN/;

describe.runIf(kubectl).each(["dev", "prod"])("the %s overlay", (overlay) => {
  const manifests = kubectl ? render(overlay) : [];
  const ofKind = (kind: string) => manifests.filter((manifest) => manifest.kind === kind) as Any[];
  const workloads = [...ofKind("Deployment"), ...ofKind("StatefulSet")];
  const supergraph = ofKind("Deployment").filter((deployment) => SERVICES.includes(deployment.metadata.name));
  const config = ofKind("ConfigMap").find((map) => map.metadata.name.startsWith("supergraph-config"))?.data ?? {};

  it("renders only objects that are valid against the Kubernetes schemas", () => {
    expect(manifests.length).toBeGreaterThan(20);
    for (const manifest of manifests) {
      const Model = MODELS[manifest.kind];
      expect(Model, `a validator for ${manifest.kind}`).toBeDefined();
      expect(
        () => new (Model as NonNullable<typeof Model>)(manifest).validate(),
        `${manifest.kind}/${manifest.metadata.name}`,
      ).not.toThrow();
    }
  });

  it("runs the router and every subgraph", () => {
    expect(supergraph.map((deployment) => deployment.metadata.name).sort()).toEqual([...SERVICES].sort());
  });

  it("makes every service listen beyond loopback (the services' own default is 127.0.0.1)", () => {
    expect(config.HOST).toBe("0.0.0.0");
    for (const deployment of supergraph) {
      for (const container of deployment.spec.template.spec.containers) {
        const sources = (container.envFrom ?? []).map((source: Any) => String(source.configMapRef?.name));
        expect(
          sources.some((name: string) => name.startsWith("supergraph-config")),
          deployment.metadata.name,
        ).toBe(true);
      }
    }
  });

  it("probes readiness and liveness on the health endpoints", () => {
    for (const deployment of supergraph) {
      const [container] = deployment.spec.template.spec.containers;
      expect(container.readinessProbe.httpGet.path, deployment.metadata.name).toBe("/health/ready");
      expect(container.livenessProbe.httpGet.path, deployment.metadata.name).toBe("/health/live");
    }
  });

  it("gives every container resource requests and limits", () => {
    for (const workload of workloads) {
      const spec = workload.spec.template.spec;
      for (const container of [...(spec.initContainers ?? []), ...spec.containers]) {
        for (const bound of ["requests", "limits"]) {
          expect(
            container.resources?.[bound]?.cpu,
            `${workload.metadata.name}/${container.name} ${bound}.cpu`,
          ).toBeDefined();
          expect(
            container.resources?.[bound]?.memory,
            `${workload.metadata.name}/${container.name} ${bound}.memory`,
          ).toBeDefined();
        }
      }
    }
  });

  it("runs as non-root, with a read-only root filesystem and no capabilities", () => {
    for (const workload of workloads) {
      const spec = workload.spec.template.spec;
      expect(spec.securityContext?.runAsNonRoot, workload.metadata.name).toBe(true);
      for (const container of [...(spec.initContainers ?? []), ...spec.containers]) {
        const context = container.securityContext ?? {};
        const name = `${workload.metadata.name}/${container.name}`;
        expect(context.readOnlyRootFilesystem, name).toBe(true);
        expect(context.allowPrivilegeEscalation, name).toBe(false);
        expect(context.capabilities?.drop, name).toContain("ALL");
      }
    }
  });

  it("lets a request finish that started as the listener closed, before killing a pod", () => {
    // SHUTDOWN_TIMEOUT_MS counts from the signal, the drain included (kit's shutdown.ts).
    const stop = Number(config.SHUTDOWN_TIMEOUT_MS);
    expect(stop - Number(config.SHUTDOWN_DRAIN_DELAY_MS)).toBeGreaterThanOrEqual(
      Number(config.ROUTER_TIMEOUT_MS ?? 30_000),
    );
    for (const deployment of supergraph)
      expect(deployment.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(stop / 1000);
  });

  it("gives every container of the supergraph the private CAs of its database and Redis, if any", () => {
    for (const deployment of supergraph) {
      const spec = deployment.spec.template.spec;
      const volume = spec.volumes.find((candidate: Any) => candidate.configMap?.name === "supergraph-ca");
      expect(volume?.configMap.optional, deployment.metadata.name).toBe(true);
      for (const container of [...(spec.initContainers ?? []), ...spec.containers])
        expect(
          container.volumeMounts.find((mount: Any) => mount.name === volume.name)?.mountPath,
          `${deployment.metadata.name}/${container.name}`,
        ).toBe("/etc/supergraph-ca");
    }
  });

  it("has orders give up on placing an order before the router gives up on orders", () => {
    // As the pods read them: the ConfigMap, with stand-ins for the Secret's keys.
    const secrets = {
      JWT_SECRET: "j".repeat(48),
      INTERNAL_TOKEN_SECRET: "i".repeat(48),
      REDIS_URL: "redis://redis:6379",
      ORDERS_DATABASE_URL: "postgres://db/orders",
    };
    const env = { ...config, ...secrets, PORT: "4000" };
    const router = loadRouterConfig(env);
    expect(orders.loadConfig(env).placeOrderTimeoutMs).toBeLessThan(router.subgraphs.orders.timeoutMs);
  });

  it("sets only variables the services read (a misspelt one would be ignored without a word)", () => {
    // docs/configuration.md has a row for every variable of the config schemas (docs/configuration.test.ts).
    const documented = new Set(
      [
        ...readFileSync(join(import.meta.dirname, "../../docs/configuration.md"), "utf8").matchAll(
          /^\| `([A-Z][A-Z0-9_]*)`/gm,
        ),
      ].map((match) => match[1]),
    );
    const node = new Set(["NODE_OPTIONS", "NODE_EXTRA_CA_CERTS"]);
    const names = new Set(Object.keys(config));
    for (const deployment of supergraph)
      for (const container of [
        ...(deployment.spec.template.spec.initContainers ?? []),
        ...deployment.spec.template.spec.containers,
      ])
        for (const variable of container.env ?? []) names.add(variable.name);
    for (const name of names) expect(documented.has(name) || node.has(name), name).toBe(true);
  });

  it("takes credentials only from Secrets, by name", () => {
    for (const workload of workloads) {
      const spec = workload.spec.template.spec;
      for (const container of [...(spec.initContainers ?? []), ...spec.containers]) {
        for (const variable of container.env ?? []) {
          if (!SECRET_NAMES.test(variable.name) || workload.kind === "StatefulSet") continue;
          expect(variable.value, `${workload.metadata.name} ${variable.name} is a literal`).toBeUndefined();
          expect(variable.valueFrom?.secretKeyRef?.name, `${workload.metadata.name} ${variable.name}`).toMatch(
            /^supergraph-secrets/,
          );
        }
      }
    }
    for (const key of Object.keys(config)) expect(key, "no credential in the ConfigMap").not.toMatch(SECRET_NAMES);
  });

  it.runIf(overlay === "prod")("keeps every key and channel under the deployment's own prefix", () => {
    for (const name of ["RESPONSE_CACHE_KEY_PREFIX", "REDIS_KEY_PREFIX", "EVENTS_CHANNEL_PREFIX"])
      expect(config[name], name).toMatch(/^supergraph-prod:/);
  });

  it("gives users pods the shared log-in limits", () => {
    const users = supergraph.find((deployment) => deployment.metadata.name === "users").spec.template.spec
      .containers[0];
    expect(users.env.find((variable: Any) => variable.name === "REDIS_URL")?.valueFrom?.secretKeyRef?.key).toBe(
      "REDIS_URL",
    );
  });

  it("caps every service's heap so that heap, young generation, the rest and users' hashes stay under its memory limit (#26)", () => {
    const semiSpace = Number(
      /--max-semi-space-size=(\d+)/.exec(
        readFileSync(join(import.meta.dirname, "../docker/Dockerfile"), "utf8"),
      )?.[1] ?? 16,
    );
    const mebibytes = (quantity: string) => Number.parseFloat(quantity) * (quantity.endsWith("Gi") ? 1024 : 1);
    for (const deployment of supergraph) {
      const name = deployment.metadata.name;
      const container = deployment.spec.template.spec.containers[0];
      const env = Object.fromEntries(container.env.map((variable: Any) => [variable.name, variable.value]));
      const oldSpace = Number(/--max-old-space-size=(\d+)/.exec(env.NODE_OPTIONS ?? "")?.[1]);
      expect(oldSpace, name).toBeGreaterThan(0);
      // Outside the heap: code and native memory, measured at rest (bench/README.md: "Router memory",
      // "Subgraph memory"); the router's also holds its response copies (64 MiB); users' scrypt hashes
      // hold 128 MiB each at cost 2^17.
      const rest = name === "router" ? 250 : 210 + (name === "users" ? 128 * Number(env.PASSWORD_HASH_CONCURRENCY) : 0);
      // The young generation: 3 x the semi-space.
      expect(oldSpace + 3 * semiSpace + rest, name).toBeLessThan(mebibytes(container.resources.limits.memory));
    }
  });

  it("migrates each subgraph's database before its pods serve", () => {
    for (const deployment of supergraph.filter((candidate) => candidate.metadata.name !== "router")) {
      const init = deployment.spec.template.spec.initContainers ?? [];
      expect(
        init.map((container: Any) => container.args?.join(" ")),
        deployment.metadata.name,
      ).toContain("migrate");
      // Its database's URL, and no secret: migrating signs and verifies no token (subgraph-cli.ts).
      const migrate = init.find((container: Any) => container.args?.join(" ") === "migrate");
      const names = (migrate.env ?? []).map((variable: Any) => variable.name);
      const subgraph = deployment.metadata.name.toUpperCase();
      expect(names, deployment.metadata.name).toEqual([`${subgraph}_DATABASE_URL`]);
    }
  });

  it("gives the access tokens' secret only to the services that sign or verify them", () => {
    // Whoever holds JWT_SECRET can mint an admin's token: the router verifies tokens, users signs them.
    const holders = supergraph.flatMap((deployment) =>
      [...(deployment.spec.template.spec.initContainers ?? []), ...deployment.spec.template.spec.containers]
        .filter((container: Any) => (container.env ?? []).some((variable: Any) => variable.name === "JWT_SECRET"))
        .map((container: Any) => `${deployment.metadata.name}/${container.name}`),
    );
    expect(holders.sort()).toEqual(["router/router", "users/users"]);
  });

  it("spreads pods across nodes and lets Prometheus scrape /metrics", () => {
    for (const deployment of supergraph) {
      const template = deployment.spec.template;
      expect(template.spec.topologySpreadConstraints?.map((constraint: Any) => constraint.topologyKey)).toContain(
        "kubernetes.io/hostname",
      );
      expect(template.metadata.annotations?.["prometheus.io/scrape"]).toBe("true");
      expect(template.metadata.annotations?.["prometheus.io/path"]).toBe("/metrics");
    }
  });

  it("selects real pods with every Service", () => {
    for (const service of ofKind("Service")) {
      const selector = Object.entries(service.spec.selector ?? {});
      const matches = workloads.filter((workload) =>
        selector.every(([key, value]) => workload.spec.template.metadata.labels?.[key] === value),
      );
      expect(matches.length, `Service ${service.metadata.name}`).toBeGreaterThan(0);
    }
  });

  it("autoscales every serving Deployment and protects it with a PodDisruptionBudget", () => {
    for (const deployment of supergraph) {
      const name = deployment.metadata.name;
      const hpa = ofKind("HorizontalPodAutoscaler").find((candidate) => candidate.spec.scaleTargetRef.name === name);
      expect(hpa, `HPA for ${name}`).toBeDefined();
      // A count of its own would undo the autoscaler's on every apply.
      expect(deployment.spec.replicas, `${name} leaves its replicas to the HPA`).toBeUndefined();
      const labels = deployment.spec.template.metadata.labels;
      const pdb = ofKind("PodDisruptionBudget").find((candidate) =>
        Object.entries(candidate.spec.selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value),
      );
      expect(pdb, `PDB for ${name}`).toBeDefined();
    }
    if (overlay === "prod") {
      const router = ofKind("HorizontalPodAutoscaler").find(
        (candidate) => candidate.spec.scaleTargetRef.name === "router",
      );
      expect(router.spec.minReplicas).toBeGreaterThanOrEqual(2);
    }
  });

  it("lets traffic in only along the architecture's edges", () => {
    const policies = ofKind("NetworkPolicy");
    const selects = (policy: Any, labels: Record<string, string>) =>
      Object.entries(policy.spec.podSelector.matchLabels ?? {}).every(([key, value]) => labels[key] === value) &&
      (policy.spec.podSelector.matchExpressions ?? []).every((expression: Any) =>
        expression.values.includes(labels[expression.key]),
      );
    // Default deny covers every pod; the others open exactly the expected paths.
    expect(policies.some((policy) => Object.keys(policy.spec.podSelector).length === 0 && !policy.spec.ingress)).toBe(
      true,
    );
    const allowedFrom = (target: string) => {
      const labels =
        workloads.find((workload) => workload.metadata.name === target)?.spec.template.metadata.labels ?? {};
      return policies
        .filter((policy) => Object.keys(policy.spec.podSelector).length > 0 && selects(policy, labels))
        .flatMap((policy) => policy.spec.ingress.flatMap((rule: Any) => rule.from))
        .map((peer: Any) =>
          peer.namespaceSelector
            ? `namespace:${peer.namespaceSelector.matchLabels["kubernetes.io/metadata.name"]}`
            : (peer.podSelector.matchLabels?.["app.kubernetes.io/name"] ??
              peer.podSelector.matchExpressions?.[0]?.values.join(",") ??
              Object.entries(peer.podSelector.matchLabels ?? {})
                .map(([key, value]) => `${key}=${value}`)
                .join(",")),
        )
        .sort();
    };
    expect(allowedFrom("router")).toEqual([
      "namespace:ingress-nginx",
      "namespace:monitoring",
      "supergraph/cache-invalidator=true",
    ]);
    for (const { name } of SUBGRAPHS)
      expect(allowedFrom(name), name).toEqual(["namespace:monitoring", "router", ...callersOf(name)].sort());
    expect(allowedFrom("products")).toEqual(["namespace:monitoring", "orders", "posts", "router"]);
    if (overlay === "dev") {
      expect(allowedFrom("postgres")).toEqual([SUBGRAPHS.map((subgraph) => subgraph.name).join(",")]);
      expect(allowedFrom("redis")).toEqual(["router", SUBGRAPHS.map((subgraph) => subgraph.name).join(",")].sort());
    }
  });

  it("exposes the router through an nginx Ingress with TLS", () => {
    const [ingress] = ofKind("Ingress");
    expect(ingress.spec.ingressClassName).toBe("nginx");
    expect(ingress.spec.tls?.[0]?.secretName).toBeTruthy();
    expect(ingress.spec.rules[0].http.paths[0].backend.service.name).toBe("router");
  });

  it("lets subscriptions live through the Ingress: unbuffered, and quiet longer than the router's pings and heartbeats", () => {
    const annotations = ofKind("Ingress")[0].metadata.annotations;
    expect(annotations["nginx.ingress.kubernetes.io/proxy-buffering"]).toBe("off");
    const pingSeconds = Number(config.SUBSCRIPTION_PING_INTERVAL_MS ?? 30_000) / 1000;
    expect(Number(annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"])).toBeGreaterThan(pingSeconds);
    expect(Number(annotations["nginx.ingress.kubernetes.io/proxy-send-timeout"])).toBeGreaterThan(pingSeconds);
  });

  it("keeps the router's internal port (metrics, cache invalidation) off the Ingress and its Service", () => {
    const router = supergraph.find((deployment) => deployment.metadata.name === "router");
    const ports = router.spec.template.spec.containers[0].ports.map((port: Any) => [port.name, port.containerPort]);
    expect(ports).toEqual([
      ["http", 4000],
      ["internal", 9090],
    ]);
    expect(router.spec.template.metadata.annotations?.["prometheus.io/port"]).toBe("9090");
    const service = ofKind("Service").find((each) => each.metadata.name === "router");
    expect(service.spec.ports.map((port: Any) => port.port)).not.toContain(9090);
    for (const path of ofKind("Ingress").flatMap((ingress) =>
      ingress.spec.rules.flatMap((rule: Any) => rule.http.paths),
    )) {
      expect(path.backend.service.name).toBe("router");
      expect([4000, "http"]).toContain(path.backend.service.port.number ?? path.backend.service.port.name);
    }
  });

  it("lets labelled jobs of the namespace purge the response cache on the internal port, with the shared key", () => {
    const router = supergraph.find((deployment) => deployment.metadata.name === "router").spec.template.spec
      .containers[0];
    const key = router.env.find((variable: Any) => variable.name === "INVALIDATION_SHARED_KEY");
    // From the Secret, and optional: without the key the endpoint is off and the router still starts.
    expect(key.valueFrom.secretKeyRef).toEqual({
      name: expect.stringMatching(/^supergraph-secrets/),
      key: "INVALIDATION_SHARED_KEY",
      optional: true,
    });
    const internal = ofKind("Service").find((each) => each.metadata.name === "router-internal");
    expect(internal.spec.ports.map((port: Any) => [port.port, port.targetPort])).toEqual([[9090, "internal"]]);
    // Only the internal port is opened to them.
    const rules = ofKind("NetworkPolicy").flatMap((policy) => policy.spec.ingress ?? []);
    const invalidators = rules.filter((rule: Any) =>
      rule.from?.some((peer: Any) => peer.podSelector?.matchLabels?.["supergraph/cache-invalidator"] === "true"),
    );
    expect(invalidators.flatMap((rule: Any) => rule.ports.map((port: Any) => port.port))).toEqual([9090]);
    if (overlay === "dev") {
      const secret = ofKind("Secret").find((each) => each.metadata.name.startsWith("supergraph-secrets"));
      const value = Buffer.from(secret.data.INVALIDATION_SHARED_KEY, "base64").toString();
      // The router refuses a shorter key at start-up (router/src/config.ts).
      expect(value.length).toBeGreaterThanOrEqual(32);
    }
  });

  it.runIf(overlay === "prod")("keeps no Secret in the manifests (they are created out of band)", () => {
    expect(ofKind("Secret")).toEqual([]);
  });
});
