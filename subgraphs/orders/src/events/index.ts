import type { EventBus } from "@supergraph/kit/subgraph";

/** What this subgraph publishes (kit's event bus): an order changed, and whose it is (for the privacy filter). */
export type OrderEvents = { orderUpdated: [{ id: string; buyerId: string }] };
export type Events = EventBus<OrderEvents>;
