import { COST_VERSIONS, costIdentity, type NamedSchemaElement, Supergraph } from "@apollo/federation-internals";
import { ErrorCode, type Logger } from "@supergraph/kit/runtime";
import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  GraphQLError,
  type GraphQLField,
  GraphQLIncludeDirective,
  type GraphQLNamedType,
  type GraphQLSchema,
  GraphQLSkipDirective,
  getArgumentValues,
  getDirectiveValues,
  getNamedType,
  getNullableType,
  getVariableValues,
  isCompositeType,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  OperationTypeNode,
  type SelectionNode,
} from "graphql";
import { LimitCode } from "./limits.ts";

/** `@listSize` on a field, as the IBM cost spec and Apollo Router's demand control read it. */
interface ListSize {
  assumedSize?: number;
  slicingArguments: readonly string[];
  sizedFields: readonly string[];
}

/** What the supergraph says about costs: `@listSize` by field, `@cost` by field or type (schema coordinates). */
export interface CostDirectives {
  listSizes: ReadonlyMap<string, ListSize>;
  weights: ReadonlyMap<string, number>;
}

const NONE: CostDirectives = { listSizes: new Map(), weights: new Map() };

/** Raise it when operationCost counts differently: routers sharing Redis then keep their entries apart. */
const COST_MODEL = 1;

/** The supergraph's `@listSize` and `@cost` applications (the subgraphs' own, which composition keeps). */
export function costDirectives(supergraphSdl: string): CostDirectives {
  const { schema } = Supergraph.build(supergraphSdl, { validateSupergraph: false });
  const feature = schema.coreFeatures?.getByIdentity(costIdentity);
  const spec = feature && COST_VERSIONS.find(feature.url.version);
  if (!spec) return NONE;
  const coordinate = (element: unknown) => (element as NamedSchemaElement<never, never, never>).coordinate;
  const listSizes = new Map<string, ListSize>();
  for (const application of spec.listSizeDirective(schema)?.applications() ?? []) {
    const { assumedSize, slicingArguments, sizedFields } = application.arguments();
    listSizes.set(coordinate(application.parent), {
      assumedSize: assumedSize ?? undefined,
      slicingArguments: slicingArguments ?? [],
      sizedFields: sizedFields ?? [],
    });
  }
  const weights = new Map<string, number>();
  for (const application of spec.costDirective(schema)?.applications() ?? []) {
    weights.set(coordinate(application.parent), application.arguments().weight);
  }
  return { listSizes, weights };
}

/** A field without `@listSize` that takes `first` or `last`, read as Relay pages are (see operationCost). */
function pagedBy(field: GraphQLField<unknown, unknown>, isList: boolean): ListSize | undefined {
  const slicingArguments = field.args.map((arg) => arg.name).filter((name) => name === "first" || name === "last");
  if (slicingArguments.length === 0) return undefined;
  return { slicingArguments, sizedFields: isList ? [] : ["edges", "nodes"] };
}

/**
 * An operation's estimated cost, modelled on the IBM GraphQL cost spec as Apollo Router's demand control
 * applies it: a field of an object, interface or union type costs 1 and a scalar or enum 0 (unless `@cost`
 * says otherwise), a mutation adds 10, and a list multiplies its items' cost by its size: the largest
 * slicing argument given, else a size its parent's slicing argument gives it (`sizedFields`: a
 * connection's `edges`), else its `assumedSize`, else `defaultListSize`. A field without `@listSize` is
 * sliced by its `first`/`last`, and sizes its `edges`/`nodes` by them when it is not a list itself (the
 * Relay convention), so a subgraph that says nothing is still costed by its pages. Fragments count every
 * type condition's fields (an upper bound); `@skip`/`@include` are honoured.
 * The variables' errors instead, when they cannot be coerced or leave an argument or a directive that
 * needs a value with null: execution would refuse them, and costing without them would cost nothing the
 * fields they slice.
 */
