#!/usr/bin/env python3
"""Where a WebAssembly module's bytes go: function body sizes by name and by source file.

    python3 tools/size/wasm_sizes.py MODULE.wasm [OBJ.o ...] [--top N] [--gzip]

MODULE.wasm must carry a name section (link with --profiling-funcs, as `make wasm-sizes` does).
With object files, each function is charged to the object that defines its symbol (llvm-nm);
functions no object defines (libc, libc++, malloc, compiler-rt) are charged to "(runtime)".
--gzip adds each file's gzip -9 size of its functions' bodies concatenated (an estimate: gzip of
the whole module shares a dictionary across files). Reads the binary itself: no wabt needed.
"""
import gzip
import os
import subprocess
import sys
from collections import defaultdict


def leb(buf, pos):
    result = shift = 0
    while True:
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return result, pos


def sections(buf):
    if buf[:4] != b'\0asm':
        sys.exit('not a WebAssembly module')
    pos = 8
    while pos < len(buf):
        sid = buf[pos]
        size, body = leb(buf, pos + 1)
        yield sid, body, body + size
        pos = body + size


def parse(buf):
    """(imported function count, [(body bytes)], {index: name}, {section: size})."""
    n_imports = 0
    bodies, names, sizes = [], {}, defaultdict(int)
    kinds = {0: 'custom', 1: 'type', 2: 'import', 3: 'function', 4: 'table', 5: 'memory',
             6: 'global', 7: 'export', 8: 'start', 9: 'element', 10: 'code', 11: 'data', 12: 'datacount'}
    for sid, start, end in sections(buf):
        label = kinds.get(sid, str(sid))
        if sid == 0:
            nlen, p = leb(buf, start)
            label = 'custom:' + buf[p:p + nlen].decode()
            if buf[p:p + nlen] == b'name':
                p += nlen
                while p < end:
                    sub, p = leb(buf, p)
                    ssize, p = leb(buf, p)
                    if sub == 1:
                        q = p
                        count, q = leb(buf, q)
                        for _ in range(count):
                            idx, q = leb(buf, q)
                            ln, q = leb(buf, q)
                            names[idx] = buf[q:q + ln].decode(errors='replace')
                            q += ln
                    p += ssize
        elif sid == 2:
            count, p = leb(buf, start)
            for _ in range(count):
                for _ in range(2):
                    ln, p = leb(buf, p)
                    p += ln
                kind = buf[p]
                p += 1
                if kind == 0:
                    _, p = leb(buf, p)
                    n_imports += 1
                elif kind == 1:
                    p += 1
                    flags, p = leb(buf, p)
                    _, p = leb(buf, p)
                    if flags & 1:
                        _, p = leb(buf, p)
                elif kind == 2:
                    flags, p = leb(buf, p)
                    _, p = leb(buf, p)
                    if flags & 1:
                        _, p = leb(buf, p)
                else:
                    p += 2
        elif sid == 10:
            count, p = leb(buf, start)
            for _ in range(count):
                size, p = leb(buf, p)
                bodies.append(buf[p:p + size])
                p += size
        sizes[label] += end - start
    return n_imports, bodies, names, sizes


def defined_symbols(objs):
    """{symbol name: object file} from llvm-nm (demangled, as the name section has them)."""
    owner = {}
    for obj in objs:
        out = subprocess.run(['llvm-nm', '--defined-only', '--demangle', obj], capture_output=True, text=True).stdout
        for line in out.splitlines():
            parts = line.split(' ', 2)
            if len(parts) == 3 and parts[1] in 'TtWw':
                owner.setdefault(parts[2], obj)
    return owner


def demangle(names):
    try:
        out = subprocess.run(['c++filt'], input='\n'.join(names), capture_output=True, text=True).stdout
        return out.splitlines()
    except OSError:
        return names


def main():
    args = sys.argv[1:]
    top = 40
    if '--top' in args:
        i = args.index('--top')
        top = int(args[i + 1])
        del args[i:i + 2]
    want_gzip = '--gzip' in args
    args = [a for a in args if a != '--gzip']
    if not args:
        sys.exit(__doc__)
    buf = open(args[0], 'rb').read()
    n_imports, bodies, names, sizes = parse(buf)
    owner = defined_symbols(args[1:])
    funcs = []
    for i, body in enumerate(bodies):
        name = names.get(n_imports + i, f'func[{n_imports + i}]')
        src = owner.get(name, '(runtime)' if owner else '')
        funcs.append((len(body), name, os.path.basename(src).replace('.o', '.cpp') if src else '', body))
    code = sum(f[0] for f in funcs)
    print(f'{args[0]}: {len(buf):,} bytes, gzip -9 {len(gzip.compress(buf, 9)):,}; '
          f'{len(funcs)} functions, {code:,} bytes of code')
    print('sections: ' + ', '.join(f'{k} {v:,}' for k, v in sorted(sizes.items(), key=lambda kv: -kv[1])))
    if owner:
        by_file = defaultdict(list)
        for f in funcs:
            by_file[f[2]].append(f)
        print(f'\n{"bytes":>8} {"gzip":>7} {"funcs":>5}  source file' if want_gzip else
              f'\n{"bytes":>8} {"funcs":>5}  source file')
        for src, fs in sorted(by_file.items(), key=lambda kv: -sum(f[0] for f in kv[1])):
            total = sum(f[0] for f in fs)
            gz = f' {len(gzip.compress(b"".join(f[3] for f in fs), 9)):>7,}' if want_gzip else ''
            print(f'{total:>8,}{gz} {len(fs):>5}  {src}')
    print(f'\n{"bytes":>8}  function (largest {top})')
    ranked = sorted(funcs, key=lambda f: -f[0])[:top]
    for f, pretty in zip(ranked, demangle([f[1] for f in ranked])):
        print(f'{f[0]:>8,}  {pretty[:110]}' + (f'  [{f[2]}]' if f[2] else ''))


if __name__ == '__main__':
    main()
