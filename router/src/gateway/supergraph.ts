import { watch } from "node:fs";
import { readFile } from "node:fs/promises";
import type { SupergraphSdlHook } from "@apollo/gateway";
import type { Logger } from "@supergraph/kit/runtime";

/**
 * Serves the checked-in supergraph to the gateway and, when `watch` is on (development), hands it the
 * new schema whenever the file changes (`npm run compose` while the router runs). A composition that
 * the gateway rejects is logged and the previous schema stays in service.
 */
export function supergraphFromFile(path: string, watchFile: boolean, logger: Logger): SupergraphSdlHook {
  return async ({ update }) => {
    let current = await readFile(path, "utf8");
    if (!watchFile) return { supergraphSdl: current };
    let timer: NodeJS.Timeout | undefined;
    const watcher = watch(path, () => {
      // Editors and `compose` write in several steps; wait for the file to settle.
      clearTimeout(timer);
      timer = setTimeout(async () => {
        try {
          const next = await readFile(path, "utf8");
          if (next === current || next.trim() === "") return;
          update(next);
          current = next;
          logger.info({ path }, "supergraph reloaded");
        } catch (error) {
          logger.error({ err: error, path }, "supergraph reload failed; keeping the previous schema");
        }
      }, 100);
    });
    return {
      supergraphSdl: current,
      async cleanup() {
        clearTimeout(timer);
        watcher.close();
      },
    };
  };
}