export function operationCost(
  schema: GraphQLSchema,
  directives: CostDirectives,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  rawVariables: Readonly<Record<string, unknown>> | null | undefined,
  defaultListSize: number,
): number | readonly GraphQLError[] {
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], rawVariables ?? {});
  if (coerced.errors) return coerced.errors;
  const variables = coerced.coerced;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  // A fragment's cost, once per size its enclosing field gives it: without it, fragments spreading
  // fragments ten times each over a few levels would be walked ten to the power of the levels.
  const fragmentCosts = new Map<string, number>();

  // Both throw a GraphQLError for a variable that is null where a value is needed (`if: $b`, `b: null`).
  const included = (node: SelectionNode) =>
    !getDirectiveValues(GraphQLSkipDirective, node, variables)?.if &&
    getDirectiveValues(GraphQLIncludeDirective, node, variables)?.if !== false;

  /** The largest slicing argument given, if any. */
  const sliced = (listSize: ListSize | undefined, args: Record<string, unknown>) => {
    const given = (listSize?.slicingArguments ?? []).map((name) => args[name]).filter((v) => typeof v === "number");
    return given.length > 0 ? Math.max(0, ...(given as number[])) : undefined;
  };

  const fieldCost = (parent: GraphQLNamedType, node: FieldNode, parentSizes: ReadonlyMap<string, number>) => {
    if (!isObjectType(parent) && !isInterfaceType(parent)) return 0; // a union's only field is __typename
    const field = parent.getFields()[node.name.value];
    if (!field) return 0; // __typename, or introspection (not a subgraph's work)
    const coordinate = `${parent.name}.${field.name}`;
    const type = getNamedType(field.type);
    const weight =
      directives.weights.get(coordinate) ?? directives.weights.get(type.name) ?? (isCompositeType(type) ? 1 : 0);
    const args = getArgumentValues(field, node, variables);
    const isList = isListType(getNullableType(field.type));
    const listSize = directives.listSizes.get(coordinate) ?? pagedBy(field, isList);
    const slice = sliced(listSize, args);
    const childSizes = new Map<string, number>();
    const sizeForChildren = slice ?? listSize?.assumedSize;
    if (sizeForChildren !== undefined)
      for (const name of listSize?.sizedFields ?? []) childSizes.set(name, sizeForChildren);
    const children = node.selectionSet ? selectionsCost(type, node.selectionSet.selections, childSizes) : 0;
    const size = isList ? (slice ?? parentSizes.get(field.name) ?? listSize?.assumedSize ?? defaultListSize) : 1;
    return size * (weight + children);
  };

  const selectionsCost = (
    parent: GraphQLNamedType,
    selections: readonly SelectionNode[],
    sizes: ReadonlyMap<string, number>,
  ): number => {
    let total = 0;
    for (const selection of selections) {
      if (!included(selection)) continue;
      if (selection.kind === Kind.FIELD) total += fieldCost(parent, selection, sizes);
      else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        if (type) total += selectionsCost(type, selection.selectionSet.selections, sizes);
      } else {
        const fragment = fragments.get(selection.name.value);
        const type = fragment && schema.getType(fragment.typeCondition.name.value);
        if (!fragment || !type) continue;
        const key = `${fragment.name.value}|${[...sizes].join()}`;
        let cost = fragmentCosts.get(key);
        if (cost === undefined) {
          cost = selectionsCost(type, fragment.selectionSet.selections, sizes);
          fragmentCosts.set(key, cost);
        }
        total += cost;
      }
    }
    return total;
  };

  const root = schema.getRootType(operation.operation);
  if (!root) return 0; // validation refused it already
  try {
    return (
      (operation.operation === OperationTypeNode.MUTATION ? 10 : 0) +
      selectionsCost(root, operation.selectionSet.selections, new Map())
    );
  } catch (error) {
    if (error instanceof GraphQLError) return [error];
    throw error;
  }
}

/**
 * The cost limit, following the supergraph the router serves: `update` on every load or reload, `check`
 * for every operation with its variables in place, before anything is planned, with the directives of
 * the schema it was validated against (a schema never registered, such as the subscription service's,
 * gets those of the latest supergraph, updated in the same callback).
 */
export function createCostLimit(options: {
  limit: number;
  defaultListSize: number;
  logger: Logger;
  /** Each cost computed (a metric: what operators calibrate LIMIT_COST with). */
  onCost?: (cost: number) => void;
}) {
  const bySchema = new WeakMap<GraphQLSchema, CostDirectives>();
  let latest = NONE;
  const directivesOf = (schema: GraphQLSchema) => bySchema.get(schema) ?? latest;
  /** An operation's `cost` within the limit, with what its batch's operations before it cost (then added to it). */
  const spend = (cost: number, batch?: { cost: number }): GraphQLError | null => {
    const total = (batch?.cost ?? 0) + cost;
    if (total <= options.limit) {
      if (batch) batch.cost = total;
      return null;
    }
    return new GraphQLError(
      total === cost
        ? `Cost limit of ${options.limit} exceeded, found ${cost}.`
        : `Cost limit of ${options.limit} exceeded by this batch: this operation costs ${cost}, its operations before it ${total - cost}.`,
      { extensions: { code: LimitCode.cost } },
    );
  };
  return {
    update(apiSchema: GraphQLSchema, supergraphSdl: string): void {
      try {
        latest = costDirectives(supergraphSdl);
      } catch (error) {
        // The gateway loaded this supergraph, so this is unexpected; lists are still costed by their pages.
        options.logger.error({ err: error }, "cost directives unreadable; costing without them");
        latest = NONE;
      }
      bySchema.set(apiSchema, latest);
    },

    /** How `schema` is costed, as plain data (the response cache keys its entries with it). */
    describe(schema: GraphQLSchema): unknown {
      const directives = directivesOf(schema);
      return [COST_MODEL, [...directives.listSizes], [...directives.weights]];
    },

    /**
     * The error to answer with, or null when the operation is within the limit. Variables that cannot be
     * coerced are refused here as execution would refuse them (a subscription's are not checked again).
     */
    check(
      schema: GraphQLSchema,
      document: DocumentNode,
      operation: OperationDefinitionNode,
      variables: Readonly<Record<string, unknown>> | null | undefined,
      /** The operation's batch: what its operations have cost so far, this one's added when it may run. */
      batch?: { cost: number },
      /** Told the operation's cost, once worked out. */
      measured?: (cost: number) => void,
    ): GraphQLError | null {
      const cost = operationCost(schema, directivesOf(schema), document, operation, variables, options.defaultListSize);
      if (typeof cost !== "number") {
        const [first] = cost;
        return new GraphQLError(first?.message ?? "Invalid variables.", {
          nodes: first?.nodes,
          extensions: { code: ErrorCode.BAD_USER_INPUT },
        });
      }
      options.onCost?.(cost);
      measured?.(cost);
      return spend(cost, batch);
    },

    /** Spends `cost` of the batch's budget (a cache hit's, as its execution would), or the error if over it. */
    spend,
  };
}
export type CostLimit = ReturnType<typeof createCostLimit>;
