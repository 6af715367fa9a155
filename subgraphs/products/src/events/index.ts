import type { EventBus } from "@supergraph/kit/subgraph";

/** What this subgraph publishes (kit's event bus): a product's price or stock changed, by product id. */
export type ProductEvents = { productUpdated: [id: string, payload: { id: string }] };
export type Events = EventBus<ProductEvents>;
