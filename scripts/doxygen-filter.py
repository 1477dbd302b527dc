#!/usr/bin/env python3
"""doxygen-filter.py FILE -- print a public header as doxygen reads it.

The headers use plain C comments (STYLE.md): a comment right above a
declaration documents it, a comment after a member on its line documents the
member. Doxygen only reads its own markers, so this INPUT_FILTER (set in
docs/Doxyfile.in) rewrites, keeping every line where it is:
  - the first comment of the file -> `/** ... \\file */` (the header's page);
  - a comment whose last line is directly followed by a declaration (not a
    blank line, not a preprocessor line other than #define) -> `/** */`;
  - `code; /* text */` -> `code; /**< text */`;
  - `struct __attribute__((packed))` -> `struct` (doxygen would read the
    typedef as a variable).
Section rulers (`/* ---- Client ---- */` followed by a blank line) stay
plain comments, so they document nothing.
"""
import re
import sys


def escape_comment_text(line):
    """Escape doxygen's markup characters in the comment part of `line`
    (anything after a comment opener, or a continuation line `* ...`)."""
    m = re.search(r"/\*", line)
    if m:
        start = m.end()
    elif re.match(r"\s*\*(?!/)", line) or re.match(r"\s+\w", line):
        start = 0
    else:
        return line
    head, text = line[:start], line[start:]
    text = text.replace("\\", "\\\\")
    text = re.sub(r"<(/?[A-Za-z_][\w.-]*)>", r"\\<\1\\>", text)
    return head + text


def main():
    lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
    # Inside comments, a backslash is text ("key\\nvalue", "\\0") and so is
    # <word> (a placeholder such as /node/<name>, not an HTML tag).
    lines = [escape_comment_text(line) for line in lines]
    out = list(lines)
    i, n = 0, len(lines)
    first = True
    while i < n:
        line = lines[i]
        m = re.match(r"(\s*)/\*(?![*!])", line)
        if m:
            # A comment on its own line(s): find where it ends.
            j = i
            while "*/" not in lines[j][m.end() if j == i else 0:] and j + 1 < n:
                j += 1
            nxt = lines[j + 1].strip() if j + 1 < n else ""
            if first:
                out[i] = line.replace("/*", "/**", 1)
                out[j] = re.sub(r"\*/\s*$", r" \\file */", lines[j] if j != i else out[i])
                first = False
            elif nxt and not nxt.startswith("/*") and (not nxt.startswith("#")
                                                       or nxt.startswith("#define")):
                out[i] = line.replace("/*", "/**", 1)
            i = j + 1
            continue
        # A trailing comment after code on the same line documents that member.
        t = re.match(r"(\s*\S.*?)/\*(?![*!<])", line)
        if t and not line.lstrip().startswith("*") and (not line.lstrip().startswith("#")
                                                        or line.lstrip().startswith("#define")):
            out[i] = t.group(1) + "/**<" + line[t.end():]
        if line.strip() and not line.lstrip().startswith("#"):
            first = False
        i += 1
    out = [re.sub(r"\bstruct __attribute__\(\(packed\)\)", "struct", o) for o in out]
    sys.stdout.write("\n".join(out))


if __name__ == "__main__":
    main()
