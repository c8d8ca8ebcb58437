#!/usr/bin/env python3
"""Check the programs' --json output against their schema files.

One checker for every schema of the tree (ntske-probe/json-schema.json,
nts-pcap/json-schema.json, ntsd/ntsd-status.schema.json, ...). Standard
library only; it understands the subset of JSON Schema the files use: type
(a name or a list of names), required, properties, additionalProperties
false, items, enum, minimum, maximum and pattern.

Two input forms, chosen by the schema:
  - a schema with "objects" (nts-pcap): JSON lines; each line is an object
    whose "type" names an entry of "objects" and whose "schema" is the
    schema's version; violations print as LINE:PATH: reason, and --want
    TYPE,... requires those types to appear;
  - any other schema: one JSON document; violations print as PATH: reason.
Exit status 0 when there is no violation (and, for JSON lines, at least
one object), 1 otherwise, 2 when the input is not JSON.

usage: validate-json.py SCHEMA [FILE] [--want TYPE,...]   (FILE: standard input)
"""
import json
import re
import sys

TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    # bool is a subclass of int in Python: keep them apart
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
}


def check(value, schema, path, errors):
    """Append a message to errors for every way value breaks schema."""
    want = schema.get("type")
    if want is not None:
        names = want if isinstance(want, list) else [want]
        if not any(TYPES[n](value) for n in names):
            errors.append(f"{path}: expected {'|'.join(names)}, got {type(value).__name__}")
            return
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{path}: {value!r} not one of {schema['enum']}")
    if TYPES["number"](value):
        if "minimum" in schema and value < schema["minimum"]:
            errors.append(f"{path}: {value} below minimum {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            errors.append(f"{path}: {value} above maximum {schema['maximum']}")
    if isinstance(value, str) and "pattern" in schema and not re.search(schema["pattern"], value):
        errors.append(f"{path}: {value!r} does not match /{schema['pattern']}/")
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for key in schema.get("required", []):
            if key not in value:
                errors.append(f"{path}: missing required member {key!r}")
        for key, sub in value.items():
            if key in props:
                check(sub, props[key], f"{path}.{key}", errors)
            elif schema.get("additionalProperties") is False:
                errors.append(f"{path}: member {key!r} is not in the schema")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            check(item, schema["items"], f"{path}[{i}]", errors)


def check_lines(schema, src, want):
    """JSON lines against schema["objects"]; returns the exit status."""
    errors, seen, n = [], set(), 0
    for lineno, line in enumerate(src, 1):
        try:
            doc = json.loads(line)
        except json.JSONDecodeError as e:
            print(f"{lineno}: not JSON: {e}")
            return 2
        n += 1
        kind = doc.get("type") if isinstance(doc, dict) else None
        if kind not in schema["objects"]:
            errors.append(f"{lineno}: unknown object type {kind!r}")
            continue
        seen.add(kind)
        if doc.get("schema") != schema["schema"]:
            errors.append(f"{lineno}: schema {doc.get('schema')!r}, want {schema['schema']!r}")
        check(doc, schema["objects"][kind], f"{lineno}:$", errors)
    for kind in sorted(want - seen):
        errors.append(f"no object of type {kind!r} in the input")
    for e in errors[:50]:
        print(e)
    if n == 0:
        print("no objects")
        return 1
    if not errors:
        print(f"{n} objects valid against {schema['schema']} ({', '.join(sorted(seen))})")
    return 1 if errors else 0


def check_document(schema, text):
    """One JSON document against schema; returns the exit status."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        print(f"not JSON: {e}", file=sys.stderr)
        return 2
    errors = []
    check(doc, schema, "$", errors)
    for e in errors:
        print(e)
    if not errors:
        print("valid against", schema.get("properties", {}).get("schema", {}).get("enum", ["?"])[0])
    return 1 if errors else 0


def main(argv):
    want = set()
    if "--want" in argv:
        i = argv.index("--want")
        want = set(argv[i + 1].split(","))
        del argv[i:i + 2]
    if len(argv) not in (2, 3):
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    src = open(argv[2], encoding="utf-8") if len(argv) == 3 else sys.stdin
    if "objects" in schema:
        return check_lines(schema, src, want)
    return check_document(schema, src.read())


if __name__ == "__main__":
    sys.exit(main(sys.argv))
