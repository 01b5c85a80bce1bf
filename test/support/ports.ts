/**
 * The fixtures of the other NetBSD ports (test/fixtures/ports, built by
 * test/fixtures/src/build-ports.sh): their manifest and readelf captures. Expected values in
 * tests come from here and from the tables in test/fixtures/src/tables, never from kpatch.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FIXTURES, type ManifestRow } from './fixtures';

export const PORTS = path.join(FIXTURES, 'ports');

/** A ports manifest row: an ELF kernel, or a raw image made from one (`image`, `from`, `linkBase`, ...). */
export interface PortRow extends ManifestRow {
  /** False for kernels built without the NetBSD ident note (NetBSD 4.x shape). */
  identNote?: boolean;
  /** Set for raw boot images: their format. */
  image?: 'arm64';
  /** The ELF the image was made from. */
  from?: string;
  /** Link address of the image's first byte (hex). */
  linkBase?: string;
  /** The arm64 header's text_offset (hex) and image_size. */
  textOffset?: string;
  imageSize?: number;
}

export const portsManifest: PortRow[] = JSON.parse(fs.readFileSync(path.join(PORTS, 'manifest.json'), 'utf8'));
export const portPath = (file: string) => path.join(PORTS, file);
export const portRow = (file: string): PortRow => {
  const r = portsManifest.find((m) => m.file === file);
  if (!r) throw new Error(`${file} is not in the ports manifest`);
  return r;
};

/** Value and size of a symbol in the readelf capture of an ELF port fixture. */
export function capturedSymbol(file: string, name: string): { value: bigint; size: number } {
  const text = fs.readFileSync(path.join(PORTS, 'readelf', `${file}.txt`), 'utf8');
  const m = new RegExp(`^\\s+\\d+: ([0-9a-f]+)\\s+(\\d+) \\S+\\s+\\S+\\s+\\S+\\s+\\S+ ${name}$`, 'm').exec(text);
  if (!m) throw new Error(`no ${name} in the readelf capture of ${file}`);
  return { value: BigInt(`0x${m[1]}`), size: Number(m[2]) };
}
