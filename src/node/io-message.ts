/**
 * Errors of the file system in a few plain words, for the one-line messages of src/node/.
 */

/** Describes an fs error in a few words, without a stack. */
export function ioMessage(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err.code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOSPC':
      return 'no space left on device';
    case 'EROFS':
      return 'read-only file system';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    case 'ENAMETOOLONG':
      return 'file name too long';
    default: {
      // libuv's messages read "ECODE: description, syscall 'path'": keep the description, once.
      const message = String(err.message ?? err);
      const m = /^([A-Z0-9_]+): (.*?)(?:, [a-z_]+(?: '.*')?)?$/s.exec(message);
      if (m) return `${m[2]} (${m[1]})`;
      return err.code ? `${message} (${err.code})` : message;
    }
  }
}
