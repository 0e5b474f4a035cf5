//! The GNU version sections (`SHT_GNU_verdef`, `SHT_GNU_verneed`), read with work bounded by
//! their size. Their records link to each other by offsets and carry their own counts; a
//! crafted section (records overlapping at every byte, counts of 65535 that revisit one
//! record) made goblin's iteration take 10 s and 1.9 GB for a 148 KB file. Here every record
//! read, main or auxiliary, spends one unit of a budget of one record per 8 bytes of the
//! section (the smallest record, `Verdaux`, is 8 bytes), and what is collected is
//! deduplicated: a section can name each version at most once.

use std::collections::{HashMap, HashSet};

use object::read::elf::{FileHeader, SectionHeader};
use object::Endianness;

use super::{Strings, VerNeed};

/// How many records a section of `size` bytes may hold: one per 8 bytes.
fn budget(size: u64) -> u64 {
    size / 8
}

/// Spend one record of `budget`; false when none is left.
fn spend(budget: &mut u64) -> bool {
    if *budget == 0 {
        return false;
    }
    *budget -= 1;
    true
}

/// The versions a `SHT_GNU_verdef` section defines, other than the base one (`VER_FLG_BASE`,
/// the file itself): each definition's first name, as rpm's elfdeps takes it; and the base
/// one's name into `base` (elfdeps names the version provides after it).
pub(super) fn definitions<Elf: FileHeader<Endian = Endianness>>(
    section: &Elf::SectionHeader,
    endian: Endianness,
    bytes: &[u8],
    strings: &Strings<'_, '_>,
    out: &mut Vec<String>,
    base: &mut Option<String>,
) {
    let Ok(Some((mut defs, _))) = section.gnu_verdef(endian, bytes) else {
        return;
    };
    let mut budget = budget(section.sh_size(endian).into());
    let mut seen: HashSet<String> = out.iter().cloned().collect();
    while let Ok(Some((def, mut names))) = defs.next() {
        if !spend(&mut budget) {
            return;
        }
        if def.vd_flags.get(endian).0 & object::elf::VER_FLG_BASE.0 != 0 {
            if let Ok(Some(first)) = names.next() {
                *base = strings.get(first.vda_name.get(endian).into());
            }
            continue;
        }
        if !spend(&mut budget) {
            return;
        }
        if let Ok(Some(first)) = names.next() {
            if let Some(name) = strings.get(first.vda_name.get(endian).into()) {
                if seen.insert(name.clone()) {
                    out.push(name);
                }
            }
        }
    }
}

/// The versions a `SHT_GNU_verneed` section needs, by library: libraries in the order first
/// seen, each once, each version once.
pub(super) fn needs<Elf: FileHeader<Endian = Endianness>>(
    section: &Elf::SectionHeader,
    endian: Endianness,
    bytes: &[u8],
    strings: &Strings<'_, '_>,
    out: &mut Vec<VerNeed>,
) {
    let Ok(Some((mut needs, _))) = section.gnu_verneed(endian, bytes) else {
        return;
    };
    let mut budget = budget(section.sh_size(endian).into());
    let mut files: HashMap<String, usize> = (out.iter().enumerate())
        .map(|(i, n)| (n.file.clone(), i))
        .collect();
    let mut seen: HashSet<(usize, String)> = HashSet::new();
    while let Ok(Some((need, mut auxes))) = needs.next() {
        if !spend(&mut budget) {
            return;
        }
        let Some(file) = strings.get(need.vn_file.get(endian).into()) else {
            continue;
        };
        let i = *files.entry(file.clone()).or_insert_with(|| {
            out.push(VerNeed {
                file,
                versions: Vec::new(),
            });
            out.len() - 1
        });
        while let Ok(Some(aux)) = auxes.next() {
            if !spend(&mut budget) {
                return;
            }
            if let Some(v) = strings.get(aux.vna_name.get(endian).into()) {
                if seen.insert((i, v.clone())) {
                    out[i].versions.push(v);
                }
            }
        }
    }
}
