import type { SyntaxNode as Node } from './syntax.js';

/**
 * Which syntax nodes are definitions (functions, classes, methods, types…) across the
 * supported grammars, and what they are called. One table for all languages: node type
 * names rarely collide in meaning, and a missing entry only costs a symbol, never a line.
 */
const DEFINITION_TYPES: ReadonlySet<string> = new Set([
  // functions and methods
  'function_declaration', 'generator_function_declaration', 'function_definition', 'function_item',
  'method_declaration', 'method_definition', 'method', 'singleton_method', 'constructor_declaration',
  'function_signature_item', 'abstract_method_signature',
  // classes, types, modules
  'class_declaration', 'abstract_class_declaration', 'class_definition', 'class_specifier', 'struct_specifier',
  'union_specifier', 'enum_specifier', 'class', 'module', 'interface_declaration', 'enum_declaration',
  'record_declaration', 'struct_declaration', 'type_alias_declaration', 'struct_item', 'enum_item', 'union_item',
  'trait_item', 'impl_item', 'mod_item', 'namespace_definition', 'namespace_declaration', 'internal_module',
  'type_declaration', 'trait_declaration', 'annotation_type_declaration', 'template_declaration',
]);

/** Values that make `const name = …` a definition. */
const FUNCTION_VALUES: ReadonlySet<string> = new Set([
  'arrow_function', 'function', 'function_expression', 'generator_function', 'class', 'class_expression',
]);

/** Nodes that wrap a definition without adding a scope of their own. */
const WRAPPERS: Readonly<Record<string, string>> = {
  export_statement: 'declaration',
  decorated_definition: 'definition',
};

const MAX_NAME_LENGTH = 200;

/** The definition's name, or null when the node is not a definition. */
export function definitionName(node: Node): string | null {
  const name = rawName(node);
  if (name === null) return null;
  const oneLine = name.replace(/\s+/g, ' ');
  return oneLine.length > MAX_NAME_LENGTH ? oneLine.slice(0, MAX_NAME_LENGTH) : oneLine;
}

/** True for a wrapper (export, decorator) whose inner definition adds the scope instead. */
export function isWrapper(node: Node): boolean {
  return node.type in WRAPPERS;
}

function rawName(node: Node): string | null {
  const wrapped = WRAPPERS[node.type];
  if (wrapped) {
    const inner = node.childForFieldName(wrapped);
    return inner ? rawName(inner) : null;
  }
  switch (node.type) {
    case 'lexical_declaration':
    case 'variable_declaration':
      for (const d of node.namedChildren) {
        if (d?.type !== 'variable_declarator') continue;
        const value = d.childForFieldName('value');
        if (value && FUNCTION_VALUES.has(value.type)) return d.childForFieldName('name')?.text ?? null;
      }
      return null;
    case 'expression_statement': {
      // JS/TS: `proto.param = function param(…) {…}`, `Foo.prototype.bar = () => …`,
      // `module.exports.parse = function (…)`: a function given a name by assignment.
      const assignment = node.namedChildren[0];
      if (assignment?.type !== 'assignment_expression') return null;
      const value = assignment.childForFieldName('right');
      return value && FUNCTION_VALUES.has(value.type) ? (assignment.childForFieldName('left')?.text ?? null) : null;
    }
    case 'field_definition': // JS class field: `handleClick = () => {…}`
    case 'public_field_definition': { // TS
      const value = node.childForFieldName('value');
      if (!value || !FUNCTION_VALUES.has(value.type)) return null;
      return (node.childForFieldName('name') ?? node.childForFieldName('property'))?.text ?? null;
    }
    case 'impl_item':
      return node.childForFieldName('type')?.text ?? null;
    case 'type_declaration': // Go: type X struct {…}
      for (const spec of node.namedChildren) {
        const name = spec?.childForFieldName('name');
        if (name) return name.text;
      }
      return null;
    case 'template_declaration': // C++: the templated class or function
      for (const inner of node.namedChildren) {
        const name = inner && DEFINITION_TYPES.has(inner.type) ? rawName(inner) : null;
        if (name) return name;
      }
      return null;
  }
  if (!DEFINITION_TYPES.has(node.type)) return null;
  return node.childForFieldName('name')?.text ?? declaratorName(node);
}

/** C and C++ name a function through nested declarators: `int *(*f)(void)` → f. */
function declaratorName(node: Node): string | null {
  let d = node.childForFieldName('declarator');
  while (d) {
    const inner = d.childForFieldName('declarator');
    if (!inner) break;
    d = inner;
  }
  return d?.text ?? null;
}
