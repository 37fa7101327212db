import { GraphQLError, Kind, type FragmentDefinitionNode, type SelectionSetNode, type ValidationRule } from 'graphql';

type Fragments = ReadonlyMap<string, FragmentDefinitionNode>;

// `ofType` only unwraps a NON_NULL or LIST wrapper: one object per level, no fan-out. Counting it would put
// the standard introspection query (TypeRef nests it 7 deep) over any sensible limit, so inside introspection
// it is free; everything that can fan out (`types`, `fields`, `type`, …) still counts.
const FREE_IN_INTROSPECTION: ReadonlySet<string> = new Set(['ofType']);
const INTROSPECTION_ROOTS: ReadonlySet<string> = new Set(['__schema', '__type']);

type Walk = { fragments: Fragments; memo: Map<string, number>; visiting: Set<string>; introspection: boolean };

const selectionDepth = (set: SelectionSetNode | undefined, walk: Walk): number => {
  let deepest = 0;
  for (const selection of set?.selections ?? []) {
    switch (selection.kind) {
      case Kind.FIELD: {
        const name = selection.name.value;
        const inner = { ...walk, introspection: walk.introspection || INTROSPECTION_ROOTS.has(name) };
        const own = walk.introspection && FREE_IN_INTROSPECTION.has(name) ? 0 : 1;
        deepest = Math.max(deepest, own + selectionDepth(selection.selectionSet, inner));
        break;
      }
      case Kind.INLINE_FRAGMENT:
        deepest = Math.max(deepest, selectionDepth(selection.selectionSet, walk));
        break;
      case Kind.FRAGMENT_SPREAD:
        deepest = Math.max(deepest, fragmentDepth(selection.name.value, walk));
        break;
    }
  }
  return deepest;
};

// Memoized per fragment (and context), so a document that spreads fragments many times costs linear time;
// a fragment cycle counts as 0 here and is rejected by graphql's own NoFragmentCycles rule.
const fragmentDepth = (name: string, walk: Walk): number => {
  const key = `${walk.introspection ? 'i' : 'q'}:${name}`;
  const known = walk.memo.get(key);
  if (known !== undefined) return known;
  if (walk.visiting.has(key)) return 0;
  walk.visiting.add(key);
  const depth = selectionDepth(walk.fragments.get(name)?.selectionSet, walk);
  walk.visiting.delete(key);
  walk.memo.set(key, depth);
  return depth;
};

/** Rejects an operation whose fields nest deeper than `maxDepth` (root fields are depth 1). */
export const depthLimitRule =
  (maxDepth: number): ValidationRule =>
  (context) => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const definition of context.getDocument().definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    }
    const walk: Walk = { fragments, memo: new Map(), visiting: new Set(), introspection: false };
    return {
      OperationDefinition(operation) {
        const depth = selectionDepth(operation.selectionSet, walk);
        if (depth > maxDepth) {
          const name = operation.name ? `'${operation.name.value}' ` : '';
          context.reportError(new GraphQLError(`operation ${name}is ${depth} levels deep; the limit is ${maxDepth}`, { nodes: [operation] }));
        }
      },
    };
  };
