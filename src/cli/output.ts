/** Where a command writes: stdout for results, stderr for progress (so `| jq` and scripts see only results). */
export interface Output {
  print(text: string): void;
  info(text: string): void;
}

export const consoleOutput: Output = {
  print: (t) => process.stdout.write(`${t}\n`),
  info: (t) => process.stderr.write(`${t}\n`),
};
