import type { EventBus } from "@supergraph/kit/subgraph";

/** What this subgraph publishes (kit's event bus): a post was published, once per product it is about. */
export type PostEvents = { postPublished: [productId: string, payload: { id: string }] };
export type Events = EventBus<PostEvents>;
