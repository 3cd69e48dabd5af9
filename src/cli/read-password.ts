// A password typed by a person, or handed over by a script, without it being on the command
// line (where `ps` and the shell's history would keep it).
import type { ReadStream } from 'node:tty';

export async function readPassword(prompt: string, input: NodeJS.ReadStream = process.stdin, output: NodeJS.WritableStream = process.stderr): Promise<string> {
  return input.isTTY ? askWithoutEcho(prompt, input as ReadStream, output) : firstLine(input);
}

// On a terminal: raw mode stops the terminal from echoing what is typed, and nothing is echoed
// in its place, so not even the length shows. Raw mode also hands over Enter, Backspace, Ctrl-C
// and Ctrl-D as characters, so they are handled here.
function askWithoutEcho(prompt: string, input: ReadStream, output: NodeJS.WritableStream): Promise<string> {
  // Raw mode first: what is typed as soon as the prompt shows must not be echoed.
  input.setRawMode(true);
  output.write(prompt);
  input.setEncoding('utf8');
  input.resume();
  return new Promise((resolve, reject) => {
    let typed = '';
    const finish = (error?: Error) => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      output.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return finish();
        if (ch === '\u0003') return finish(new Error('cancelled')); // Ctrl-C
        if (ch === '\u0004' && !typed) return finish(); // Ctrl-D on an empty line: nothing typed
        if (ch === '\u007f' || ch === '\b') typed = [...typed].slice(0, -1).join('');
        else if (ch >= ' ') typed += ch;
      }
    };
    input.on('data', onData);
  });
}

// From a pipe or a file: its first line. Reading stops there, so a pipe left open does not hang.
async function firstLine(input: NodeJS.ReadStream): Promise<string> {
  input.setEncoding('utf8');
  let text = '';
  for await (const chunk of input) {
    text += chunk;
    if (text.includes('\n')) break;
  }
  return text.split('\n')[0].replace(/\r$/, '');
}
