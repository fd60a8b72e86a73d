// Summarises a V8 CPU profile written by the gateway bench (BENCH_CPU_PROF): the share of the main thread's busy
// time per package, per function (self) and per function with what it calls (inclusive), within a time window.
// Run: node services/standalone/dist/bench/cpu-profile-summary.js <file.cpuprofile> [<from s> <to s> before the
// profile's end, as the bench prints them] [<rows>]
import { readFileSync } from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const [file, from, to, rows] = process.argv.slice(2);
if (file === undefined) {
  console.error('usage: cpu-profile-summary <file.cpuprofile> [<from s> <to s> before the end] [<rows>]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const top = Number(rows ?? 40);
const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const parents = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);

const shortUrl = (url: string) => url.replace(/^file:\/\//, '').replace(/.*\/(node_modules|libs|services)\//, (_, dir: string) => (dir === 'node_modules' ? '' : `${dir}/`));
const nameOf = ({ callFrame: f }: ProfileNode) => `${f.functionName || '(anonymous)'} ${shortUrl(f.url)}:${f.lineNumber + 1}`;
const packageOf = ({ callFrame: f }: ProfileNode) => {
  if (f.url === '') return f.functionName.startsWith('(') ? f.functionName : '(native)';
  if (f.url.startsWith('node:')) return f.url;
  return /node_modules\/((@[^/]+\/)?[^/]+)/.exec(f.url)?.[1] ?? /(libs\/[^/]+\/[^/]+|services\/[^/]+)\//.exec(f.url)?.[1] ?? f.url;
};

const low = from === undefined ? -Infinity : profile.endTime - Number(from) * 1e6;
const high = to === undefined ? Infinity : profile.endTime - Number(to) * 1e6;
const self = new Map<string, number>();
const inclusive = new Map<string, number>();
const packages = new Map<string, number>();
const add = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
let time = profile.startTime;
let total = 0;
let idle = 0;
profile.samples.forEach((id, i) => {
  time += profile.timeDeltas[i] ?? 0;
  if (time < low || time > high) return;
  const node = nodes.get(id)!;
  total += 1;
  if (node.callFrame.functionName === '(idle)') {
    idle += 1;
    return;
  }
  add(self, nameOf(node));
  add(packages, packageOf(node));
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parents.get(at)) {
    const name = nameOf(nodes.get(at)!);
    if (!seen.has(name)) add(inclusive, name);
    seen.add(name);
  }
});

const busy = total - idle;
console.log(`${total} samples, ${idle} idle, ${busy} busy (${((100 * busy) / Math.max(total, 1)).toFixed(1)}%); shares below are of busy`);
const show = (title: string, map: Map<string, number>, count: number) => {
  console.log(`\n${title}`);
  for (const [key, n] of [...map].sort((a, b) => b[1] - a[1]).slice(0, count)) console.log(`${((100 * n) / busy).toFixed(1).padStart(5)}%  ${key}`);
};
show('self, by package', packages, 25);
show('self, by function', self, top);
show('inclusive, by function', inclusive, top);
