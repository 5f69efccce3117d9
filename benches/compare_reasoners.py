#!/usr/bin/env python3
"""Materialise LUBM(1,0) (data + univ-bench ontology) with Warrant, `reasonable` and `owlrl`, each in
its own process, and print wall time and peak memory side by side, as ratios to Warrant.

    pip install reasonable==0.4.4 owlrl==7.6.2
    WARRANT_PEER_DIR=../shared/peer python3 benches/compare_reasoners.py [--owlrl-timeout 1800]

Each process reports its own figures: wall time from reading the input files to the materialised
result (parse + reason; Warrant also writes the inferred and derivations graphs into its store) and
peak resident memory (VmHWM / ru_maxrss). Warrant is reported at two points: (a) when the inferred
graph is committed and queryable, (b) when its derivation records, written in the background, are
persisted too (peak memory is measured at (b), the process's maximum). Ratios are to Warrant (a)
and (b) (above 1: slower / bigger than Warrant). Warrant runs `cargo bench --bench reason -- materialize`
(release build) unless WARRANT_BENCH_CMD says otherwise.
"""
import gzip
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PEER = os.environ.get("WARRANT_PEER_DIR", os.path.join(ROOT, "..", "shared", "peer"))
LUBM = os.path.join(PEER, "lubm")


def peak_kb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def run_reasonable(data, onto):
    import reasonable

    t0 = time.perf_counter()
    r = reasonable.PyReasoner()
    r.load_file(onto)
    r.load_file(data)
    t1 = time.perf_counter()
    triples = r.reason()
    t2 = time.perf_counter()
    return {"parse_ms": (t1 - t0) * 1e3, "reason_ms": (t2 - t1) * 1e3, "total_ms": (t2 - t0) * 1e3,
            "triples_out": len(triples)}


def run_owlrl(data, onto):
    import owlrl
    import rdflib

    t0 = time.perf_counter()
    g = rdflib.Graph()
    g.parse(onto, format="turtle")
    g.parse(data, format="nt")
    n = len(g)
    t1 = time.perf_counter()
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(g)
    t2 = time.perf_counter()
    return {"parse_ms": (t1 - t0) * 1e3, "reason_ms": (t2 - t1) * 1e3, "total_ms": (t2 - t0) * 1e3,
            "triples_in": n, "triples_out": len(g)}


def child(name, data, onto):
    result = (run_reasonable if name == "reasonable" else run_owlrl)(data, onto)
    result["reasoner"] = name
    result["peak_rss_kb"] = peak_kb()
    print(json.dumps(result))


def last_json(text):
    for line in reversed(text.strip().splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    raise RuntimeError("no JSON line in output:\n" + text)


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3], sys.argv[4])
        return
    timeout = 1800
    if "--owlrl-timeout" in sys.argv:
        timeout = int(sys.argv[sys.argv.index("--owlrl-timeout") + 1])
    tmp = tempfile.mkdtemp(prefix="lubm-")
    data = os.path.join(tmp, "lubm1.ttl")  # N-Triples is Turtle; reasonable reads .ttl/.n3 only
    with gzip.open(os.path.join(LUBM, "lubm1.nt.gz"), "rb") as src, open(data, "wb") as dst:
        shutil.copyfileobj(src, dst)
    onto = os.path.join(LUBM, "ontology", "univ-bench.ttl")

    rows = []
    cmd = os.environ.get("WARRANT_BENCH_CMD", "cargo bench --bench reason -- materialize")
    env = dict(os.environ, WARRANT_PEER_DIR=os.path.abspath(PEER))
    out = subprocess.run(cmd, shell=True, cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    rows.append(last_json(out.stdout))
    for name, limit in (("reasonable", 600), ("owlrl", timeout)):
        try:
            out = subprocess.run([sys.executable, __file__, "--child", name, data, onto],
                                 capture_output=True, text=True, timeout=limit, check=True)
            rows.append(last_json(out.stdout))
        except subprocess.TimeoutExpired:
            rows.append({"reasoner": name, "timeout_s": limit})
    shutil.rmtree(tmp)

    # Compute = reading the input into the reasoner's own structures and reaching the fixpoint
    # (Warrant: reading its store + semi-naive rounds); persist = Warrant writing its result into its
    # store (the Python reasoners keep their result in memory only). Warrant is reported twice:
    # (a) until the inferred graph is committed and queryable (its call returns), persist = writing
    # the inferred graph; (b) until the derivation records are persisted too (the records barrier,
    # reached by the background writer), persist = inferred graph + derivation records.
    warrant = rows[0]
    d = warrant["detail"]
    compute = d["load_ms"] + d["reason_ms"]
    a = dict(warrant, reasoner="warrant (a)", compute_ms=compute,
             persist_ms=warrant["reason_ms"] - compute, total_ms=warrant["inferred_total_ms"],
             peak_rss_kb=None)
    b = dict(warrant, reasoner="warrant (b)", compute_ms=compute,
             persist_ms=warrant["records_ms"] - compute, total_ms=warrant["total_ms"])
    rows = [a, b] + rows[1:]
    for r in rows[2:]:
        if "reason_ms" in r:
            r["compute_ms"], r["persist_ms"] = r["reason_ms"], 0.0
    print(f"{'reasoner':<12} {'parse s':>8} {'compute s':>9} {'persist s':>9} {'total s':>8} {'peak MB':>8}"
          f" {'compute x':>9} {'total x (a)':>11} {'total x (b)':>11} {'mem x':>6}  output")
    for r in rows:
        if "timeout_s" in r:
            print(f"{r['reasoner']:<12} {'timeout after %d s' % r['timeout_s']}")
            continue
        out = r.get("inferred", r.get("triples_out"))
        kind = "inferred triples (+ derivations graph)" if "inferred" in r else "triples after reasoning"
        peak = r["peak_rss_kb"]
        mem = f"{peak / 1024:>8.0f}" if peak else f"{'(b)':>8}"
        memx = f"{peak / b['peak_rss_kb']:>6.1f}" if peak else f"{'':>6}"
        print(f"{r['reasoner']:<12} {r['parse_ms'] / 1e3:>8.2f} {r['compute_ms'] / 1e3:>9.2f} {r['persist_ms'] / 1e3:>9.2f}"
              f" {r['total_ms'] / 1e3:>8.2f} {mem}"
              f" {r['compute_ms'] / compute:>9.1f} {r['total_ms'] / a['total_ms']:>11.1f}"
              f" {r['total_ms'] / b['total_ms']:>11.1f} {memx}  {out} {kind}")
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
