/**
 * Questions for the person at the terminal: plain ones echo what is typed, hidden ones
 * (passwords) echo nothing, as Django's getpass does. Ctrl-C or Ctrl-D abandons the command.
 */
import { createInterface } from "node:readline/promises";

/** Exit code of a command abandoned at a prompt, as a shell reports Ctrl-C. */
const ABANDONED = 130;

function abandon(): never {
  process.stdout.write("\n");
  process.exit(ABANDONED);
}

/** Whether someone can answer: both ends of the conversation are a terminal. */
export function canPrompt(): boolean {
  return Boolean(process.stdin.isTTY && process.stdout.isTTY);
}

/** Asks a question and returns the line typed, without its newline. */
export async function ask(question: string): Promise<string> {
  const lines = createInterface({ input: process.stdin, output: process.stdout });
  lines.on("SIGINT", abandon);
  let answered = false;
  lines.on("close", () => answered || abandon());
  const answer = await lines.question(question);
  answered = true;
  lines.close();
  return answer;
}

/** Asks for a secret; nothing typed appears on the screen. */
export function askHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  process.stdout.write(question);
  stdin.setRawMode(true);
  stdin.setEncoding("utf8");
  stdin.resume();
  return new Promise((resolve) => {
    let answer: string[] = [];
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === "\u0003" || (char === "\u0004" && answer.length === 0)) {
          stdin.setRawMode(false);
          abandon();
        }
        if (char === "\r" || char === "\n") {
          stdin.off("data", onData);
          stdin.setRawMode(false);
          stdin.pause();
          process.stdout.write("\n");
          resolve(answer.join(""));
          return;
        }
        if (char === "\u007f" || char === "\b") answer = answer.slice(0, -1);
        else if (char >= " ") answer.push(char);
      }
    };
    stdin.on("data", onData);
  });
}
