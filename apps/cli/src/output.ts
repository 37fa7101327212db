/** Terminal output: colour only on a TTY without NO_COLOR, plain text otherwise, JSON when asked. */
export type Output = {
  json: boolean;
  line(text?: string): void;
  data(value: unknown): void;
  error(text: string): void;
  bold(text: string): string;
  dim(text: string): string;
  green(text: string): string;
  red(text: string): string;
  cyan(text: string): string;
};

export const createOutput = (options: { json: boolean; color: boolean }): Output => {
  const paint = (code: number) => (text: string) => (options.color ? `\u001b[${code}m${text}\u001b[0m` : text);
  return {
    json: options.json,
    line: (text = '') => {
      if (!options.json) process.stdout.write(`${text}\n`);
    },
    data: (value) => process.stdout.write(`${JSON.stringify(value, null, options.json ? 0 : 2)}\n`),
    error: (text) => process.stderr.write(`${text}\n`),
    bold: paint(1),
    dim: paint(2),
    green: paint(32),
    red: paint(31),
    cyan: paint(36),
  };
};
