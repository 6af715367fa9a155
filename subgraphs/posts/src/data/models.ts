/** An entity another subgraph owns, as this one knows it: its key. */
export interface Reference {
  id: string;
}
