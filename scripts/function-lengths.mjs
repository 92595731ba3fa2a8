// Lists the longest functions (declarations, methods, arrows, function expressions) of the
// TypeScript files under the given folders, by lines from their first to their last line:
// `node scripts/function-lengths.mjs src/engine [--top 10] [--max 60]` (exit 1 when one is longer than --max).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  if (i < 0) return dflt;
  const v = Number(args[i + 1]);
  args.splice(i, 2);
  return v;
};
const top = opt('--top', 10);
const max = opt('--max', Number.POSITIVE_INFINITY);
const files = (dir) => readdirSync(dir).flatMap((e) => {
  const p = join(dir, e);
  return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
});

const found = [];
for (const file of args.flatMap(files)) {
  const src = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const visit = (node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const first = src.getLineAndCharacterOfPosition(node.getStart(src)).line;
      const last = src.getLineAndCharacterOfPosition(node.end).line;
      const name = node.name?.getText(src) ?? (ts.isVariableDeclaration(node.parent) ? node.parent.name.getText(src) : ts.isPropertyAssignment(node.parent) ? node.parent.name.getText(src) : '(anonymous)');
      found.push({ lines: last - first + 1, where: `${file}:${first + 1}`, name });
    }
    ts.forEachChild(node, visit);
  };
  visit(src);
}
found.sort((a, b) => b.lines - a.lines);
for (const f of found.slice(0, top)) console.log(`${String(f.lines).padStart(4)}  ${f.name}  ${f.where}`);
const over = found.filter((f) => f.lines > max);
if (over.length > 0) {
  console.error(`${over.length} function(s) longer than ${max} lines`);
  process.exit(1);
}
