#!/usr/bin/env python3
"""Boot a PVH fixture with QEMU's stdout on a socket whose reader is slow, and count the boots
whose serial output does not end in "done\\n".

QEMU's 16550 sets LSR THRE before it writes the byte to the chardev; when that write would block
it keeps the byte and retries, and only a written byte sets TEMT. A routine that exits through
isa-debug-exit right after its last THRE loses its last bytes when the reader lags. This script
makes the reader lag on purpose (a send buffer of the minimum size, read every 5 ms), so the loss
shows in a few boots out of 60 with a routine that does not wait for TEMT, and never with one that
does. Diagnostic only (docs/testing.md); the test suite does not run it.

    python3 test/boot/serial-starve.py KERNEL [BOOTS]
"""
import socket
import subprocess
import sys
import time

kernel = sys.argv[1]
boots = int(sys.argv[2]) if len(sys.argv) > 2 else 60
qemu = ['qemu-system-x86_64', '-M', 'microvm', '-m', '64', '-nodefaults', '-display', 'none',
        '-serial', 'stdio', '-device', 'isa-debug-exit,iobase=0xf4,iosize=4', '-kernel', kernel]
lost = 0
for i in range(boots):
    ours, theirs = socket.socketpair()
    theirs.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1)  # the kernel rounds up to its minimum
    vm = subprocess.Popen(qemu, stdin=subprocess.DEVNULL, stdout=theirs.fileno(), stderr=subprocess.DEVNULL)
    theirs.close()
    out = b''
    while True:
        time.sleep(0.005)
        data = ours.recv(65536)
        if not data:
            break
        out += data
    status = vm.wait()
    if status != 33 or not out.endswith(b'done\n'):
        lost += 1
        print(f'boot {i + 1}: exit {status}, {len(out)} bytes, ends {out[-12:]!r}')
print(f'serial-starve: {lost} of {boots} boots lost output')
sys.exit(1 if lost else 0)
