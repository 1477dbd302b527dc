#!/usr/bin/env python3
"""prom_check.py -- parse Prometheus text (stdin) with prometheus_client's own
parser (Debian python3-prometheus-client) and print one line per family:
"<name> <type> <samples>". Exit 1 when it does not parse, 2 when the parser is
missing (scripts/packages.txt installs it). Run with /usr/bin/python3 so the
Debian package is found whatever python3 comes first on PATH."""
import sys
try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError:
    print("prom_check: prometheus_client is missing (scripts/packages.txt: "
          "python3-prometheus-client)", file=sys.stderr)
    sys.exit(2)
text = sys.stdin.read()
try:
    for fam in text_string_to_metric_families(text):
        print(fam.name, fam.type, len(fam.samples))
        for s in fam.samples:
            float(s.value)
except Exception as e:  # the parser raises ValueError and others on bad input
    print("prom_check: does not parse: %r" % (e,), file=sys.stderr)
    sys.exit(1)
