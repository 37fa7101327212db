import { GraphQLError, Kind, type FieldNode, type FragmentDefinitionNode, type SelectionSetNode, type ValidationContext, type ValidationRule } from 'graphql';

// Structural views of schema types. graphql's own predicates (isListType, …) are instanceof checks, which throw
// when the schema was built by another copy of the graphql module (graphql-tools under a test runner, say).
type TypeRef = { toString(): string; ofType?: TypeRef };
type FieldDef = { type: TypeRef; args: readonly { name: string }[] };
type Composite = { getFields?: () => Record<string, FieldDef> };

const isList = (type: TypeRef): boolean => String(type).replace(/!$/, '').startsWith('[');
const namedType = (type: TypeRef): TypeRef => {
  let t = type;
  while (t.ofType) t = t.ofType;
  return t;
};
const fieldsOf = (type: Composite | undefined): Record<string, FieldDef> => (typeof type?.getFields === 'function' ? type.getFields() : {});

/**
 * How many items a list field is assumed to return: its `first` argument when it has one (a literal, or a
 * variable's default of 20), else `listSize`. Lists of steps or edges are bounded by the run, not by the
 * caller, so they get the generous default.
 */
const multiplier = (field: FieldNode, definition: FieldDef | undefined, listSize: number): number => {
  if (!definition || (!isList(definition.type) && !hasConnectionShape(definition))) return 1;
  const first = field.arguments?.find((a) => a.name.value === 'first');
  if (first?.value.kind === Kind.INT) return Math.max(1, Number(first.value.value));
  if (first) return 20;
  return isList(definition.type) ? listSize : 1;
};

// A Relay connection is an object, not a list, but its `edges` are: its `first` counts at the connection.
const hasConnectionShape = (definition: FieldDef): boolean => definition.args.some((a) => a.name === 'first');

type Walk = { context: ValidationContext; fragments: ReadonlyMap<string, FragmentDefinitionNode>; listSize: number; visiting: Set<string> };

const selectionCost = (set: SelectionSetNode | undefined, parent: Composite | undefined, walk: Walk): number => {
  let cost = 0;
  for (const selection of set?.selections ?? []) {
    if (selection.kind === Kind.FIELD) {
      const name = selection.name.value;
      if (name.startsWith('__')) continue; // introspection is limited by depth, and by being switchable off
      const definition = fieldsOf(parent)[name];
      const child = definition ? (namedType(definition.type) as Composite) : undefined;
      const below = selection.selectionSet ? selectionCost(selection.selectionSet, child, walk) : 0;
      // A list under a connection's `edges` was already counted by the connection's `first`.
      const edges = name === 'edges' || name === 'nodes';
      cost += 1 + (edges ? 1 : multiplier(selection, definition, walk.listSize)) * below;
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const typed = selection.typeCondition ? (walk.context.getSchema().getType(selection.typeCondition.name.value) as Composite | undefined) : parent;
      cost += selectionCost(selection.selectionSet, typed, walk);
    } else {
      const name = selection.name.value;
      const fragment = walk.fragments.get(name);
      if (!fragment || walk.visiting.has(name)) continue; // cycles are NoFragmentCycles' to reject
      walk.visiting.add(name);
      cost += selectionCost(fragment.selectionSet, walk.context.getSchema().getType(fragment.typeCondition.name.value) as Composite | undefined, walk);
      walk.visiting.delete(name);
    }
  }
  return cost;
};

/**
 * Rejects an operation whose estimated cost exceeds `maxCost`: every field costs 1, and what is below a list
 * counts once per item it may return (`first`, or `listSize` for unpaginated lists). Depth alone does not stop
 * a shallow query that asks for 100 runs × 100 steps × every tool call; this does.
 */
export const complexityLimitRule =
  (maxCost: number, options: { listSize?: number } = {}): ValidationRule =>
  (context) => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const definition of context.getDocument().definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    const walk: Walk = { context, fragments, listSize: options.listSize ?? 50, visiting: new Set() };
    const schema = context.getSchema();
    return {
      OperationDefinition(operation) {
        const root = operation.operation === 'query' ? schema.getQueryType() : operation.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
        const cost = selectionCost(operation.selectionSet, (root ?? undefined) as Composite | undefined, walk);
        if (cost > maxCost) {
          const name = operation.name ? `'${operation.name.value}' ` : '';
          context.reportError(new GraphQLError(`operation ${name}costs ${cost}; the limit is ${maxCost} (ask for fewer items with first, or fewer fields)`, { nodes: [operation], extensions: { code: 'GRAPHQL_VALIDATION_FAILED', cost, maxCost } }));
        }
      },
    };
  };
