// Reads the source tree as a maintainer would and reports its shape: which top-level folder of
// src/ imports which (runtime imports; `import type` does not couple at run time), the longest
// functions, and the files over a line limit. `node --import tsx scripts/architecture.ts` prints
// the report; test/architecture/ asserts the rules on the same data.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Every `.ts` file below `dir` (absolute paths, sorted). */
export function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out.sort();
}

function parse(file: string): ts.SourceFile {
  return ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
}

/** The top-level folder of src/ a file belongs to (`engine` for src/engine/build/x.ts). */
export function areaOf(file: string, src = join(ROOT, 'src')): string {
  return relative(src, file).split(sep)[0] ?? '';
}

/** Runtime imports between the top-level folders of src/: `from` → the set of folders it imports. */
export function importGraph(src = join(ROOT, 'src')): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of sourceFiles(src)) {
    const from = areaOf(file, src);
    const edges = graph.get(from) ?? new Set<string>();
    graph.set(from, edges);
    for (const stmt of parse(file).statements) {
      if (!ts.isImportDeclaration(stmt) && !ts.isExportDeclaration(stmt)) continue;
      if (ts.isImportDeclaration(stmt) && stmt.importClause?.isTypeOnly) continue;
      if (ts.isExportDeclaration(stmt) && stmt.isTypeOnly) continue;
      if (ts.isImportDeclaration(stmt) && allTypeOnly(stmt)) continue;
      const spec = stmt.moduleSpecifier;
      if (!spec || !ts.isStringLiteral(spec) || !spec.text.startsWith('.')) continue;
      const target = resolve(dirname(file), spec.text);
      if (!target.startsWith(src + sep)) continue;
      const to = areaOf(target, src);
      if (to !== from) edges.add(to);
    }
  }
  return graph;
}

function allTypeOnly(stmt: ts.ImportDeclaration): boolean {
  const bindings = stmt.importClause?.namedBindings;
  if (!stmt.importClause || stmt.importClause.name || !bindings || !ts.isNamedImports(bindings)) return false;
  return bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly);
}

export interface FunctionLength {
  file: string;
  name: string;
  line: number;
  lines: number;
}

/** Every function, method and arrow function below `dir` with its length in lines, longest first. */
export function functionLengths(dir: string): FunctionLength[] {
  const out: FunctionLength[] = [];
  for (const file of sourceFiles(dir)) {
    const sf = parse(file);
    const visit = (node: ts.Node): void => {
      if (ts.isFunctionLike(node) && 'body' in node && node.body) {
        const start = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
        const end = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
        out.push({ file: relative(ROOT, file), name: nameOf(node), line: start + 1, lines: end - start + 1 });
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return out.sort((a, b) => b.lines - a.lines);
}

function nameOf(node: ts.SignatureDeclaration): string {
  if (node.name && ts.isIdentifier(node.name)) return node.name.text;
  const parent = node.parent;
  if (parent && ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  if (parent && ts.isPropertyAssignment(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  return '(anonymous)';
}

/** Files below the given folders longer than `limit` lines. */
export function longFiles(dirs: string[], limit: number): { file: string; lines: number }[] {
  return dirs
    .flatMap((d) => sourceFiles(d))
    .map((file) => ({ file: relative(ROOT, file), lines: readFileSync(file, 'utf8').split('\n').length - 1 }))
    .filter((f) => f.lines > limit);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const graph = importGraph();
  console.log('Runtime imports between the folders of src/ (folder → folders it imports):');
  for (const [from, to] of [...graph].sort(([a], [b]) => a.localeCompare(b))) {
    console.log(`  ${from.padEnd(8)} → ${[...to].sort().join(', ') || '(none)'}`);
  }
  console.log('\nLongest functions in src/engine:');
  for (const f of functionLengths(join(ROOT, 'src', 'engine')).slice(0, 5)) console.log(`  ${f.lines} lines  ${f.file}:${f.line} ${f.name}`);
  console.log('\nLongest functions in src:');
  for (const f of functionLengths(join(ROOT, 'src')).slice(0, 5)) console.log(`  ${f.lines} lines  ${f.file}:${f.line} ${f.name}`);
  const long = longFiles(['src', 'test', 'bench', 'scripts'].map((d) => join(ROOT, d)), 400);
  console.log(`\nFiles over 400 lines: ${long.length === 0 ? 'none' : ''}`);
  for (const f of long) console.log(`  ${f.lines}  ${f.file}`);
}
