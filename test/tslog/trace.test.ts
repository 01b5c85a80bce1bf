/**
 * Reading captures: the lines kpatch accepts (docs/formats.md), and one-line errors with file:line
 * and what was expected for the others.
 */
import { parseTrace, TS_ENTER, TS_EVENT, TS_THREAD } from '../../src/tslog/trace';
import { profileTrace } from '../../src/tslog/profile';
import { foldedStacks } from '../../src/tslog/summary';

const BOOT = '0x1 100 ENTER main\n0x1 200 ENTER start_init\n0x1 300 EXIT start_init\n';

describe('bad lines', () => {
  it.each([
    ['0x1 12x ENTER main', "boot.txt:2: expected a decimal cycle count after the thread id, found '12x'"],
    ['0x1 100 JUMP main', "boot.txt:2: expected ENTER, EXIT, THREAD or EVENT, found 'JUMP'"],
    ['0x1 100 ENTER', 'boot.txt:2: expected a name after ENTER'],
    ['0x1 9007199254740993 ENTER main', 'boot.txt:2: cycle count 9007199254740993 is past 2^53, which kpatch does not handle'],
    ['machdep.tsc_freq=fast', "boot.txt:2: expected machdep.tsc_freq in Hz (a positive integer), found 'fast'"],
    ['machdep.tsc_freq=0', "boot.txt:2: expected machdep.tsc_freq in Hz (a positive integer), found '0'"],
    [
      'hello world',
      'boot.txt:2: expected a tslog record (0x<thread> <tsc> ENTER|EXIT|THREAD|EVENT <name>), a tslog_user record (<pid> <ppid> <forked> <exited> "<exec>" "<namei>") or machdep.tsc_freq=<Hz>, found \'hello world\'',
    ],
    ['1 0 100 200 "/sbin/init"', `boot.txt:2: expected a tslog record (0x<thread> <tsc> ENTER|EXIT|THREAD|EVENT <name>), a tslog_user record (<pid> <ppid> <forked> <exited> "<exec>" "<namei>") or machdep.tsc_freq=<Hz>, found '1 0 100 200 "/sbin/init"'`],
  ])('%s', (line, message) => {
    expect(() => parseTrace(`0x1 50 ENTER main\n${line}\n`, 'boot.txt')).toThrow(message);
  });

  it('a last line cut short is a truncated record', () => {
    expect(() => parseTrace('0x1 50 ENTER main\n0x1 100 ENT', 'boot.txt')).toThrow("boot.txt:2: truncated record: the file ends inside it ('0x1 100 ENT')");
  });

  it('a last record without its newline is read, with a warning', () => {
    const t = parseTrace('0x1 50 ENTER main\n0x1 100 ENTER config', 'boot.txt');
    expect(t.count).toBe(2);
    expect(t.warnings).toEqual(['boot.txt does not end with a newline: its last record (line 2) may be cut short']);
  });

  it('a file with no records is not a boot', () => {
    expect(() => profileTrace(parseTrace('machdep.tsc_freq=1000\n', 'x.txt'))).toThrow('x.txt: no tslog records');
    expect(() => profileTrace(parseTrace('0x1 1 ENTER foo\n0x1 2 EXIT foo\n', 'x.txt'))).toThrow(/^x\.txt: no ENTER main \(NetBSD\) or ENTER mi_startup \(FreeBSD\) record/);
  });
});

describe('accepted lines', () => {
  it('reads sysctl with and without -n, CRLF, comments, blank lines and double spaces', () => {
    const t = parseTrace(
      [
        '# captured on the guest',
        'debug.tslog = 0x1 100 ENTER main',
        '0x1  150  ENTER  config_attach_internal  vioif0\r',
        '',
        '0x2 160 THREAD swi4: clock (0)',
        '0x1 170 EVENT WAIT config hooks',
        'machdep.tsc_freq = 2400000000',
      ].join('\n') + '\n',
      'b',
    );
    expect(t.count).toBe(4);
    expect([...t.kind]).toEqual([TS_ENTER, TS_ENTER, TS_THREAD, TS_EVENT]);
    expect(t.name).toEqual(['main', 'config_attach_internal', 'swi4: clock (0)', 'WAIT']);
    expect(t.extra).toEqual([undefined, 'vioif0', undefined, 'config hooks']);
    expect(t.threads).toEqual(['0x1', '0x2']);
    expect([...t.line]).toEqual([2, 3, 5, 6]);
    expect(t.tscFreq).toBe(2400000000);
  });

  it('reads FreeBSD\'s "machdep.tsc_freq: N" and thread pointers', () => {
    const t = parseTrace('0xfffff80003a1c000 5 ENTER mi_startup\nmachdep.tsc_freq: 3000000000\n', 'b');
    expect(t.threads).toEqual(['0xfffff80003a1c000']);
    expect(t.tscFreq).toBe(3000000000);
  });

  it('picks up Firecracker\'s Guest-boot-time and NetBSD\'s kernel boot time', () => {
    const t = parseTrace(
      `${BOOT}2024-03-01T10:00:00.123456789 [anonymous-instance:main] Guest-boot-time =  12345 us 12 ms,   4321 CPU us 4 CPU ms\n[   1.1146703] kernel boot time: 382ms\n`,
      'b',
    );
    expect([t.guestBootUs, t.kernelBootMs]).toEqual([12345, 382]);
  });

  it('reads tslog_user lines of both kernels, and skips processes never forked', () => {
    const t = parseTrace(`${BOOT}debug.tslog_user = 1  0  100  0  "/sbin/init"  ""\n0 0 0 0 "" ""\n2 1 150 900 "" "/etc/rc"\n`, 'b');
    expect(t.user.map((u) => [u.pid, u.ppid, u.forked, u.exited, u.execname, u.namei])).toEqual([
      [1, 0, 100, 0, '/sbin/init', ''],
      [0, 0, 0, 0, '', ''],
      [2, 1, 150, 900, '', '/etc/rc'],
    ]);
  });
});

describe('userland, as tslog-user.pl draws it', () => {
  // init (pid 1) forks rc (2) at 1000; rc runs mount (3: 1500-2500) and a child named by its
  // first lookup (4: 2600-3000, exited after rc's 2900, so cut to 2900); rc exits at 2900... so
  // hand-computed: init 999-1000 (1); rc 1000-1500 and 2500-2600 (600); mount 1000; 4 300.
  const text = `${BOOT}1 0 500 0 "/sbin/init" ""\n2 1 1000 2900 "" ""\n3 2 1500 2500 "/sbin/mount" ""\n4 2 2600 3000 "" "/etc/rc.d/ttys"\n9 1 5000 0 "" ""\n`;
  it('gives each process its time, under its parent', () => {
    const p = profileTrace(parseTrace(text, 'b'));
    const user = new Map(foldedStacks(p).filter((s) => s.stack.startsWith('1 ')).map((s) => [s.stack, s.cycles]));
    expect(user).toEqual(
      new Map([
        ['1 /sbin/init', 1],
        ['1 /sbin/init;2 /etc/rc', 600],
        ['1 /sbin/init;2 /etc/rc;3 /sbin/mount', 1000],
        ['1 /sbin/init;2 /etc/rc;4 /etc/rc.d/ttys', 300],
      ]),
    );
    expect(p.userland!.processes).toBe(4);
    expect(p.userland!.timeline.end).toBe(2900);
  });
});
