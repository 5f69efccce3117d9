#!/usr/bin/env python3
"""Materialise LUBM(1,0) (data + univ-bench ontology) with Warrant, `reasonable` and `owlrl`, each in
its own process, and print wall time and peak memory side by side, as ratios to Warrant.

    pip install reasonable==0.4.4 owlrl==7.6.2
    WARRANT_PEER_DIR=../shared/peer python3 benches/compare_reasoners.py [--owlrl-timeout 1800]

Each process reports its own figures: wall time from reading the input files to the materialised
result (parse + reason; Warrant also writes the inferred and derivations graphs into its store) and
peak resident memory (VmHWM / ru_maxrss). Warrant runs `cargo bench --bench reason -- materialize`
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

    base = rows[0]
    print(f"{'reasoner':<11} {'parse+reason s':>14} {'reason s':>9} {'peak MB':>8} {'time x':>7} {'mem x':>6}  output")
    for r in rows:
        if "timeout_s" in r:
            print(f"{r['reasoner']:<11} {'> %d' % r['timeout_s']:>14}")
            continue
        out = r.get("inferred", r.get("triples_out"))
        kind = "inferred triples" if "inferred" in r else "triples after reasoning"
        print(f"{r['reasoner']:<11} {r['total_ms'] / 1e3:>14.2f} {r['reason_ms'] / 1e3:>9.2f} "
              f"{r['peak_rss_kb'] / 1024:>8.0f} {r['total_ms'] / base['total_ms']:>7.1f} "
              f"{r['peak_rss_kb'] / base['peak_rss_kb']:>6.1f}  {out} {kind}")
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
