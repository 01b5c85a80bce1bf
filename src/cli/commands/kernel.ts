/**
 * Opening a kernel for a command: the file, the kernel model, and the autoconf table when asked.
 */
import { type Kernel, inspectKernel } from '../../netbsd/kernel';
import { type KernelFile, openKernelFile } from '../../node/read-kernel';

/** Opens `path`, inspects it as a kernel, runs `fn`, and always closes the file. */
export function withKernel<T>(path: string, fn: (k: Kernel, file: KernelFile) => T): T {
  const file = openKernelFile(path);
  try {
    return fn(inspectKernel(file.source), file);
  } finally {
    file.close();
  }
}
