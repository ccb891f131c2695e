#!/usr/bin/env python3
"""tidy-roff.py - finish a page that scdoc(1) turned into roff.

    tidy-roff.py VERSION INPUT OUTPUT

scdoc starts every paragraph with .P, also right after a heading or right
before the end of an indented block; mandoc -Tlint warns about each of those
("skipping paragraph macro"), and neither groff nor mandoc prints anything
for them. This drops the .P lines that do nothing and moves a .P that ends an
indented block (.RE) to after it, so the space between paragraphs stays where
it was: the page looks the same. It also puts the project's version where
the page says @MIC_VERSION@.
"""
import sys

HEADINGS = ('.TH', '.SH', '.SS')


def macro(line):
    """The macro name of a roff line ('.SH'), or '' for text."""
    if not line.startswith('.') or line.startswith('.\\"'):
        return ''
    return line.split(None, 1)[0]


def significant(lines, i, step):
    """Index of the nearest line from i (in direction step) that is neither
    blank nor a comment, or -1."""
    while 0 <= i < len(lines):
        if lines[i] != '' and not lines[i].startswith('.\\"'):
            return i
        i += step
    return -1


def tidy(lines):
    changed = True
    while changed:
        changed = False
        out = []
        i = 0
        while i < len(lines):
            line = lines[i]
            if macro(line) == '.P':
                nxt = significant(lines, i + 1, 1)
                nmac = macro(lines[nxt]) if nxt >= 0 else ''
                prv = significant(out, len(out) - 1, -1)
                pmac = macro(out[prv]) if prv >= 0 else ''
                if nxt < 0 or nmac in HEADINGS + ('.P',):
                    changed = True       # empty paragraph
                    i += 1
                    continue
                if pmac in HEADINGS + ('.P',):
                    changed = True       # paragraph right after a heading
                    i += 1
                    continue
                if nmac == '.RE':
                    out.append(lines[nxt])  # end the block, then the .P
                    out.append(line)
                    del lines[nxt]
                    changed = True
                    i += 1
                    continue
            out.append(line)
            i += 1
        lines = out
    return lines


def main():
    if len(sys.argv) != 4:
        sys.exit('usage: tidy-roff.py VERSION INPUT OUTPUT')
    version, src, dst = sys.argv[1:]
    with open(src, encoding='utf-8') as f:
        text = f.read().replace('@MIC_VERSION@', version)
    lines = tidy(text.split('\n'))
    with open(dst, 'w', encoding='utf-8') as f:
        f.write('\n'.join(lines))


if __name__ == '__main__':
    main()
