/**
 * kpatch as a library: open a kernel, read its autoconf table, select entries, plan edits, apply
 * and verify them — the same code the CLI runs, with no printing and no process.exit.
 *
 *   import { openKernelFile, inspectKernel, requireAutoconf, planOperations, writePatched } from 'kpatch';
 *   const file = openKernelFile('netbsd-SMOL');
 *   const table = requireAutoconf(inspectKernel(file.source));
 *   const plan = planOperations(table, [{ verb: 'disable', selectors: ['vioif'] }]);
 *   writePatched(file, 'netbsd-SMOL.small', false, plan.edits);
 *   file.close();
 */
export { KpatchError, FormatError, EditError, NotFoundError, type ErrorCode } from './errors';
export { type ByteSource, memorySource, chunkedSource } from './bytes/source';
export { ByteView, ILP32, LP64, type DataModel, type Endian } from './bytes/view';
export { defineStruct, readField, encodeField, type StructLayout, type FieldLayout, type Scalar } from './bytes/struct';
export { parseElf, sectionByName, readSection, type ElfFile, type FileHeader, type Section, type Segment, type RawImage } from './elf/file';
export { loadSymbolTable, findSymbol, allSymbols, type ElfSymbol, type SymbolTable } from './elf/symbols';
export { readNotes, type Note } from './elf/notes';
export { addressToOffset, offsetToAddress, lookupAddress } from './elf/address';
export { TARGETS, findTarget, requireTarget, type Arch, type Target } from './elf/target';
export { inspectKernel, requireAutoconf, hasEmbeddedConfig, openExecutable, describeFile, type Kernel, type Release } from './netbsd/kernel';
export { findCfdata, type FoundTables } from './netbsd/find-cfdata';
export { openArm64Image, rawFormat, describeImage } from './netbsd/image';
export { extractConfig, strunvis, CONFIG_MARKER } from './netbsd/embedded-config';
export {
  readAutoconf,
  FSTATE_NOTFOUND,
  FSTATE_FOUND,
  FSTATE_STAR,
  FSTATE_DSTAR,
  FSTATE_DNOTFOUND,
  DISABLED,
  ENABLED,
  type AutoconfTable,
  type CfEntry,
  type CfParent,
  type CfDriver,
  type CfLocator,
} from './netbsd/autoconf';
export { CFDATA_FIELDS, autoconfLayouts, type CfdataVariant } from './netbsd/layouts';
export { decodeNetbsdVersion, type NetbsdVersion } from './netbsd/ident';
export { findPvh, type PvhEntry } from './netbsd/pvh';
export { selectEntries, parseSelector, type Selector } from './netbsd/select';
export { entryLine, entryName, parentName, userconfLine, userconfNumber, parseUserconfNumber } from './netbsd/format';
export { attachGraph, attachTree, reachable, ancestors } from './netbsd/tree';
export { kernelInfo, type KernelInfo } from './netbsd/info';
export { MICROVM_FEATURES, CONFIG_FEATURES, featureById, platformOf, type FeatureDef, type FeatureId, type CheckDef, type CheckId, type Evidence, type Platform } from './netbsd/features';
export { NL, type KernelSymbol, type SymbolKey } from './netbsd/nlist';
export {
  microvmChecks,
  checksPass,
  kernelFeatures,
  featuresOf,
  MICROVM_CHECK_IDS,
  type Check,
  type CheckStatus,
  type CheckEntry,
  type FeatureStatus,
  type FeatureState,
} from './netbsd/checks';
export { planOperations, type Plan, type Edit, type Operation, type Change } from './patch/plan';
export { parseAssignment, type Assignment, type FieldChange } from './patch/change';
export { applyEdits, checkBefore, verifyChunk } from './patch/apply';
export { parsePatchScript, checkGuards, type PatchScript, type Guard } from './patch/script';
export * as config from './config';
export { EditSession, type EditorIo } from './edit/session';
// The Node.js file layer (src/node/): reading kernels (plain or gzip) and atomic, verified writing.
export { openKernelFile, readRegularFile, type KernelFile } from './node/read-kernel';
export { writePatched, outputPath, type WriteResult, type WriteOptions } from './node/write-kernel';
export { writeFileAtomically, removeStaleTemporaries } from './node/atomic';
export * as tslog from './tslog';
