//! Search benchmark: generate N passages (default 1,000,000) in an in-memory store, build the index
//! from the graph (the same rebuild `warrant serve` runs at start), then time one-term, three-term
//! (three words of one passage), phrase (two adjacent words of a passage) and fuzzy (a misspelt word
//! of 9+ letters) searches through `SearchIndex::search` (top 10 with snippets), through SPARQL
//! `SERVICE wr:search`, and as a SPARQL `regex` FILTER. Prints throughput and p50 / p99 latencies;
//! "matches" is the total for searches and the rows returned for SPARQL.
//!
//! ```sh
//! cargo bench --bench search                      # release build
//! WARRANT_BENCH_PASSAGES=100000 cargo bench --bench search
//! ```
//!
//! The text is generated from a fixed seed: a Zipf-distributed vocabulary of 30,000 made-up words
//! (built from syllables, so misspellings look like real ones), 12 to 40 words a passage, one
//! source per 50 passages.

use oxigraph::model::{GraphName, Literal, NamedNode, Quad};
use std::time::{Duration, Instant};
use warrant::search::{IndexLocation, SearchIndex, SearchRequest};
use warrant::store::{DatasetMode, ProtocolDataset, WarrantStore, parse_query};
use warrant::vocab;

const VOCABULARY: usize = 30_000;
const SYLLABLES: [&str; 24] = [
    "ka", "lo", "mi", "tu", "re", "san", "vi", "dor", "el", "phy", "cal", "tro", "gen", "mab",
    "ly", "sta", "ri", "neu", "xo", "bi", "ta", "pre", "lin", "os",
];

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// A Zipf-like rank in 0..n (exponent 1), by inverting the harmonic CDF approximately.
    fn zipf(&mut self, n: usize) -> usize {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        let r = ((n as f64 + 1.0).ln() * u).exp() - 1.0;
        (r as usize).min(n - 1)
    }
}

fn vocabulary(rng: &mut Rng) -> Vec<String> {
    let mut words = std::collections::BTreeSet::new();
    while words.len() < VOCABULARY {
        let syllables = 2 + rng.below(4);
        let word: String = (0..syllables)
            .map(|_| SYLLABLES[rng.below(SYLLABLES.len())])
            .collect();
        words.insert(word);
    }
    let mut words: Vec<String> = words.into_iter().collect();
    for i in (1..words.len()).rev() {
        words.swap(i, rng.below(i + 1));
    }
    words
}

fn passages(n: usize, words: &[String], rng: &mut Rng) -> (Vec<Quad>, Vec<Vec<usize>>) {
    let graph = GraphName::NamedNode(NamedNode::new_unchecked(
        "https://w3id.org/warrant/graph/file/bench.ttl",
    ));
    let mut quads = Vec::with_capacity(n * 3 + n / 50 * 2);
    let mut texts = Vec::with_capacity(n);
    for s in 0..n.div_ceil(50) {
        let source = NamedNode::new_unchecked(format!("{}bench-source-{s}", vocab::ID));
        quads.push(Quad::new(
            source.clone(),
            vocab::RDF_TYPE,
            vocab::SOURCE,
            graph.clone(),
        ));
        quads.push(Quad::new(
            source,
            vocab::DCT_TITLE,
            Literal::from(format!("Benchmark source {s}")),
            graph.clone(),
        ));
    }
    for i in 0..n {
        let passage = NamedNode::new_unchecked(format!("{}bench-p{i}", vocab::ID));
        let source = NamedNode::new_unchecked(format!("{}bench-source-{}", vocab::ID, i / 50));
        let len = 12 + rng.below(29);
        let ranks: Vec<usize> = (0..len).map(|_| rng.zipf(VOCABULARY)).collect();
        let text = ranks
            .iter()
            .map(|r| words[*r].as_str())
            .collect::<Vec<_>>()
            .join(" ");
        quads.push(Quad::new(
            passage.clone(),
            vocab::RDF_TYPE,
            vocab::PASSAGE,
            graph.clone(),
        ));
        quads.push(Quad::new(
            passage.clone(),
            vocab::IN_SOURCE,
            source,
            graph.clone(),
        ));
        quads.push(Quad::new(
            passage,
            vocab::TEXT,
            Literal::from(text),
            graph.clone(),
        ));
        texts.push(ranks);
    }
    (quads, texts)
}

