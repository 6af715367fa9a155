import type { ApolloServerPlugin, BaseContext } from "@apollo/server";

/**
 * Cache invalidation, subgraph side. A mutation names what it changed — an entity (`Product:42`) when
 * one entity changed, a type (`Product`) when lists of that type changed (created, deleted, or moved in
 * or out of a filter). The subgraph returns the names in `extensions.invalidate`; the router collects
 * them from every subgraph response of the operation and purges the cached responses they tag.
 */
export interface InvalidationContext {
  invalidations: Set<string>;
}

export const entityTag = (type: string, id: string) => `${type}:${id}`;

export function invalidate(context: InvalidationContext, ...tags: string[]): void {
  for (const tag of tags) context.invalidations.add(tag);
}

export function useInvalidationReport<
  TContext extends BaseContext & InvalidationContext,
>(): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, contextValue }) {
          if (response.body.kind !== "single" || contextValue.invalidations.size === 0) return;
          const result = response.body.singleResult;
          result.extensions = { ...result.extensions, invalidate: [...contextValue.invalidations] };
        },
      };
    },
  };
}
