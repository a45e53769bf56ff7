#!/usr/bin/env python3
"""Size rules of the source tree (issue 11): no file in src/ over 600 lines,
no core function (src/rill/) over 80 lines. Prints offenders; exit 1 if any.

  python3 tools/lint/check_sizes.py [--all]   (--all: list every function over 60 lines too)

Functions are found by braces: comments and strings are blanked, then a `{`
opened outside any function whose preceding text ends in `)` (plus
qualifiers such as const/noexcept/override, or a constructor's initialiser
list) starts a function body; namespace, class, struct, enum, union and
extern "C" braces do not count as code. Lambdas count towards their function.
"""
import re
import sys
from pathlib import Path

MAX_FILE_LINES = 600
MAX_FUNCTION_LINES = 80


def blank_comments_and_strings(text):
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith('//', i):
            j = text.find('\n', i)
            j = n if j < 0 else j
            out.append(' ' * (j - i)); i = j
        elif text.startswith('/*', i):
            j = text.find('*/', i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r'[^\n]', ' ', text[i:j])); i = j
        elif c in '"\'':
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == '\\' else 1
            j = min(j + 1, n)
            out.append(c + re.sub(r'[^\n]', ' ', text[i + 1:j - 1]) + c if j - i >= 2 else text[i:j]); i = j
        else:
            out.append(c); i += 1
    return ''.join(out)


def functions(text):
    """Yields (name, first_line, line_count) for each function body."""
    code = blank_comments_and_strings(text)
    stack = []  # entries: 'scope' (namespace/class...) or ('func', name, line)
    last = 0    # start of the text since the last brace or semicolon at scope level
    line_of = lambda pos: code.count('\n', 0, pos) + 1
    for m in re.finditer(r'[{};]', code):
        ch, pos = m.group(), m.start()
        in_func = any(isinstance(e, tuple) for e in stack)
        if ch == ';':
            if not in_func:
                last = pos + 1
            continue
        if ch == '{':
            if in_func:
                stack.append('block')
                continue
            head = code[last:pos].strip()
            if re.search(r'\b(namespace|class|struct|enum|union)\b[^()]*$', head) or re.search(r'extern\s*"\s*"\s*$', head) \
                    or head.endswith('=') or not head:
                stack.append('scope')
            elif re.search(r'\)\s*(const|noexcept|override|final|volatile|&|&&|\s)*$', head) or \
                    re.search(r'\)\s*:\s*[\w:<>]+\s*[({].*$', head, re.S) or re.search(r'\)\s*:', head):
                name = re.findall(r'([~\w:]+)\s*\(', head)
                stack.append(('func', name[0] if name else '?', line_of(pos)))
            else:
                stack.append('scope')
            last = pos + 1
        else:  # '}'
            if not stack:
                continue
            top = stack.pop()
            if isinstance(top, tuple):
                yield top[1], top[2], line_of(pos) - top[2] + 1
            if not any(isinstance(e, tuple) for e in stack):
                last = pos + 1


def main():
    root = Path(__file__).resolve().parents[2]
    list_all = '--all' in sys.argv
    bad = 0
    for path in sorted((root / 'src').rglob('*')):
        if path.suffix not in ('.cpp', '.h', '.c', '.mjs', '.py'):
            continue
        text = path.read_text()
        lines = text.count('\n')
        rel = path.relative_to(root)
        if lines > MAX_FILE_LINES:
            print(f'{rel}: {lines} lines (at most {MAX_FILE_LINES})'); bad += 1
        if path.suffix not in ('.cpp', '.h') or 'rill' not in path.parts[-2:-1]:
            continue
        for name, first, count in functions(text):
            if count > MAX_FUNCTION_LINES:
                print(f'{rel}:{first}: {name} is {count} lines (at most {MAX_FUNCTION_LINES})'); bad += 1
            elif list_all and count > 60:
                print(f'{rel}:{first}: {name} is {count} lines (note)')
    print(f'{"0 passed, 1 failed" if bad else "1 passed, 0 failed"}  (size rules: {bad} offender(s))')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
