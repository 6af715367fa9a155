import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { PrismaPg } from "@prisma/adapter-pg";
import {
  bindMigrationAwareSqlAdapterFactory,
  type SqlMigrationAwareDriverAdapterFactory,
} from "@prisma/driver-adapter-utils";
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

export interface OpenSchemaEngine {
  engine: SchemaEngine;
  /** Frees the engine and closes its connections. */
  close(): Promise<void>;
}

/** Opens the schema engine for one Prisma schema, connected to a database (it connects on start). */
export async function openSchemaEngine(schemaPath: string, connectionString: string): Promise<OpenSchemaEngine> {
  initialise();
  // engine.free() leaves the adapter's pg pool open, and with it the session that holds the engine's
  // migration advisory lock: the next migrate on that database would wait 10 s for the lock. So the
  // connections the engine opens are tracked here and closed with it.
  const pgFactory = new PrismaPg({ connectionString });
  const opened: Array<{ dispose(): Promise<void> }> = [];
  const tracked: SqlMigrationAwareDriverAdapterFactory = {
    provider: pgFactory.provider,
    adapterName: pgFactory.adapterName,
    connect: async () => {
      const adapter = await pgFactory.connect();
      opened.push(adapter);
      return adapter;
    },
    connectToShadowDb: async () => {
      const adapter = await pgFactory.connectToShadowDb();
      opened.push(adapter);
      return adapter;
    },
  };
  const schema = readFileSync(schemaPath, "utf8");
  const engine = await bg.SchemaEngine.new(
    { datamodels: [[schemaPath, schema]] },
    () => {},
    bindMigrationAwareSqlAdapterFactory(tracked),
  );
  return {
    engine,
    async close() {
      engine.free();
      await Promise.all(opened.map((adapter) => adapter.dispose()));
    },
  };
}
