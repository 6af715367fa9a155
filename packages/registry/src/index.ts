import { SUBGRAPHS } from "./subgraphs.ts";

export { SUBGRAPHS };

export type SubgraphName = (typeof SUBGRAPHS)[number]["name"];

export interface Subgraph {
  name: string;
  /** Its local default port; in containers every subgraph listens on this one too. */
  port: number;
  calls: readonly string[];
}

/** The registry entry of `name`; throws for a name the registry does not list. */
export function subgraph(name: string): Subgraph {
  const found = SUBGRAPHS.find((entry) => entry.name === name);
  if (!found) throw new Error(`No subgraph named ${JSON.stringify(name)} in packages/registry/src/subgraphs.ts.`);
  return found;
}

/** The prefix of a subgraph's own settings: `<NAME>_PORT`, `<NAME>_DATABASE_URL`, and the router's `<NAME>_URL`. */
export const envPrefix = (name: string) => name.toUpperCase();
export const portVariable = (name: string) => `${envPrefix(name)}_PORT`;
export const urlVariable = (name: string) => `${envPrefix(name)}_URL`;
export const databaseVariable = (name: string) => `${envPrefix(name)}_DATABASE_URL`;

/** Where a subgraph listens by default on this machine (development, composition's routing URLs). */
export const defaultPort = (name: string) => subgraph(name).port;
export const defaultUrl = (name: string) => `http://127.0.0.1:${defaultPort(name)}/graphql`;

/** Paths from the repository root. */
export const schemaPath = (name: string) => `subgraphs/${name}/schema.graphql`;
export const entryPath = (name: string) => `subgraphs/${name}/src/main.ts`;
