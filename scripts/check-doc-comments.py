#!/usr/bin/env python3
"""check-doc-comments.py [ROOT] -- every public function has a doc comment.

For each header in ROOT/include/microkernel/, every function declared at file
scope (a prototype ending in ';', outside structs, typedefs and macros) must
have a comment ending on the line right above it (`/* ... */`, `/** ... */`
or `//`). Prints `file:line: name` for each one that lacks it and exits 1;
exits 0 and prints the count when all are documented. Pure text: no
compiler needed. Run by ctest (doc_comments) and scripts/test.sh via ctest.
"""
import pathlib
import re
import sys


def strip_code(text):
    """Return text with comments, strings and preprocessor lines blanked
    (same length, newlines kept) and the set of lines that end a comment."""
    out = list(text)
    comment_end_lines = set()
    i, n, line = 0, len(text), 1
    at_line_start = True
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            for k in range(i, j):
                if text[k] == "\n":
                    line += 1
                else:
                    out[k] = " "
            comment_end_lines.add(line)
            i = j
            continue
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            for k in range(i, j):
                out[k] = " "
            comment_end_lines.add(line)
            i = j
            continue
        if c == '"' or c == "'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            for k in range(i + 1, min(j, n)):
                if text[k] != "\n":
                    out[k] = " "
            i = j + 1
            continue
        if at_line_start and c == "#":
            # A preprocessor line, with its continuations.
            j = i
            while j < n:
                e = text.find("\n", j)
                e = n if e < 0 else e
                if e > 0 and text[e - 1] == "\\":
                    for k in range(j, e):
                        out[k] = " "
                    line += 1
                    j = e + 1
                    continue
                for k in range(j, e):
                    out[k] = " "
                j = e
                break
            i = j
            continue
        if c == "\n":
            line += 1
            at_line_start = True
        elif not c.isspace():
            at_line_start = False
        i += 1
    return "".join(out), comment_end_lines


def functions(code):
    """Yield (start_line, name) of each file-scope function prototype."""
    depth = 0
    start = None
    line = 1
    stmt = []
    linkage = []  # per open brace: True for extern "C"
    for c in code:
        if c == "\n":
            line += 1
        if depth == 0 and start is None and not c.isspace() and c not in ";}":
            start = line
        if c == "{":
            if depth == 0 and re.fullmatch(r'\s*extern\s*"\s*"\s*', "".join(stmt)):
                # extern "C" { ... } holds file-scope declarations.
                linkage.append(True)
                stmt = []
                start = None
                continue
            linkage.append(False)
            depth += 1
        elif c == "}":
            if linkage and linkage.pop():
                stmt = []
                start = None
                continue
            depth -= 1
        if depth == 0 and c == ";":
            text = "".join(stmt) + ";"
            s = " ".join(text.split())
            if (start is not None and "(" in s and not s.startswith("typedef")
                    and not re.match(r"(extern\s+)?(const\s+)?(struct|union|enum)\s+\w*\s*\{", s)
                    and "=" not in s.split("(")[0]):
                m = re.search(r"(\w+)\s*\(", s)
                # Function pointer variables like `int (*f)(void);` are not functions.
                if m and m.group(1) != "_Static_assert" and not re.match(r"[^(]*\(\s*\*", s):
                    yield start, m.group(1)
            stmt = []
            start = None
            continue
        if depth == 0:
            stmt.append(c)


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    headers = sorted((root / "include" / "microkernel").glob("*.h"))
    if not headers:
        sys.exit(f"no headers under {root}/include/microkernel")
    missing = 0
    total = 0
    for h in headers:
        text = h.read_text()
        code, comment_lines = strip_code(text)
        lines = text.split("\n")
        for start, name in functions(code):
            # Skip attribute-only lines between the comment and the prototype.
            total += 1
            above = start - 1
            while above >= 1 and re.match(r"\s*(__attribute__|MK_\w+\s*$)", lines[above - 1]):
                above -= 1
            if above not in comment_lines:
                print(f"{h.relative_to(root)}:{start}: {name} has no doc comment right above it")
                missing += 1
    if missing:
        print(f"{missing} of {total} public functions lack a doc comment")
        return 1
    print(f"all {total} public functions in include/microkernel have a doc comment")
    return 0


if __name__ == "__main__":
    sys.exit(main())
