/** A parsed JSON value, or why its text could not be read, with the 1-based line it starts on. */
export type JsonItem = { readonly line: number; readonly value: unknown } | { readonly line: number; readonly error: string; readonly raw: string };

const cut = (text: string) => (text.length > 200 ? `${text.slice(0, 200)}…` : text);

function parseItem(text: string, line: number): JsonItem {
  try {
    return { line, value: JSON.parse(text) };
  } catch (error) {
    return { line, error: `not JSON: ${(error as Error).message}`, raw: cut(text.trim()) };
  }
}

/** JSON Lines: one value per line; blank lines are skipped. */
export class JsonLinesSplitter {
  private buffer = '';
  private line = 1;

  push(chunk: string): JsonItem[] {
    this.buffer = this.buffer.length ? this.buffer + chunk : chunk;
    return this.drain(false);
  }

  end(): JsonItem[] {
    return this.drain(true);
  }

  private drain(final: boolean): JsonItem[] {
    const items: JsonItem[] = [];
    const text = this.buffer;
    let pos = 0;
    while (pos < text.length) {
      let nl = text.indexOf('\n', pos);
      if (nl < 0) {
        if (!final) break;
        nl = text.length;
      }
      const body = text.slice(pos, nl);
      if (body.trim().length) items.push(parseItem(body, this.line));
      this.line++;
      pos = nl + 1;
    }
    this.buffer = pos >= text.length ? '' : text.slice(pos);
    return items;
  }
}

const enum State {
  BeforeArray,
  BeforeElement,
  InElement,
  AfterElement,
  Done,
  Failed,
  /** In a wrapper object, before a member's key (or between members). */
  BeforeKey,
  InKey,
  BeforeColon,
  BeforeValue,
  /** Skipping a member's value that does not lead to the records. */
  SkipValue,
}

/**
 * The elements of one JSON array of records, each parsed on its own as soon as its text is
 * complete, so a file of any length is read in bounded memory. A broken element becomes an error
 * item. The array is the top-level value, or sits in a wrapper object: at `recordsPath` (dotted
 * member names, `records` or `data.cdrs`) when given, else it is the first member of the top-level
 * object whose value is an array (`{ "records": [...] }`, `{ "data": [...] }`); other members are
 * skipped as they stream by. Anything else at the top level is one error item.
 */
export class JsonArraySplitter {
  private buffer = '';
  private state = State.BeforeArray;
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** Wrapper navigation: the path still to walk, the key being read, the value being skipped. */
  private readonly path: readonly string[] | undefined;
  private level = 0;
  private key = '';
  private keyEscaped = false;
  private skipDepth = 0;
  private skipScalar = false;
  private seenKeys: string[] = [];

  constructor(recordsPath?: string) {
    this.path = recordsPath === undefined || recordsPath === '' ? undefined : recordsPath.split('.');
  }

  private get wanted(): string {
    return this.path === undefined ? 'a JSON array of records, or an object with one' : `an object with the array of records at "${this.path.join('.')}"`;
  }
  /** Position in buffer where the scan resumes, the start of the current element, its line. */
  private scan = 0;
  private elementStart = 0;
  private elementLine = 1;
  private line = 1;

