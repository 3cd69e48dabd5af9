// The tables the CLI prints: box-drawing borders, a space either side of each cell, a rule under
// the heading only, and chosen columns wrapped at a width. A table package did this before; its
// loading and first use were about a tenth of a short command's run, for a few lines of code.
import stringWidth from 'string-width';

// How many terminal columns text takes: its length when it is plain ASCII (nearly always), else
// as string-width measures wide characters, emoji and combining marks.
const PLAIN = /^[\x20-\x7e]*$/;
const width = (s: string) => (PLAIN.test(s) ? s.length : stringWidth(s));

// The longest start of `word` that fits in `max` columns (at least one character).
function fitting(word: string, max: number): string {
  let out = '';
  for (const ch of word) {
    if (out && width(out + ch) > max) break;
    out += ch;
  }
  return out;
}

// `text` as lines at most `max` columns wide: broken at spaces, a word longer than a line cut.
export function wrap(text: string, max: number): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (let word of paragraph.split(/ +/)) {
      while (width(word) > max) {
        if (line) lines.push(line);
        line = '';
        const head = fitting(word, max);
        lines.push(head);
        word = word.slice(head.length);
      }
      if (!line) line = word;
      else if (width(line) + 1 + width(word) <= max) line += ' ' + word;
      else {
        lines.push(line);
        line = word;
      }
    }
    lines.push(line);
  }
  return lines;
}

// `widths`: per column, the width its text wraps at, or null for as wide as its longest line.
export type Widths = readonly (number | null)[];

export function textTable(head: readonly string[], rows: readonly (readonly unknown[])[], widths?: Widths): string {
  const cells = [head, ...rows].map((row) =>
    head.map((_, i) => {
      const text = String(row[i] ?? '');
      const max = widths?.[i];
      return max ? wrap(text, Math.max(1, max)) : text.split('\n');
    }),
  );
  const colWidths = head.map((_, i) => Math.max(...cells.map((row) => Math.max(...row[i].map(width)))));
  const rule = (left: string, mid: string, right: string) => left + colWidths.map((w) => '─'.repeat(w + 2)).join(mid) + right;
  const out = [rule('┌', '┬', '┐')];
  cells.forEach((row, r) => {
    if (r === 1) out.push(rule('├', '┼', '┤'));
    const height = Math.max(...row.map((lines) => lines.length));
    for (let l = 0; l < height; l++) {
      out.push('│' + row.map((lines, i) => ` ${lines[l] ?? ''}${' '.repeat(colWidths[i] - width(lines[l] ?? ''))} `).join('│') + '│');
    }
  });
  out.push(rule('└', '┴', '┘'));
  return out.join('\n');
}
