/** Types for engine.js (plain CommonJS so the long run needs no TypeScript). */
export type Run = (argv: readonly string[], io: import('../../src/cli/io').Io) => Promise<number>;
export interface Input { name: string; bytes: Uint8Array }
export interface Failure { fixture: string; mutant?: number; truncatedTo?: number; mutation?: string; argv: string; why: string }
export function fixtures(dir: string): Input[];
export function scratch(): string;
export function commands(file: string): string[][];
export function fuzz(o: { run: Run; inputs: Input[]; seed: number; count: number; dir: string; limitMs?: number; onProgress?: (done: number) => void; maxFailures?: number }): Promise<{ failures: Failure[]; runs: number; kinds: Record<string, number> }>;
export function truncations(o: { run: Run; input: Input; dir: string; step?: number; argvFor?: (file: string) => string[][]; limitMs?: number }): Promise<{ failures: Failure[]; runs: number }>;
export interface ConfigInput { name: string; text: string }
export function configs(sysDir: string): ConfigInput[];
export function fuzzConfigs(o: { run: Run; inputs: ConfigInput[]; seed: number; count: number; dir: string; sysDir?: string; limitMs?: number }): Promise<{ failures: Failure[]; runs: number }>;
export function hostileTree(dir: string): { sys: string; bigInput: string; links: string[] };
export function fuzzHostileTree(o: { run: Run; seed: number; count: number; dir: string; limitMs?: number }): Promise<{ failures: Failure[]; runs: number }>;
