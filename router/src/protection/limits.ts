import { maxAliasesRule } from "@escape.tech/graphql-armor-max-aliases";
import { maxDepthRule } from "@escape.tech/graphql-armor-max-depth";
import {
  GraphQLError,
  type GraphQLFormattedError,
  Kind,
  type SelectionNode,
  type ValidationContext,
  type ValidationRule,
} from "graphql";

export interface QueryLimits {
  depth: number;
  aliases: number;
  /** Passed to graphql-js's parser (`parseOptions.maxTokens`), which stops reading past it. */
  tokens: number;
  rootFields: number;
  /** The estimated cost an operation may have (cost.ts). */
  cost: number;
  /** The size the cost assumes for a list whose schema gives none. */
  listSize: number;
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
    /** How many fields each fragment selects at its own level, worked out once per document. */
    const fragmentFields = new Map<string, number>();
    const inProgress = new Set<string>();
    /**
     * The fields a selection set selects at its own level, through fragments. Each fragment is counted
     * once and remembered: walking every spread again made `{ ...A }`, with A spreading B eight times, B
     * spreading C eight times and so on, take 8^depth steps.
     */
    const count = (selections: readonly SelectionNode[]): number =>
      selections.reduce((total, selection) => {
        if (selection.kind === Kind.FIELD) return total + 1;
        if (selection.kind === Kind.INLINE_FRAGMENT) return total + count(selection.selectionSet.selections);
        const name = selection.name.value;
        const known = fragmentFields.get(name);
        if (known !== undefined) return total + known;
        const fragment = context.getFragment(name);
        // A cycle or an unknown fragment is reported by graphql-js's own rules.
        if (!fragment || inProgress.has(name)) return total;
        inProgress.add(name);
        const fields = count(fragment.selectionSet.selections);
        inProgress.delete(name);
        fragmentFields.set(name, fields);
        return total + fields;
      }, 0);
    return {
      OperationDefinition(operation) {
        const found = count(operation.selectionSet.selections);
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
/** Validation rules enforcing the limits, checked before any planning or execution (the cost limit, which
 * needs the variables, runs just after: cost.ts). */
export function limitValidationRules(limits: QueryLimits): ValidationRule[] {
  return [
    maxDepthRule({ ...common, n: limits.depth, onReject: [reportWith("depth")] }) as unknown as ValidationRule,
    maxAliasesRule({ ...common, n: limits.aliases, onReject: [reportWith("aliases")] }) as unknown as ValidationRule,
    maxRootFieldsRule(limits.rootFields),
  ];
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
