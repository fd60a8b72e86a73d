import { text } from '@roamgate/runtime/cli';

/** Plain-text rendering for the human (non --json) output of the CLI commands; `table` and `text` are in @roamgate/runtime/cli. */

export function fields(entries: readonly (readonly [string, unknown])[]): string {
  const width = Math.max(...entries.map(([name]) => name.length));
  return entries.map(([name, value]) => `${`${name}:`.padEnd(width + 1)} ${text(value)}`).join('\n');
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
