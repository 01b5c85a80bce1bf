/** The config(5) toolkit: parse, print, lint, generate, extract, diff and merge NetBSD kernel configs. */
export type * from './ast';
export { ConfigError } from './errors';
export { parseConfig } from './parser';
export { printConfig, formatStatement } from './print';
export { walkConfig, treePath, type SourceTree, type Issue } from './resolve';
export { loadDefinitions, definitionFiles } from './defs';
export { evaluate, type ConfigModel } from './model';
export { lint, type LintResult, type LintInput, type LintMessage } from './lint';
// generate.ts's Arch is the target table's names that have a generator row: exported as ConfigArch, so the library has one Arch.
export { generateConfig, FEATURES, ARCHES, type Arch as ConfigArch, type ConfigFeature, type FragmentSource } from './generate';
export { diffConfigs, diffConfigTexts } from './diff';
export { mergeConfigs, type Merged } from './merge';
