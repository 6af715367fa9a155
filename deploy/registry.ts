// How the registry of subgraphs (packages/registry) maps onto the deploy files: `deployDrift` lists where
// they disagree (registry.test.ts fails on any), and `wireSubgraph` adds a new subgraph's lines to every
// file (`npm run new:subgraph`). Both work on a repository root, so a test can run them on a copy.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { envPrefix, type Subgraph } from "@supergraph/registry";
import { parse } from "yaml";

const FILES = {
  compose: "deploy/docker/compose.yaml",
  postgresInit: "deploy/docker/postgres-init.sql",
  base: "deploy/k8s/base/kustomization.yaml",
  devOverlay: "deploy/k8s/overlays/dev/kustomization.yaml",
  devSecrets: "deploy/k8s/overlays/dev/dev-secrets.env",
  devPostgres: "deploy/k8s/overlays/dev/postgres.yaml",
  devRedis: "deploy/k8s/overlays/dev/redis.yaml",
  prodOverlay: "deploy/k8s/overlays/prod/kustomization.yaml",
  prodReadme: "deploy/k8s/overlays/prod/README.md",
} as const;

export const subgraphKustomization = (name: string) => `deploy/k8s/base/subgraphs/${name}/kustomization.yaml`;
const serviceUrl = (subgraph: Subgraph) => `http://${subgraph.name}:${subgraph.port}/graphql`;
const databaseUrl = (name: string) => `postgres://supergraph:supergraph@postgres:5432/${name}`;
/** The Secret's key in the production README's `kubectl create secret` command. */
const prodSecretLine = (name: string) =>
  `     --from-literal=${envPrefix(name)}_DATABASE_URL='postgres://${name}:…@db.example.net:5432/${name}?sslmode=verify-full&sslrootcert=/etc/supergraph-ca/database.pem'`;

type ComposeService = {
  image?: string;
  build?: { args?: Record<string, string> };
  environment?: Record<string, string>;
  depends_on?: Record<string, unknown>;
};

