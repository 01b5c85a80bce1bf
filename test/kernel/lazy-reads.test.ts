/**
 * info and list read what they need, not the whole kernel: on a 24 MB kernel the bytes read stay
 * far below its size (headers, symbol and string tables, cfdata and the strings it points to).
 */
import { type ByteSource, memorySource } from '../../src/bytes/source';
import { kernelInfo } from '../../src/netbsd/info';
import { inspectKernel, requireAutoconf } from '../../src/netbsd/kernel';
import { buildKernel } from '../support/build-kernel';
import { MICROVM } from '../support/tables';

function counting(inner: ByteSource): ByteSource & { readonly total: number } {
  let total = 0;
  return {
    size: inner.size,
    read(offset, length) {
      total += length;
      return inner.read(offset, length);
    },
    get total() {
      return total;
    },
  };
}

it.each(['amd64', 'i386', 'aarch64'] as const)('%s: info and list of a 24 MB kernel read under 64 KiB', (arch) => {
  const k = buildKernel(MICROVM, { arch, variant: 'bitfield', textPadding: 24 << 20 });
  expect(k.bytes.length).toBeGreaterThan(24 << 20);
  const src = counting(memorySource(k.bytes));
  const kernel = inspectKernel(src);
  const table = requireAutoconf(kernel);
  const info = kernelInfo(kernel, { file: 'k', fileSize: k.bytes.length, compressed: null });
  expect(table.entries).toHaveLength(MICROVM.entries.length);
  expect(info.autoconf?.entries).toBe(MICROVM.entries.length);
  expect(src.total).toBeLessThan(64 * 1024);
});
