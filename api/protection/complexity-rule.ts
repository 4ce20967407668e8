// A validation rule bounding the estimated cost of an operation before anything runs: each field
// costs 1 plus its selection's cost times how many items it may return (page size for paginated
// fields, an estimate for plain lists), so aliases and nested pages multiply as they would at run time.
import {
  GraphQLError, getNamedType, getNullableType, isCompositeType, isListType, Kind,
  type ASTVisitor, type GraphQLCompositeType, type GraphQLField, type SelectionSetNode, type ValidationContext, type ValueNode,
} from 'graphql';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../relay.js';

/** Items assumed for a list field without `first` (e.g. a neuron's annotations). */
const LIST_ESTIMATE = 10;

export interface ComplexityOptions {
  readonly maxComplexity: number;
}

/** How many items a field may return: `first` if literal, MAX_PAGE_SIZE if a variable, else the defaults. */
function multiplier(field: GraphQLField<unknown, unknown>, args: readonly { name: { value: string }; value: ValueNode }[], parent: GraphQLCompositeType): number {
  const first = args.find((arg) => arg.name.value === 'first')?.value;
  if (first !== undefined) {
    if (first.kind === Kind.INT) return Math.max(1, Number(first.value));
    // Variables are unknown during validation: assume the largest page the resolver accepts.
    if (first.kind === Kind.VARIABLE) return MAX_PAGE_SIZE;
  }
  if (field.args.some((arg) => arg.name === 'first')) return DEFAULT_PAGE_SIZE;
  // A connection's edges/nodes were counted by the paginated field above them.
  if (parent.name.endsWith('Connection')) return 1;
  return isListType(getNullableType(field.type)) ? LIST_ESTIMATE : 1;
}

function selectionCost(context: ValidationContext, selectionSet: SelectionSetNode, parent: GraphQLCompositeType, fragmentsSeen: Set<string>): number {
  let total = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value.startsWith('__')) continue;
      const field = 'getFields' in parent ? parent.getFields()[selection.name.value] : undefined;
      // Unknown fields are reported by the specified rules; they cost 1 here.
      if (field === undefined) {
        total += 1;
        continue;
      }
      const type = getNamedType(field.type);
      const child = selection.selectionSet !== undefined && isCompositeType(type)
        ? selectionCost(context, selection.selectionSet, type, fragmentsSeen) : 0;
      total += 1 + multiplier(field, selection.arguments ?? [], parent) * child;
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const condition = selection.typeCondition === undefined ? parent : context.getSchema().getType(selection.typeCondition.name.value);
      total += selectionCost(context, selection.selectionSet, isCompositeType(condition) ? condition : parent, fragmentsSeen);
    } else {
      const name = selection.name.value;
      const fragment = context.getFragment(name);
      // Cycles are reported by NoFragmentCyclesRule; here they only stop the recursion.
      if (fragment == null || fragmentsSeen.has(name)) continue;
      const condition = context.getSchema().getType(fragment.typeCondition.name.value);
      fragmentsSeen.add(name);
      total += selectionCost(context, fragment.selectionSet, isCompositeType(condition) ? condition : parent, fragmentsSeen);
      fragmentsSeen.delete(name);
    }
  }
  return total;
}

/**
 * Rejects operations whose estimated cost exceeds `maxComplexity` with a validation error
 * (extensions: reason QUERY_TOO_COMPLEX, complexity, maxComplexity).
 */
export function complexityRule(options: ComplexityOptions): (context: ValidationContext) => ASTVisitor {
  return (context) => ({
    OperationDefinition(operation) {
      const root = context.getSchema().getRootType(operation.operation);
      if (root === undefined || root === null) return;
      const complexity = selectionCost(context, operation.selectionSet, root, new Set());
      if (complexity > options.maxComplexity) {
        context.reportError(new GraphQLError(
          `query complexity ${complexity} exceeds the limit of ${options.maxComplexity} (each field counts 1, times the page size of paginated fields and ${LIST_ESTIMATE} for lists): ask for smaller pages or fewer fields`,
          { nodes: [operation], extensions: { reason: 'QUERY_TOO_COMPLEX', complexity, maxComplexity: options.maxComplexity } },
        ));
      }
    },
  });
}