/** Every place a deploy file disagrees with the registry, as sentences; empty when they agree. */
export function deployDrift(root: string, subgraphs: readonly Subgraph[]): string[] {
  const read = (file: string) => readFileSync(join(root, file), "utf8");
  const problems: string[] = [];
  const expect = (ok: boolean, problem: string) => ok || problems.push(problem);
  const byName = new Map(subgraphs.map((subgraph) => [subgraph.name, subgraph]));
  const names = subgraphs.map((subgraph) => subgraph.name);

  const services = (parse(read(FILES.compose)) as { services: Record<string, ComposeService> }).services;
  const router = services.router ?? {};
  const built = Object.values(services).flatMap((service) => service.build?.args?.SERVICE ?? []);
  expect(
    JSON.stringify([...new Set(built)].sort()) === JSON.stringify(["router", ...names].sort()),
    `${FILES.compose} builds images for ${[...new Set(built)].sort().join(", ")}; the registry lists router and ${names.join(", ")}`,
  );
  const sqlDatabases = [...read(FILES.postgresInit).matchAll(/^CREATE DATABASE (\w+);$/gm)].map((match) => match[1]);
  expect(
    JSON.stringify(sqlDatabases.sort()) === JSON.stringify([...names].sort()),
    `${FILES.postgresInit} creates ${sqlDatabases.join(", ")}`,
  );
  const base = read(FILES.base);
  const baseResources = [...base.matchAll(/^ {2}- subgraphs\/(\w+)$/gm)].map((match) => match[1]);
  expect(
    JSON.stringify(baseResources.sort()) === JSON.stringify([...names].sort()),
    `${FILES.base} includes subgraphs/${baseResources.join(", subgraphs/")}`,
  );
  const devPostgres = read(FILES.devPostgres);

  for (const subgraph of subgraphs) {
    const { name } = subgraph;
    const NAME = envPrefix(name);
    const where = (file: string) => `${file} (${name})`;
    const service = services[name];
    const migrate = services[`${name}-migrate`];
    expect(
      service?.image === `supergraph/${name}`,
      `${where(FILES.compose)}: no service ${name} running supergraph/${name}`,
    );
    expect(
      migrate?.build?.args?.SERVICE === name,
      `${where(FILES.compose)}: no service ${name}-migrate building supergraph/${name}`,
    );
    expect(
      service?.environment?.[`${NAME}_DATABASE_URL`] === databaseUrl(name),
      `${where(FILES.compose)}: ${NAME}_DATABASE_URL is not ${databaseUrl(name)}`,
    );
    expect(
      Boolean(service?.depends_on?.[`${name}-migrate`]),
      `${where(FILES.compose)}: ${name} does not wait for ${name}-migrate`,
    );
    expect(
      router.environment?.[`${NAME}_URL`] === serviceUrl(subgraph),
      `${where(FILES.compose)}: the router's ${NAME}_URL is not ${serviceUrl(subgraph)}`,
    );
    expect(Boolean(router.depends_on?.[name]), `${where(FILES.compose)}: the router does not wait for ${name}`);
    for (const callee of subgraph.calls.map((calleeName) => byName.get(calleeName))) {
      if (!callee) {
        problems.push(`packages/registry: ${name} calls a subgraph the registry does not list`);
        continue;
      }
      const variable = `${envPrefix(callee.name)}_URL`;
      expect(
        service?.environment?.[variable] === serviceUrl(callee),
        `${where(FILES.compose)}: ${name}'s ${variable} is not ${serviceUrl(callee)}`,
      );
      expect(
        Boolean(service?.depends_on?.[callee.name]),
        `${where(FILES.compose)}: ${name} does not wait for ${callee.name}`,
      );
      expect(
        read(subgraphKustomization(callee.name)).includes(`app.kubernetes.io/name: ${name} }`),
        `${subgraphKustomization(callee.name)}: its NetworkPolicy does not let ${name} in (${name} calls ${callee.name})`,
      );
    }

    expect(
      base.includes(`      - ${NAME}_URL=${serviceUrl(subgraph)}\n`),
      `${where(FILES.base)}: no ${NAME}_URL=${serviceUrl(subgraph)} in supergraph-config`,
    );
    let own = "";
    try {
      own = read(subgraphKustomization(name));
    } catch {}
    expect(
      own.includes(`literals: [name=${name}, NAME=${NAME}, port=${subgraph.port}]`),
      `${subgraphKustomization(name)}: no literals [name=${name}, NAME=${NAME}, port=${subgraph.port}]`,
    );
    expect(
      read(FILES.devOverlay).includes(`{ name: supergraph/${name}, newTag: dev }`),
      `${where(FILES.devOverlay)}: no image supergraph/${name}`,
    );
    expect(
      read(FILES.prodOverlay).includes(`{ name: supergraph/${name}, newName: registry.example.com/supergraph/${name},`),
      `${where(FILES.prodOverlay)}: no image supergraph/${name}`,
    );
    expect(
      read(FILES.prodReadme).includes(`--from-literal=${NAME}_DATABASE_URL=`),
      `${where(FILES.prodReadme)}: the Secret has no ${NAME}_DATABASE_URL (its pods would not start)`,
    );
    expect(
      read(FILES.devSecrets).includes(`\n${NAME}_DATABASE_URL=${databaseUrl(name)}\n`),
      `${where(FILES.devSecrets)}: no ${NAME}_DATABASE_URL`,
    );
    expect(
      devPostgres.includes(`    CREATE DATABASE ${name};\n`),
      `${where(FILES.devPostgres)}: no CREATE DATABASE ${name}`,
    );
    expect(
      new RegExp(`operator: In, values: \\[[^\\]]*\\b${name}\\b`).test(devPostgres),
      `${where(FILES.devPostgres)}: ${name} may not reach Postgres`,
    );
    expect(
      new RegExp(`operator: In, values: \\[[^\\]]*\\b${name}\\b`).test(read(FILES.devRedis)),
      `${where(FILES.devRedis)}: ${name} may not reach Redis`,
    );
  }
  return problems;
}

/** Inserts `line` after the last line matching `after`; throws when none does (the file changed shape). */
export function insertAfterLast(text: string, after: RegExp, line: string, file: string): string {
  const lines = text.split("\n");
  const index = lines.findLastIndex((candidate) => after.test(candidate));
  if (index < 0) throw new Error(`${file}: no line matches ${after}; add the new subgraph's line by hand.`);
  lines.splice(index + 1, 0, line);
  return lines.join("\n");
}

