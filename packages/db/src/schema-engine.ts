import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { PrismaPg } from "@prisma/adapter-pg";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";
import * as bg from "@prisma/schema-engine-wasm/schema_engine_bg";

// Prisma's native schema engine is a binary downloaded at install time, which cannot happen offline.
// Its WebAssembly build speaks to the database through the same `pg` driver adapter as the client, so
// migrations work anywhere Node runs and keep Prisma's `_prisma_migrations` bookkeeping (a machine with the
// binary can still run `prisma migrate deploy` on the same database). Node cannot `import` a `.wasm`
// module, so it is instantiated by hand, once per process.
// Node has WebAssembly, but @types/node does not declare it (it comes with the DOM lib we do not load).
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, unknown>) => { exports: Record<string, unknown> };
};

let initialised = false;
function initialise(): void {
  if (initialised) return;
  const require = createRequire(import.meta.url);
  const wasmPath = require.resolve("@prisma/schema-engine-wasm/schema_engine_bg").replace(/\.js$/, ".wasm");
  const instance = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(wasmPath)), {
    "./schema_engine_bg.js": bg,
  });
  bg.__wbg_set_wasm(instance.exports);
  (instance.exports.__wbindgen_start as () => void)();
  initialised = true;
}

export type SchemaEngine = bg.SchemaEngine;

export const noFilters = { externalTables: [], externalEnums: [] };

/** Opens the schema engine for one Prisma schema, connected to a database (it connects on start). */
export async function openSchemaEngine(schemaPath: string, connectionString: string): Promise<SchemaEngine> {
  initialise();
  const adapter = bindMigrationAwareSqlAdapterFactory(new PrismaPg({ connectionString }));
  const schema = readFileSync(schemaPath, "utf8");
  return bg.SchemaEngine.new({ datamodels: [[schemaPath, schema]] }, () => {}, adapter);
}
