//! Size figures of the store for monitoring: quads per graph.

use super::derived::EpochMemo;
use super::{StoreError, WarrantStore};
use oxigraph::model::GraphName;
use std::collections::HashMap;

impl WarrantStore {
    /// The number of quads in each graph (the default graph included), as of the current write
    /// epoch: counted once per write, not per call. The derivations graph, written by the
    /// background record writer, is counted as it was when the epoch's count was taken.
    pub fn quads_per_graph(&self) -> Result<HashMap<GraphName, usize>, StoreError> {
        struct Memo(EpochMemo<(), HashMap<GraphName, usize>>);
        impl Default for Memo {
            fn default() -> Self {
                Self(EpochMemo::new(1))
            }
        }
        self.shared::<Memo>().0.get_one(self, (), |_| {
            let mut counts = HashMap::new();
            for quad in self.store.iter() {
                *counts.entry(quad?.graph_name).or_insert(0) += 1;
            }
            Ok(counts)
        })
    }
}