/// A misspelling: one letter swapped for another in the middle of the word.
fn misspell(word: &str) -> String {
    let mut chars: Vec<char> = word.chars().collect();
    let middle = chars.len() / 2;
    chars[middle] = if chars[middle] == 'q' { 'w' } else { 'q' };
    chars.into_iter().collect()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn report(name: &str, mut times: Vec<Duration>, hits: usize) {
    times.sort();
    println!(
        "{name:<38} n={:<4} p50 {:>9.3} ms   p99 {:>9.3} ms   mean matches {}",
        times.len(),
        percentile(&times, 0.5).as_secs_f64() * 1e3,
        percentile(&times, 0.99).as_secs_f64() * 1e3,
        hits / times.len().max(1)
    );
}

fn main() {
    let n: usize = std::env::var("WARRANT_BENCH_PASSAGES")
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(1_000_000);
    let runs: usize = std::env::var("WARRANT_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let mut rng = Rng(0x5EED_CAFE_F00D_1234);
    let words = vocabulary(&mut rng);
    let started = Instant::now();
    let (quads, texts) = passages(n, &words, &mut rng);
    println!(
        "generated {n} passages ({} quads) in {:.1?}",
        quads.len(),
        started.elapsed()
    );

    let store = WarrantStore::in_memory(DatasetMode::UnionOfContent).expect("store");
    let started = Instant::now();
    let mut loader = store.oxigraph().bulk_loader();
    loader.load_quads(quads).expect("bulk load");
    loader.commit().expect("bulk load commit");
    println!("loaded into the store in {:.1?}", started.elapsed());

    let started = Instant::now();
    let (index, report_open) =
        SearchIndex::open(&IndexLocation::Memory, &store, &mut |_, _| {}).expect("index");
    let took = started.elapsed();
    println!(
        "indexed {} documents in {:.1?}: {:.0} passages/s (graph -> documents -> tantivy, one commit)",
        report_open.documents,
        took,
        n as f64 / took.as_secs_f64()
    );
    index.attach(&store);

    // Query terms: mid-frequency words (ranks 50..2000), phrases taken from generated passages.
    let mid = |rng: &mut Rng| words[50 + rng.below(1950)].clone();
    let mut one = Vec::new();
    let mut three = Vec::new();
    let mut phrase = Vec::new();
    let mut fuzzy = Vec::new();
    for _ in 0..runs {
        one.push(mid(&mut rng));
        let text = &texts[rng.below(texts.len())];
        let pick = |rng: &mut Rng| words[text[rng.below(text.len())]].clone();
        three.push(format!(
            "{} {} {}",
            pick(&mut rng),
            pick(&mut rng),
            pick(&mut rng)
        ));
        let at = rng.below(text.len() - 1);
        phrase.push(format!("\"{} {}\"", words[text[at]], words[text[at + 1]]));
        let long = loop {
            let w = mid(&mut rng);
            if w.chars().count() >= 9 {
                break w;
            }
        };
        fuzzy.push(misspell(&long));
    }
    let sets = [
        ("one term", &one),
        ("three terms", &three),
        ("phrase", &phrase),
        ("fuzzy (1-2 typos)", &fuzzy),
    ];
    for (name, queries) in sets {
        let mut times = Vec::new();
        let mut hits = 0;
        for q in queries.iter() {
            let started = Instant::now();
            let results = index
                .search(&SearchRequest::new(q.clone()))
                .expect("search");
            times.push(started.elapsed());
            hits += results.total;
        }
        report(&format!("search: {name}"), times, hits);
    }

    // The same through SPARQL: SERVICE wr:search, and a regex FILTER over every passage text.
    let regex_runs = std::env::var("WARRANT_BENCH_REGEX_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10usize);
    let run_sparql = |query: String| -> usize {
        let parsed = parse_query(&query, None).expect("query");
        match store
            .evaluate(&parsed, &ProtocolDataset::default(), &[], None)
            .expect("evaluate")
        {
            oxigraph::sparql::QueryResults::Solutions(s) => s.count(),
            _ => 0,
        }
    };
    for (name, queries) in sets {
        let mut times = Vec::new();
        let mut hits = 0;
        for q in queries.iter() {
            let started = Instant::now();
            hits += run_sparql(format!(
                "SELECT ?hit ?score WHERE {{ SERVICE <{}> {{ ?hit <{}> {} ; <{}> 10 ; <{}> ?score }} }}",
                vocab::SEARCH_SERVICE.as_str(),
                vocab::SEARCH_QUERY.as_str(),
                Literal::from(q.as_str()),
                vocab::SEARCH_LIMIT.as_str(),
                vocab::SEARCH_SCORE.as_str()
            ));
            times.push(started.elapsed());
        }
        report(&format!("SERVICE wr:search: {name}"), times, hits);
    }
    for (name, queries) in sets {
        let mut times = Vec::new();
        let mut hits = 0;
        for q in queries.iter().take(regex_runs) {
            let filter = regex_filter(q);
            let started = Instant::now();
            hits += run_sparql(format!(
                "SELECT ?hit WHERE {{ ?hit <{}> ?t FILTER({filter}) }}",
                vocab::TEXT.as_str()
            ));
            times.push(started.elapsed());
        }
        report(&format!("regex FILTER: {name}"), times, hits);
    }
}

/// The regex FILTER a user would write for the same search (every word, case-insensitive; a phrase
/// as one pattern; a typo as the misspelt word, which finds nothing — regex has no tolerance).
fn regex_filter(q: &str) -> String {
    let pattern = |p: &str| format!("regex(?t, {}, \"i\")", Literal::from(p));
    match q.strip_prefix('"').and_then(|p| p.strip_suffix('"')) {
        Some(phrase) => pattern(phrase),
        None => q
            .split_whitespace()
            .map(pattern)
            .collect::<Vec<_>>()
            .join(" && "),
    }
}