/** Adds a new subgraph (one that calls no other directly) to every deploy file `deployDrift` checks. */
export function wireSubgraph(root: string, subgraph: Subgraph): void {
  const { name } = subgraph;
  const NAME = envPrefix(name);
  const edit = (file: string, change: (text: string) => string) =>
    writeFileSync(join(root, file), change(readFileSync(join(root, file), "utf8")));

  edit(FILES.compose, (text) => {
    let next = insertAfterLast(
      text,
      /^ {4}depends_on: \{ postgres: \{ condition: service_healthy \} \}$/,
      [
        `  ${name}-migrate:`,
        `    image: supergraph/${name}`,
        `    build: { context: ../.., dockerfile: deploy/docker/Dockerfile, args: { SERVICE: ${name} } }`,
        `    command: ["migrate"]`,
        `    environment: { <<: *secrets, ${NAME}_DATABASE_URL: "${databaseUrl(name)}" }`,
        "    depends_on: { postgres: { condition: service_healthy } }",
      ].join("\n"),
      FILES.compose,
    );
    next = next.replace(
      /\n {2}router:\n/,
      `\n  ${name}:\n    <<: *subgraph\n    image: supergraph/${name}\n    environment: { <<: *secrets, ${NAME}_DATABASE_URL: "${databaseUrl(name)}" }\n    depends_on: { ${name}-migrate: { condition: service_completed_successfully } }\n\n  router:\n`,
    );
    next = insertAfterLast(
      next,
      /^ {6}[A-Z]+_URL: http:\/\/\w+:\d+\/graphql$/,
      `      ${NAME}_URL: ${serviceUrl(subgraph)}`,
      FILES.compose,
    );
    return insertAfterLast(
      next,
      /^ {6}\w+: \{ condition: service_healthy \}$/,
      `      ${name}: { condition: service_healthy }`,
      FILES.compose,
    );
  });
  edit(FILES.postgresInit, (text) =>
    insertAfterLast(text, /^CREATE DATABASE \w+;$/, `CREATE DATABASE ${name};`, FILES.postgresInit),
  );
  edit(FILES.base, (text) =>
    insertAfterLast(
      insertAfterLast(text, /^ {2}- subgraphs\/\w+$/, `  - subgraphs/${name}`, FILES.base),
      /^ {6}- [A-Z]+_URL=http:\/\//,
      `      - ${NAME}_URL=${serviceUrl(subgraph)}`,
      FILES.base,
    ),
  );
  edit(FILES.devOverlay, (text) =>
    insertAfterLast(
      text,
      /^ {2}- \{ name: supergraph\/\w+, newTag: dev \}$/,
      `  - { name: supergraph/${name}, newTag: dev }`,
      FILES.devOverlay,
    ),
  );
  edit(FILES.prodOverlay, (text) =>
    insertAfterLast(
      text,
      /^ {2}- \{ name: supergraph\/\w+, newName: /,
      `  - { name: supergraph/${name}, newName: registry.example.com/supergraph/${name}, newTag: "1.0.0" }`,
      FILES.prodOverlay,
    ),
  );
  // The command's last line ends without its continuation, so the new line goes after a `\\` added to it.
  edit(FILES.prodReadme, (text) => {
    const last = /^ {5}--from-literal=[A-Z]+_DATABASE_URL=.*$/;
    const lines = text.split("\n");
    const index = lines.findLastIndex((line) => last.test(line));
    if (index < 0)
      throw new Error(`${FILES.prodReadme}: no --from-literal=…_DATABASE_URL line; add the new subgraph's by hand.`);
    if (!lines[index]?.endsWith(" \\")) lines[index] = `${lines[index]} \\`;
    lines.splice(index + 1, 0, prodSecretLine(name));
    return lines.join("\n");
  });
  edit(FILES.devSecrets, (text) =>
    insertAfterLast(text, /^[A-Z]+_DATABASE_URL=/, `${NAME}_DATABASE_URL=${databaseUrl(name)}`, FILES.devSecrets),
  );
  edit(FILES.devPostgres, (text) =>
    insertAfterLast(text, /^ {4}CREATE DATABASE \w+;$/, `    CREATE DATABASE ${name};`, FILES.devPostgres).replace(
      /(operator: In, values: \[[^\]]*)\]/,
      `$1, ${name}]`,
    ),
  );

  edit(FILES.devRedis, (text) => text.replace(/(operator: In, values: \[[^\]]*)\]/, `$1, ${name}]`));

  const own = join(root, subgraphKustomization(name));
  mkdirSync(dirname(own), { recursive: true });
  writeFileSync(
    own,
    `# The ${name} subgraph: the shared component (../../subgraph) with its values.
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
components: [../../subgraph]
configMapGenerator:
  - name: subgraph
    literals: [name=${name}, NAME=${NAME}, port=${subgraph.port}]
    options: { disableNameSuffixHash: true, annotations: { config.kubernetes.io/local-config: "true" } }
patches:
  # The values, once replaced, go: each subgraph's would clash with the next one's in the base.
  - patch: '{ apiVersion: v1, kind: ConfigMap, metadata: { name: subgraph }, $patch: delete }'
`,
  );
}
