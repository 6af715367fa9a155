import DataLoader from "dataloader";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** IDs are UUIDs; anything else cannot exist, and must not reach Postgres (it would fail the cast). */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/**
 * A per-request loader of rows by id: all `load(id)` calls made in one tick become one query
 * (`fetchMany(ids)`, a single `WHERE id IN (…)`), whatever the number of entities in the response.
 */
export function createByIdLoader<T extends { id: string }>(
  fetchMany: (ids: string[]) => Promise<T[]>,
): DataLoader<string, T | null> {
  return new DataLoader<string, T | null>(async (ids) => {
    const valid = ids.filter(isUuid);
    const rows = valid.length > 0 ? await fetchMany([...new Set(valid)]) : [];
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}

/**
 * A per-request loader of lists by a parent key (e.g. a user's orders): one query for all parents,
 * grouped back in the order the rows came (callers sort in SQL).
 */
export function createGroupLoader<K, T>(
  fetchMany: (keys: K[]) => Promise<T[]>,
  keyOf: (row: T) => K,
): DataLoader<K, T[]> {
  return new DataLoader<K, T[]>(async (keys) => {
    const rows = await fetchMany([...new Set(keys)]);
    const groups = new Map<K, T[]>();
    for (const row of rows) {
      const key = keyOf(row);
      const group = groups.get(key);
      if (group) group.push(row);
      else groups.set(key, [row]);
    }
    return keys.map((key) => groups.get(key) ?? []);
  });
}

/** One parent's slice of a list field: its newest `first` rows (`first` checked, see sliceSize). */
export interface SliceKey {
  id: string;
  first: number;
}

/**
 * A per-request loader of list fields' slices (each user's newest 20 posts): all `load(key)` calls made in
 * one tick become one query, whatever mix of parents and `first`s they ask. `fetchMany(keys)` limits each
 * key's rows in SQL, in the order to return, and tags each row with `slice`, its key's index in `keys`.
 */
export function createSliceLoader<K extends SliceKey, T>(
  fetchMany: (keys: K[]) => Promise<Array<T & { slice: number }>>,
): DataLoader<K, T[], string> {
  return new DataLoader<K, T[], string>(
    async (keys) => {
      const asked = keys.filter((key) => isUuid(key.id));
      const rows = asked.length > 0 ? await fetchMany(asked) : [];
      const slices = new Map(asked.map((key): [K, T[]] => [key, []]));
      for (const row of rows) slices.get(asked[row.slice] as K)?.push(row);
      return keys.map((key) => slices.get(key) ?? []);
    },
    // Keys are objects: equal ones (whatever their property order) share one load.
    { cacheKeyFn: (key) => JSON.stringify(key, Object.keys(key).sort()) },
  );
}
