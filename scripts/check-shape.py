#!/usr/bin/env python3
"""The code's shape, as issue 16 set it (docs/architecture.md, "Keeping the shape").

Checks, over the production code (app/src, server/src; unit-test modules not counted):
  1. no file over 400 lines, except the data tables listed in DATA_TABLES;
  2. the body of every `#[server]` function and every HTTP handler under 15 lines (from the line
     that opens it to the closing brace: the signature lists the form's fields and extractors,
     which is declaration, not work);
  3. no import cycle among the modules of app/src/server;
  4. every service taking a `UseCase` runs in a span that names it
     (`#[tracing::instrument(skip_all, fields(use_case = "module.name"))]`), so an internal error's
     log line says what was being done.
Prints each breach and exits 1 if there is any. With `--baseline FILE`, breaches listed in FILE
(the ones still to mend, by file and function, without line numbers or counts) are reported but
allowed, and a breach not in it fails: the shape may only get better. `make lint` runs it so.
Run from the project root: `scripts/check-shape.py [--baseline scripts/shape-baseline.txt]`.
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
MAX_FILE = 400
MAX_ADAPTER = 15
# Files that are long because they hold data, not logic.
DATA_TABLES = {
    "app/src/domain/calendar_data.rs",
    "app/src/server/demo_data.rs",
}
# Where axum handlers live: every `pub async fn` taking an extractor here is one (a private helper
# that takes, say, the multipart body from its handler is not).
HANDLER_FILES = re.compile(r"server/src/(api_v1/[a-z_]+|[a-z_]*routes|downloads)\.rs$")
EXTRACTOR = re.compile(r"\b(State|Caller|Path|ApiPath|Query|ApiQuery|Json|ApiJson|Form|Multipart|Require|HeaderMap|Extension)\b")


def production_lines(text):
    """The file's lines up to its unit-test module."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.strip() == "#[cfg(test)]" and i + 1 < len(lines) and lines[i + 1].lstrip().startswith("mod tests"):
            return lines[:i]
    return lines


def function_spans(lines, first_only=False):
    """(name, first line, length of the body in lines, signature) of every fn (or only the
    first), by brace matching."""
    spans = []
    for i, line in enumerate(lines):
        m = re.match(r"\s*(pub(\([a-z]+\))? )?(async )?fn ([a-z_0-9]+)", line)
        if not m:
            continue
        depth, started, sig, opened = 0, False, [], i
        for j in range(i, len(lines)):
            code = re.sub(r'"([^"\\]|\\.)*"', '""', lines[j].split("//")[0])
            if not started:
                sig.append(code)
            if ";" in code and not started and "{" not in code:
                break
            depth += code.count("{") - code.count("}")
            if "{" in code and not started:
                started, opened = True, j
            if started and depth <= 0:
                spans.append((m.group(4), i, j - opened + 1, " ".join(sig)))
                break
        if first_only and spans:
            break
    return spans


def check_files(breaches):
    for path in sorted(list((ROOT / "app/src").rglob("*.rs")) + list((ROOT / "server/src").rglob("*.rs"))):
        rel = str(path.relative_to(ROOT))
        lines = production_lines(path.read_text())
        if len(lines) > MAX_FILE and rel not in DATA_TABLES:
            breaches.append(f"{rel}: {len(lines)} lines (at most {MAX_FILE})")
        for i, line in enumerate(lines):
            if line.startswith("#[server"):
                for name, start, length, _ in function_spans(lines[i:], first_only=True):
                    if length > MAX_ADAPTER:
                        breaches.append(f"{rel}:{i + start + 1}: server function {name} is {length} lines (under {MAX_ADAPTER})")
                    break
        if HANDLER_FILES.search(rel):
            for name, start, length, sig in function_spans(lines):
                handler = re.match(r"\s*pub async fn", lines[start])
                if handler and EXTRACTOR.search(sig) and length > MAX_ADAPTER:
                    breaches.append(f"{rel}:{start + 1}: handler {name} is {length} lines (under {MAX_ADAPTER})")


def check_spans(breaches):
    base = ROOT / "app/src/server"
    for path in sorted(base.rglob("*.rs")):
        rel = str(path.relative_to(ROOT))
        lines = production_lines(path.read_text())
        for name, start, _, sig in function_spans(lines):
            if not re.match(r"\s*pub async fn", lines[start]) or not re.search(r"\buc: &UseCase\b", sig):
                continue
            above = []
            k = start - 1
            while k >= 0 and lines[k].strip().startswith(("#[", "///", "//")):
                above.append(lines[k])
                k -= 1
            if not any("tracing::instrument" in a and "use_case =" in a for a in above):
                breaches.append(f"{rel}:{start + 1}: use case {name} has no span naming it")


def module_of(path, base):
    rel = path.relative_to(base).with_suffix("")
    return rel.parts[0]


def check_cycles(breaches):
    base = ROOT / "app/src/server"
    modules = {}
    for path in base.rglob("*.rs"):
        if path.name == "mod.rs" and path.parent == base:
            continue
        modules.setdefault(module_of(path, base), []).append(path)
    names = set(modules)
    graph = {m: set() for m in names}
    for m, paths in modules.items():
        for path in paths:
            code = [l.split("//")[0] for l in production_lines(path.read_text())]
            text = "\n".join(code)
            # `super::` names the server level from server/x.rs and server/x/mod.rs, but a sibling
            # from deeper files (server/x/y.rs), where the server level is `super::super::`.
            nested = len(path.relative_to(base).parts) > 1 and path.name != "mod.rs"
            if nested:
                text = re.sub(r"(?<!super::)super::(?!super::)", "sibling::", text)
                text = text.replace("super::super::", "super::")
            for other in re.findall(r"(?:crate::server::|super::)([a-z_0-9]+)", text):
                if other in names and other != m:
                    graph[m].add(other)
            for group in re.findall(r"(?:crate::server|super)::\{([^}]*)\}", text):
                for other in re.findall(r"\b([a-z_0-9]+)\b", group):
                    if other in names and other != m:
                        graph[m].add(other)
    # Tarjan's strongly connected components.
    index, low, stack, on, sccs, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            scc = []
            while True:
                w = stack.pop()
                on.discard(w)
                scc.append(w)
                if w == v:
                    break
            if len(scc) > 1:
                sccs.append(sorted(scc))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    if "-v" in sys.argv:
        for m in sorted(graph):
            print(m, "->", " ".join(sorted(graph[m])))
    for scc in sccs:
        breaches.append("import cycle among app/src/server modules: " + " ↔ ".join(scc))


def key(breach):
    """A breach without its line number and figures, as the baseline lists it."""
    breach = re.sub(r":\d+: ", ": ", breach)
    breach = re.sub(r": \d+ lines \(at most \d+\)$", ": file over the limit", breach)
    return re.sub(r" is \d+ lines.*", "", breach)


def main():
    breaches = []
    check_files(breaches)
    check_spans(breaches)
    check_cycles(breaches)
    allowed = set()
    if "--baseline" in sys.argv:
        path = ROOT / sys.argv[sys.argv.index("--baseline") + 1]
        allowed = {l.strip() for l in path.read_text().splitlines() if l.strip() and not l.startswith("#")}
    new = [b for b in breaches if key(b) not in allowed]
    for b in breaches:
        print(("NEW " if b in new else "") + b)
    if "--write-baseline" in sys.argv:
        print("\n".join(sorted({key(b) for b in breaches})))
    print(f"{len(breaches)} breaches of the shape, {len(new)} not in the baseline")
    return 1 if new else 0


if __name__ == "__main__":
    sys.exit(main())
