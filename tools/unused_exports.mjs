// Lists the exports of src/ that nothing uses: exported names that no other file of src/, test/, bench/
// or examples/ imports or re-exports, and that src/index.ts (the public API) does not re-export. Exits 1
// when there are any, so `npm run lint` keeps them out. An export only its own file uses is listed too:
// drop the `export` keyword (tsc's noUnusedLocals then finds the code nothing uses at all). An exported
// type or interface that another export of its file names (a parameter, a field, a return type) stays:
// callers of that export may need to name it.
//   node tools/unused_exports.mjs

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const FOLDERS = ['src', 'test', 'bench', 'examples'];

function tsFiles(folder) {
  const found = [];
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'fixtures') found.push(...tsFiles(path));
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) found.push(path);
  }
  return found;
}

const files = FOLDERS.flatMap((folder) => tsFiles(join(root, folder))).sort();

/** The .ts file a relative module specifier of `from` names ('./x.js' → x.ts), or undefined. */
function resolveModule(from, specifier) {
  if (!specifier.startsWith('.')) return undefined;
  return resolve(dirname(from), specifier).replace(/\.js$/, '.ts');
}

const hasExport = (node) => ts.getModifiers?.(node)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);

/** name → line of every export a file declares itself (not its re-exports). */
function declaredExports(source) {
  const names = new Map();
  const types = new Set();
  const line = (node) => source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
  for (const statement of source.statements) {
    if (!hasExport(statement)) continue;
    if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) {
        if (ts.isIdentifier(declaration.name)) names.set(declaration.name.text, line(statement));
      }
    } else if (statement.name !== undefined && ts.isIdentifier(statement.name)) {
      names.set(statement.name.text, line(statement));
      if (ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement)) {
        types.add(statement.name.text);
      }
    }
  }
  // the types another export's declaration names
  for (const statement of source.statements) {
    if (!hasExport(statement)) continue;
    const own = statement.name !== undefined && ts.isIdentifier(statement.name) ? statement.name.text : '';
    const visit = (node) => {
      if (ts.isIdentifier(node) && node.text !== own && types.has(node.text)) names.delete(node.text);
      ts.forEachChild(node, visit);
    };
    visit(statement);
  }
  return names;
}

/** file → names other files take from it ('*' when they take everything). */
const used = new Map();
function use(file, name) {
  if (file === undefined) return;
  if (!used.has(file)) used.set(file, new Set());
  used.get(file).add(name);
}

const declared = new Map();
for (const file of files) {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  if (file.startsWith(join(root, 'src')) && !file.endsWith('.test.ts')) {
    declared.set(file, declaredExports(source));
  }
  const visit = (node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const target = resolveModule(file, node.moduleSpecifier.text);
      const bindings = node.importClause?.namedBindings;
      if (node.importClause?.name !== undefined) use(target, 'default');
      if (bindings !== undefined && ts.isNamespaceImport(bindings)) use(target, '*');
      if (bindings !== undefined && ts.isNamedImports(bindings)) {
        for (const element of bindings.elements) use(target, (element.propertyName ?? element.name).text);
      }
    } else if (
      ts.isExportDeclaration(node) &&
      node.moduleSpecifier !== undefined &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      const target = resolveModule(file, node.moduleSpecifier.text);
      if (node.exportClause === undefined || ts.isNamespaceExport(node.exportClause)) use(target, '*');
      else
        for (const element of node.exportClause.elements)
          use(target, (element.propertyName ?? element.name).text);
    } else if (
      ts.isImportTypeNode(node) &&
      ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteral(node.argument.literal)
    ) {
      // import('./x.js').Name in a type
      const target = resolveModule(file, node.argument.literal.text);
      use(
        target,
        node.qualifier !== undefined && ts.isIdentifier(node.qualifier) ? node.qualifier.text : '*',
      );
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
}

const unused = [];
for (const [file, names] of declared) {
  const taken = used.get(file) ?? new Set();
  if (taken.has('*')) continue;
  for (const [name, line] of names) {
    if (!taken.has(name)) unused.push(`${relative(root, file)}:${line}: ${name}`);
  }
}
if (unused.length > 0) {
  console.error(
    `tools/unused_exports.mjs: ${unused.length} export(s) nothing imports (and src/index.ts does not re-export):`,
  );
  for (const entry of unused) console.error(`  ${entry}`);
  process.exit(1);
}
