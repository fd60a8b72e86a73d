/** Plain-text rendering for the human (non --json) output of the CLI commands. */

export function table(rows: readonly (readonly string[])[], header: readonly string[]): string {
  const all = [header, ...rows];
  const widths = header.map((_, column) => Math.max(...all.map((row) => (row[column] ?? '').length)));
  return all.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ').trimEnd()).join('\n');
}

export function fields(entries: readonly (readonly [string, unknown])[]): string {
  const width = Math.max(...entries.map(([name]) => name.length));
  return entries.map(([name, value]) => `${`${name}:`.padEnd(width + 1)} ${text(value)}`).join('\n');
}

export function text(value: unknown): string {
  if (value === null || value === undefined || value === '') return '-';
  if (Array.isArray(value)) return value.length === 0 ? '-' : value.map(text).join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export function abbreviate(value: string, max: number): string {
  const flat = value.replace(/\s+/g, ' ');
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

export function pageFooter(page: { readonly items: readonly unknown[]; readonly total: number; readonly offset: number }): string {
  if (page.total === 0) return '(none)';
  const first = page.items.length === 0 ? page.offset : page.offset + 1;
  return `${first}-${page.offset + page.items.length} of ${page.total}`;
}
