//! Write: produce every package's outputs in parallel (rayon, largest first), deterministically.

pub mod compress;
pub mod cpio;
