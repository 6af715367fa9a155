import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type PrismaProject, prismaProject } from "./migrations.ts";

/**
 * Finds `prisma/<name>/` by walking up from the calling module. The same lookup works from the sources
 * (`subgraphs/<name>/src/...`) and from a built bundle (`subgraphs/<name>/dist/...`), and in the container
 * image, which keeps the repository's layout.
 */
export function findPrismaProject(name: string, fromUrl: string): PrismaProject {
  let dir = dirname(fileURLToPath(fromUrl));
  for (;;) {
    const candidate = join(dir, "prisma", name);
    if (existsSync(join(candidate, "schema.prisma"))) return prismaProject(candidate);
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`prisma/${name}/schema.prisma not found above ${fromUrl}`);
    dir = parent;
  }
}
