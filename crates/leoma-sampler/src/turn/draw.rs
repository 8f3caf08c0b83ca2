//! Where the turn's random choices come from: the operating system's CSPRNG under v1 (SPEC
//! §7.2, E8), or under v2 a SHA-256 stream seeded by the turn's block hash, so that any peer can
//! recompute the clip choice (documented byte for byte in `docs/sampler.md`).

use rand::RngCore;
use sha2::{Digest, Sha256};

/// Domain separation of the v2 stream.
pub const V2_DOMAIN: &[u8] = b"leoma:v2:clip-choice";

/// A stream of uniform 64-bit draws.
#[derive(Debug, Clone)]
pub enum Draw {
    /// `OsRng` (v1).
    Os,
    /// `u64_be(SHA-256(V2_DOMAIN ‖ block_hash ‖ u64_be(task_id) ‖ u64_be(counter))[0..8])`,
    /// counter 0, 1, 2, … (v2).
    Seeded {
        /// The block hash.
        block_hash: [u8; 32],
        /// The task id.
        task_id: u64,
        /// Draws taken so far.
        counter: u64,
    },
}

impl Draw {
    /// The v2 stream of a task.
    pub fn seeded(block_hash: [u8; 32], task_id: u64) -> Self {
        Draw::Seeded {
            block_hash,
            task_id,
            counter: 0,
        }
    }

    /// The next 64 uniform bits.
    pub fn next_u64(&mut self) -> u64 {
        match self {
            Draw::Os => rand::rngs::OsRng.next_u64(),
            Draw::Seeded {
                block_hash,
                task_id,
                counter,
            } => {
                let mut h = Sha256::new();
                h.update(V2_DOMAIN);
                h.update(block_hash.as_slice());
                h.update(task_id.to_be_bytes());
                h.update(counter.to_be_bytes());
                *counter += 1;
                let d = h.finalize();
                let mut first = [0u8; 8];
                first.copy_from_slice(&d[..8]);
                u64::from_be_bytes(first)
            }
        }
    }

    /// A uniform index in `[0, n)` (`(x × n) >> 64`); 0 when `n ≤ 1`.
    pub fn index(&mut self, n: usize) -> usize {
        if n <= 1 {
            return 0;
        }
        let x = u128::from(self.next_u64());
        usize::try_from((x * n as u128) >> 64).unwrap_or(0)
    }

    /// A uniform value in `[lo, hi]`: `lo + (x >> 11) / 2^53 × (hi − lo)`.
    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        let unit = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        lo + unit * (hi - lo)
    }

    /// Fisher–Yates: for i = n−1 down to 1, swap item i with item `index(i + 1)`.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.index(i + 1);
            items.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_stream_is_reproducible_and_task_bound() {
        let mut a = Draw::seeded([7; 32], 12);
        let mut b = Draw::seeded([7; 32], 12);
        let mut c = Draw::seeded([7; 32], 13);
        let xs: Vec<u64> = (0..4).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..4).map(|_| b.next_u64()).collect();
        let zs: Vec<u64> = (0..4).map(|_| c.next_u64()).collect();
        assert_eq!(xs, ys);
        assert_ne!(xs, zs);
        // Golden value: first 8 bytes of SHA-256(domain ‖ [7;32] ‖ be(12) ‖ be(0)).
        let mut h = Sha256::new();
        h.update(V2_DOMAIN);
        h.update([7u8; 32]);
        h.update(12u64.to_be_bytes());
        h.update(0u64.to_be_bytes());
        let d = h.finalize();
        assert_eq!(xs[0].to_be_bytes(), d[..8]);
    }

    #[test]
    fn index_and_uniform_stay_in_range() {
        let mut d = Draw::seeded([1; 32], 0);
        for n in [0usize, 1, 2, 3, 10, 1000] {
            for _ in 0..50 {
                let i = d.index(n);
                assert!(i < n.max(1));
            }
        }
        for _ in 0..100 {
            let u = d.uniform(2.0, 3.5);
            assert!((2.0..=3.5).contains(&u));
        }
        let mut v: Vec<u32> = (0..20).collect();
        d.shuffle(&mut v);
        let mut sorted = v.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..20).collect::<Vec<_>>());
        let mut os = Draw::Os;
        assert!(os.index(5) < 5);
    }
}
