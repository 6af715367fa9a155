import { appError, ErrorCode } from "@supergraph/kit/runtime";
import { createServiceClient, ServiceUnreachableError } from "@supergraph/kit/subgraph";
import type { PostsConfig } from "../config.ts";

const EXISTING = `query Existing($ids: [ID!]!) { existingProductIds(ids: $ids) }`;

/** Asks the products subgraph (directly, as the posts service) which of these product ids exist. */
export function createProductsClient(config: PostsConfig) {
  const call = createServiceClient({
    caller: "posts",
    target: "products",
    url: config.productsUrl,
    internalTokenSecret: config.internalTokenSecret,
    timeoutMs: config.productsTimeoutMs,
  });
  return {
    async existing(ids: string[]): Promise<Set<string>> {
      if (ids.length === 0) return new Set();
      try {
        const data = await call<{ existingProductIds: string[] }>(EXISTING, { ids });
        return new Set(data.existingProductIds);
      } catch (error) {
        if (!(error instanceof ServiceUnreachableError)) throw error;
        throw appError(
          ErrorCode.SERVICE_UNAVAILABLE,
          "Products could not be checked right now; nothing was saved. Try again.",
        );
      }
    },
  };
}
export type ProductsClient = ReturnType<typeof createProductsClient>;
