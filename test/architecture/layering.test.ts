import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { importGraph, ROOT } from '../../scripts/architecture.js';

// Which top-level folders of src/ each folder may import at run time. The domain knows no HTTP,
// SQL, engine or app; the API reaches builds only through the app; the engine sees the domain's
// ports, never the store or the app; only main (the composition root) and the CLI wire concrete parts.
const ALLOWED: Record<string, string[]> = {
  domain: [],
  store: ['domain'],
  blobs: [],
  oss: [],
  worker: ['domain'],
  engine: ['domain', 'blobs', 'oss'],
  app: ['domain', 'config'],
  auth: ['domain', 'app'],
  api: ['domain', 'app'],
  // The OCI distribution client speaks HTTP to registries; it reads Kiln's blobs, nothing else.
  distribution: ['blobs'],
  // Metrics and logs (prom-client): the domain's telemetry port and records, nothing else.
  observability: ['domain'],
};

test('each folder of src/ imports only the folders its layer allows', () => {
  const graph = importGraph(join(ROOT, 'src'));
  const violations: string[] = [];
  for (const [from, allowed] of Object.entries(ALLOWED)) {
    for (const to of graph.get(from) ?? []) {
      if (!allowed.includes(to)) violations.push(`${from} → ${to}`);
    }
  }
  assert.deepEqual(violations, []);
});

test('the import graph check sees real edges (it would catch a violation)', () => {
  const graph = importGraph(join(ROOT, 'src'));
  assert.ok(graph.get('api')?.has('app'), 'api imports app');
  assert.ok(graph.get('engine')?.has('domain'), 'engine imports domain');
  assert.ok(graph.get('main')?.has('engine'), 'main wires the engine');
});
