import { costLimitRule } from "@escape.tech/graphql-armor-cost-limit";
import { maxAliasesRule } from "@escape.tech/graphql-armor-max-aliases";
import { maxDepthRule } from "@escape.tech/graphql-armor-max-depth";
import {
  astFromValue,
  type DocumentNode,
  GraphQLError,
  type GraphQLFormattedError,
  type GraphQLSchema,
  isInputType,
  Kind,
  type OperationDefinitionNode,
  type SelectionNode,
  typeFromAST,
  type ValidationContext,
  type ValidationRule,
  type ValueNode,
  validate,
  visit,
} from "graphql";

export interface QueryLimits {
  depth: number;
  aliases: number;
  /** Passed to graphql-js's parser (`parseOptions.maxTokens`), which stops reading past it. */
  tokens: number;
  rootFields: number;
  cost: number;
}

export const LimitCode = {
  depth: "DEPTH_LIMIT_EXCEEDED",
  aliases: "ALIAS_LIMIT_EXCEEDED",
  tokens: "TOKEN_LIMIT_EXCEEDED",
  rootFields: "ROOT_FIELD_LIMIT_EXCEEDED",
  cost: "COST_LIMIT_EXCEEDED",
} as const;

// Apollo Server reports every validation error as GRAPHQL_VALIDATION_FAILED, replacing any code a rule
// set. The rules below put theirs in `extensions.limit`, and `limitErrorCode` (in formatError) restores
// it as the code, so clients can tell which limit they hit. The HTTP status stays 400.
const reportWith = (limit: keyof typeof LimitCode) => (context: ValidationContext | null, error: GraphQLError) =>
  context?.reportError(
    new GraphQLError(error.message.replace(/^Syntax Error: /, ""), { extensions: { limit: LimitCode[limit] } }),
  );

/**
 * Hand-written because GraphQL Armor has no limit on root fields: a query can otherwise fan out to every
 * subgraph at once through many top-level fields (each alias counts, and so does each field a fragment
 * spreads at the top level: `{ ...F }` is no way around it).
 */
function maxRootFieldsRule(limit: number): ValidationRule {
  return (context) => {
    /** The fields a selection set selects at its own level, through fragments (each fragment once). */
    const count = (selections: readonly SelectionNode[], seen: Set<string>): number =>
      selections.reduce((total, selection) => {
        if (selection.kind === Kind.FIELD) return total + 1;
        if (selection.kind === Kind.INLINE_FRAGMENT) return total + count(selection.selectionSet.selections, seen);
        const name = selection.name.value;
        const fragment = context.getFragment(name);
        // A cycle or an unknown fragment is reported by graphql-js's own rules.
        if (!fragment || seen.has(name)) return total;
        return total + count(fragment.selectionSet.selections, new Set([...seen, name]));
      }, 0);
    return {
      OperationDefinition(operation) {
        const found = count(operation.selectionSet.selections, new Set());
        if (found > limit) {
          context.reportError(
            new GraphQLError(`Root field limit of ${limit} exceeded, found ${found}.`, {
              extensions: { limit: LimitCode.rootFields },
            }),
          );
        }
      },
    };
  };
}

const common = { propagateOnRejection: false, exposeLimits: true } as const;
const costRule = (limits: QueryLimits) =>
  costLimitRule({ ...common, maxCost: limits.cost, onReject: [reportWith("cost")] }) as unknown as ValidationRule;

/** Validation rules enforcing the limits, checked before any planning or execution. */
export function limitValidationRules(limits: QueryLimits): ValidationRule[] {
  return [
    maxDepthRule({ ...common, n: limits.depth, onReject: [reportWith("depth")] }) as unknown as ValidationRule,
    maxAliasesRule({ ...common, n: limits.aliases, onReject: [reportWith("aliases")] }) as unknown as ValidationRule,
    costRule(limits),
    maxRootFieldsRule(limits.rootFields),
  ];
}

/**
 * The cost limit again, with the operation's variables in place: GraphQL Armor's rule multiplies by
 * `first`/`last` only when they are written in the document, so `products(first: $n)` cost one item at
 * validation, whatever `$n` was. The error to answer with, or null when within the limit (or when there
 * are no variables, which validation already covered).
 */
export function variableCostError(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode | null | undefined,
  variables: Readonly<Record<string, unknown>> | null | undefined,
  limits: QueryLimits,
): GraphQLError | null {
  if (!operation?.variableDefinitions?.length) return null;
  const values = new Map<string, ValueNode>();
  for (const definition of operation.variableDefinitions) {
    const name = definition.variable.name.value;
    const type = typeFromAST(schema, definition.type);
    let value: ValueNode | null | undefined = definition.defaultValue;
    try {
      if (variables?.[name] !== undefined && type && isInputType(type)) value = astFromValue(variables[name], type);
    } catch {
      // A value its type cannot print: left a variable, as validation saw it.
    }
    if (value) values.set(name, value);
  }
  const inlined = visit(document, {
    // Definitions keep their variables; only uses take the values.
    VariableDefinition: () => false,
    Variable: (node) => values.get(node.name.value),
  });
  const [error] = validate(schema, inlined, [costRule(limits)]);
  return error ? new GraphQLError(error.message, { extensions: { code: LimitCode.cost } }) : null;
}

// graphql-js words it "more that N tokens" (sic); match either spelling.
const TOKEN_LIMIT = /Document contains more tha[nt] \d+ tokens/;

/** The code a limit violation should carry, or undefined for any other error. */
export function limitErrorCode(formatted: GraphQLFormattedError): string | undefined {
  const limit = formatted.extensions?.limit;
  if (typeof limit === "string") return limit;
  if (formatted.extensions?.code === "GRAPHQL_PARSE_FAILED" && TOKEN_LIMIT.test(formatted.message))
    return LimitCode.tokens;
  return undefined;
}