  push(chunk: string): JsonItem[] {
    if (this.state === State.BeforeArray && this.buffer.length === 0 && chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
    this.buffer += chunk;
    const items = this.drain();
    this.compact();
    return items;
  }

  end(): JsonItem[] {
    const items = this.drain();
    if (this.state === State.BeforeArray) items.push({ line: this.line, error: `empty file: expected ${this.wanted}`, raw: '' });
    else if (this.state >= State.BeforeKey) items.push({ line: this.line, error: `the file ends before the array of records${this.path ? ` at "${this.path.join('.')}"` : ''}`, raw: '' });
    else if (this.state === State.InElement || this.state === State.BeforeElement || this.state === State.AfterElement) {
      const raw = this.buffer.slice(this.elementStart);
      items.push({ line: this.elementLine, error: 'the file ends inside the array: missing "]" or a truncated record', raw: cut(raw.trim()) });
    }
    this.state = State.Done;
    this.buffer = '';
    return items;
  }

  private compact(): void {
    const keep = this.state === State.InElement ? this.elementStart : this.scan;
    if (keep > 0) {
      this.buffer = this.buffer.slice(keep);
      this.scan -= keep;
      this.elementStart -= keep;
    }
  }

  private drain(): JsonItem[] {
    const items: JsonItem[] = [];
    const text = this.buffer;
    const n = text.length;
    let i = this.scan;
    while (i < n && this.state !== State.Done && this.state !== State.Failed) {
      const c = text.charCodeAt(i);
      if (this.state === State.InElement) {
        if (this.inString) {
          if (this.escaped) this.escaped = false;
          else if (c === 92) this.escaped = true;
          else if (c === 34) this.inString = false;
          else if (c === 10) this.line++;
          i++;
          continue;
        }
        if (c === 34) this.inString = true;
        else if (c === 123 || c === 91) this.depth++;
        else if (c === 125 || c === 93) {
          if (this.depth === 0) {
            items.push(parseItem(text.slice(this.elementStart, i), this.elementLine));
            this.state = State.AfterElement;
            continue;
          }
          this.depth--;
        } else if (c === 44 && this.depth === 0) {
          items.push(parseItem(text.slice(this.elementStart, i), this.elementLine));
          this.state = State.AfterElement;
          continue;
        } else if (c === 10) this.line++;
        i++;
        continue;
      }
      if (this.state === State.InKey) {
        if (this.keyEscaped) this.keyEscaped = false;
        else if (c === 92) this.keyEscaped = true;
        else if (c === 34) {
          this.state = State.BeforeColon;
          i++;
          continue;
        }
        this.key += text[i];
        i++;
        continue;
      }
      if (this.state === State.SkipValue) {
        i = this.skip(text, i);
        continue;
      }
      if (c === 10) {
        this.line++;
        i++;
        continue;
      }
      if (c === 32 || c === 9 || c === 13) {
        i++;
        continue;
      }
      switch (this.state) {
        case State.BeforeArray:
          if (c === 91 && this.path === undefined) this.state = State.BeforeElement;
          else if (c === 123) this.state = State.BeforeKey;
          else {
            items.push({ line: this.line, error: `expected ${this.wanted} at the top level`, raw: cut(text.slice(i, i + 200)) });
            this.state = State.Failed;
          }
          i++;
          break;
        case State.BeforeKey:
          if (c === 44) i++;
          else if (c === 34) {
            this.state = State.InKey;
            this.key = '';
            i++;
          } else {
            const where = this.path === undefined ? 'no member of the top-level object is an array of records' : `no member "${this.path[this.level]}" at ${this.path.slice(0, this.level).join('.') || 'the top level'}`;
            items.push({ line: this.line, error: `${where}${this.seenKeys.length ? ` (members: ${this.seenKeys.slice(0, 20).join(', ')})` : ''}; set mapping.recordsPath`, raw: cut(text.slice(i, i + 200)) });
            this.state = State.Failed;
          }
          break;
        case State.BeforeColon:
          if (c !== 58) {
            items.push({ line: this.line, error: `expected ":" after the member name ${JSON.stringify(this.key)}`, raw: cut(text.slice(i, i + 200)) });
            this.state = State.Failed;
          } else this.state = State.BeforeValue;
          i++;
          break;
        case State.BeforeValue: {
          let key = this.key;
          try {
            key = JSON.parse(`"${this.key}"`) as string;
          } catch {
            // keep the raw text
          }
          const last = this.path === undefined || this.level === this.path.length - 1;
          const follows = this.path === undefined ? c === 91 : key === this.path[this.level];
          if (follows && last && c === 91) {
            this.state = State.BeforeElement;
            i++;
          } else if (follows && !last && c === 123) {
            this.level++;
            this.seenKeys = [];
            this.state = State.BeforeKey;
            i++;
          } else if (follows) {
            items.push({ line: this.line, error: `"${this.path!.slice(0, this.level + 1).join('.')}" is not ${last ? 'an array' : 'an object'}`, raw: cut(text.slice(i, i + 200)) });
            this.state = State.Failed;
          } else {
            this.seenKeys.push(key);
            this.state = State.SkipValue;
            this.skipDepth = 0;
            this.skipScalar = c !== 123 && c !== 91 && c !== 34;
            this.inString = false;
            this.escaped = false;
          }
          break;
        }
        case State.BeforeElement:
          if (c === 93) this.state = State.Done;
          else {
            this.state = State.InElement;
            this.elementStart = i;
            this.elementLine = this.line;
            this.depth = 0;
            continue;
          }
          i++;
          break;
        case State.AfterElement:
          if (c === 44) this.state = State.BeforeElement;
          else if (c === 93) this.state = State.Done;
          else {
            items.push({ line: this.line, error: `expected "," or "]" between records, found ${JSON.stringify(text[i])}`, raw: cut(text.slice(i, i + 200)) });
            this.state = State.Failed;
          }
          i++;
          break;
        default:
          i++;
      }
    }
    this.scan = i;
    return items;
  }

  /** One step through a skipped member value; when it ends, the next member's key is due. */
  private skip(text: string, i: number): number {
    const c = text.charCodeAt(i);
    if (this.inString) {
      if (this.escaped) this.escaped = false;
      else if (c === 92) this.escaped = true;
      else if (c === 34) {
        this.inString = false;
        if (this.skipDepth === 0) this.state = State.BeforeKey;
      }
      return i + 1;
    }
    if (c === 10) this.line++;
    if (this.skipScalar) {
      if (c === 44 || c === 125) {
        this.state = State.BeforeKey;
        return c === 44 ? i + 1 : i;
      }
      return i + 1;
    }
    if (c === 34) this.inString = true;
    else if (c === 123 || c === 91) this.skipDepth++;
    else if (c === 125 || c === 93) {
      this.skipDepth--;
      if (this.skipDepth === 0) this.state = State.BeforeKey;
    }
    return i + 1;
  }
}
