import DataLoader from "dataloader";
import { badUserInput } from "./errors.ts";

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
    // A UUID's letters may come in either case (Postgres reads both); rows carry them in lower case.
    const valid = ids.filter(isUuid).map((id) => id.toLowerCase());
    const rows = valid.length > 0 ? await fetchMany([...new Set(valid)]) : [];
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id.toLowerCase()) ?? null);
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

/**
 * One parent's slice of a list field: its newest `first` rows, or the `first` rows after the row `after`
 * (the last of the slice before), newest first (`first` checked, see sliceArgs).
 */
export interface SliceKey {
  id: string;
  first: number;
  after: string | null;
}

/** What a list field's `after` that is not one of the items that list shows its reader gets. */
const unknownAfter = () => badUserInput("after: must be the id of an item of this list", "after");

/**
 * A per-request loader of list fields' slices (each user's newest 20 posts): all `load(key)` calls made in
 * one tick become one query, whatever mix of parents, `first`s and `after`s they ask. `fetchMany(keys)`
 * limits each key's rows in SQL, in the order to return, and tags each row with `slice`, its key's index in
 * `keys`; for a key with `after`, its rows start with the `after` row itself, under the same conditions as
 * the others (so `first` + 1 of them). The loader checks that row is there and drops it: an `after` that is
 * not an item of that list as its reader sees it (unknown, not a UUID, another parent's, hidden from the
 * reader) fails the load with BAD_USER_INPUT, as does any `after` of a parent id that is not a UUID.
 */
export function createSliceLoader<K extends SliceKey, T extends { id: string }>(
  fetchMany: (keys: K[]) => Promise<Array<T & { slice: number }>>,
): DataLoader<K, T[], string> {
  return new DataLoader<K, T[], string>(
    async (keys) => {
      const asked = keys.filter((key) => isUuid(key.id) && (key.after == null || isUuid(key.after)));
      const rows = asked.length > 0 ? await fetchMany(asked) : [];
      const slices = new Map(asked.map((key): [K, T[]] => [key, []]));
      for (const row of rows) slices.get(asked[row.slice] as K)?.push(row);
      return keys.map((key) => {
        const slice = slices.get(key);
        if (key.after == null) return slice ?? [];
        return slice?.[0]?.id === key.after ? slice.slice(1) : unknownAfter();
      });
    },
    // Keys are objects: equal ones (whatever their property order) share one load.
    { cacheKeyFn: (key) => JSON.stringify(key, Object.keys(key).sort()) },
  );
}
