/**
 * Parse a Python literal as `str(dict)` prints it — `{'loss': 1.2, 'lr': 2e-05, 'x': None}` —
 * which is how the HF Trainer (and axolotl, TRL on top of it) print their log dicts. Only the
 * literal forms those logs use: dicts, lists, tuples, strings, numbers, True/False/None,
 * nan/inf. Returns undefined when the text is not such a literal.
 */
export function parsePythonLiteral(text: string): unknown {
  const p = new LiteralParser(text);
  try {
    const value = p.value();
    p.skipSpace();
    return p.atEnd() ? value : undefined;
  } catch {
    return undefined;
  }
}

class LiteralParser {
  private i = 0;
  constructor(private readonly s: string) {}

  atEnd(): boolean {
    return this.i >= this.s.length;
  }

  skipSpace(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i])) this.i++;
  }

  value(): unknown {
    this.skipSpace();
    const c = this.s[this.i];
    if (c === '{') return this.dict();
    if (c === '[' || c === '(') return this.list(c === '[' ? ']' : ')');
    if (c === "'" || c === '"') return this.string();
    return this.atom();
  }

  private expect(ch: string): void {
    this.skipSpace();
    if (this.s[this.i] !== ch) throw new Error(`expected ${ch}`);
    this.i++;
  }

  private dict(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.expect('{');
    this.skipSpace();
    while (this.s[this.i] !== '}') {
      const key = this.value();
      this.expect(':');
      out[String(key)] = this.value();
      this.skipSpace();
      if (this.s[this.i] === ',') this.i++;
      else if (this.s[this.i] !== '}') throw new Error('expected , or }');
      this.skipSpace();
    }
    this.i++;
    return out;
  }

  private list(close: string): unknown[] {
    const out: unknown[] = [];
    this.i++;
    this.skipSpace();
    while (this.s[this.i] !== close) {
      out.push(this.value());
      this.skipSpace();
      if (this.s[this.i] === ',') this.i++;
      else if (this.s[this.i] !== close) throw new Error(`expected , or ${close}`);
      this.skipSpace();
    }
    this.i++;
    return out;
  }

  private string(): string {
    const quote = this.s[this.i++];
    let out = '';
    while (this.i < this.s.length && this.s[this.i] !== quote) {
      if (this.s[this.i] === '\\') {
        const next = this.s[++this.i];
        out += next === 'n' ? '\n' : next === 't' ? '\t' : next;
      } else {
        out += this.s[this.i];
      }
      this.i++;
    }
    if (this.atEnd()) throw new Error('unterminated string');
    this.i++;
    return out;
  }

  private atom(): unknown {
    const rest = this.s.slice(this.i);
    const number = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?/.exec(rest);
    if (number) {
      this.i += number[0].length;
      return Number(number[0]);
    }
    const word = /^[-+]?[A-Za-z_]+/.exec(rest)?.[0];
    if (!word) throw new Error('unexpected character');
    this.i += word.length;
    if (word === 'True') return true;
    if (word === 'False') return false;
    if (word === 'None') return null;
    if (/^[-+]?nan$/i.test(word)) return NaN;
    if (/^[-+]?inf$/i.test(word)) return word.startsWith('-') ? -Infinity : Infinity;
    throw new Error(`not a literal: ${word}`);
  }
}
