//! ELF facts: what rules and dependency generation need to know about an ELF file, read with
//! goblin from memory-mapped bytes. Parsing is best effort: a file with ELF magic that goblin
//! cannot parse yields no facts (it is then classified by path only), never a failed run.
//!
//! This module reads bytes and reports facts; it decides nothing about packages.

use goblin::elf::dynamic::{DF_1_PIE, DT_DEBUG, DT_FLAGS_1, DT_GNU_HASH, DT_HASH};
use goblin::elf::header::{ET_DYN, ET_EXEC, ET_REL};
use serde::Serialize;

/// The kind of an ELF file, as rules name it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ElfKind {
    /// ET_EXEC: a position-dependent executable.
    Executable,
    /// ET_DYN with DF_1_PIE (or DT_DEBUG): a position-independent executable.
    Pie,
    /// ET_DYN without PIE markers: a shared object (library or plugin).
    SharedObject,
    /// ET_REL: an object file.
    Relocatable,
    #[default]
    Other,
}

impl ElfKind {
    pub fn parse(s: &str) -> Option<ElfKind> {
        Some(match s {
            "executable" | "exec" => ElfKind::Executable,
            "pie" => ElfKind::Pie,
            "shared-object" | "so" => ElfKind::SharedObject,
            "relocatable" => ElfKind::Relocatable,
            _ => return None,
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            ElfKind::Executable => "executable",
            ElfKind::Pie => "pie",
            ElfKind::SharedObject => "shared-object",
            ElfKind::Relocatable => "relocatable",
            ElfKind::Other => "other",
        }
    }
}

/// The rpm architecture of an ELF file's machine and class (`x86_64`, `aarch64`, …), where it
/// has one without further flags.
pub fn rpm_arch(machine: u16, class64: bool) -> Option<&'static str> {
    Some(match (machine, class64) {
        (62, true) => "x86_64",
        (3, false) => "i686",
        (183, true) => "aarch64",
        (21, true) => "ppc64le",
        (22, true) => "s390x",
        (243, true) => "riscv64",
        (258, true) => "loongarch64",
        _ => return None,
    })
}

/// An ELF machine number as readelf names it (`x86-64`, `AArch64`, …), else `machine N`.
pub fn machine_name(machine: u16) -> String {
    let name = match machine {
        3 => "Intel 80386",
        8 => "MIPS",
        20 => "PowerPC",
        21 => "PowerPC64",
        22 => "IBM S/390",
        40 => "ARM",
        62 => "x86-64",
        183 => "AArch64",
        243 => "RISC-V",
        258 => "LoongArch",
        _ => return format!("machine {machine}"),
    };
    name.to_string()
}

/// Version needs of one NEEDED library.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerNeed {
    pub file: String,
    pub versions: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ElfFacts {
    pub kind: ElfKind,
    pub class64: bool,
    pub machine: u16,
    pub soname: Option<String>,
    pub needed: Vec<String>,
    pub runpath: Vec<String>,
    pub interpreter: Option<String>,
    /// Defined, exported dynamic symbols (sorted).
    #[serde(skip)]
    pub symbols: Vec<String>,
    /// Version definitions other than the base (file) one.
    pub verdefs: Vec<String>,
    pub verneeds: Vec<VerNeed>,
    pub build_id: Option<String>,
    pub gnu_hash: bool,
    pub sysv_hash: bool,
    /// DT_DEBUG present (rpm's elfdeps uses it to recognise PIE executables).
    pub has_debug: bool,
    /// A `.debug_*` (or `.zdebug_*`) section: debug information to split out.
    pub debug_sections: bool,
    /// A `.symtab` (`file` says "not stripped"; find-debuginfo strips such files).
    pub symtab: bool,
}

impl ElfFacts {
    /// Parse ELF facts from bytes. `None` when goblin cannot parse them.
    pub fn parse(bytes: &[u8]) -> Option<ElfFacts> {
        let elf = goblin::elf::Elf::parse(bytes).ok()?;
        let mut has_debug = false;
        let mut pie_flag = false;
        let mut gnu_hash = false;
        let mut sysv_hash = false;
        if let Some(dynamic) = &elf.dynamic {
            for d in &dynamic.dyns {
                match d.d_tag {
                    DT_DEBUG => has_debug = true,
                    DT_FLAGS_1 if d.d_val & DF_1_PIE != 0 => pie_flag = true,
                    DT_GNU_HASH => gnu_hash = true,
                    DT_HASH => sysv_hash = true,
                    _ => {}
                }
            }
        }
        let kind = match elf.header.e_type {
            ET_EXEC => ElfKind::Executable,
            ET_DYN if pie_flag || (has_debug && elf.interpreter.is_some()) => ElfKind::Pie,
            ET_DYN => ElfKind::SharedObject,
            ET_REL => ElfKind::Relocatable,
            _ => ElfKind::Other,
        };
        let strtab = &elf.dynstrtab;
        let get = |off: usize| strtab.get_at(off).map(str::to_owned);

        let mut verdefs = Vec::new();
        if let Some(vd) = &elf.verdef {
            for def in vd.iter() {
                // VER_FLG_BASE (1) names the file itself, not a version.
                if def.vd_flags & 1 != 0 {
                    continue;
                }
                if let Some(name) = def.iter().next().and_then(|aux| get(aux.vda_name)) {
                    verdefs.push(name);
                }
            }
        }
        let mut verneeds = Vec::new();
        if let Some(vn) = &elf.verneed {
            for need in vn.iter() {
                let Some(file) = get(need.vn_file) else {
                    continue;
                };
                let versions = need.iter().filter_map(|aux| get(aux.vna_name)).collect();
                verneeds.push(VerNeed { file, versions });
            }
        }
        let mut symbols: Vec<String> = elf
            .dynsyms
            .iter()
            .filter(|s| {
                s.st_shndx != 0
                    && s.st_value != 0
                    && matches!(
                        s.st_bind(),
                        goblin::elf::sym::STB_GLOBAL | goblin::elf::sym::STB_WEAK
                    )
            })
            .filter_map(|s| elf.dynstrtab.get_at(s.st_name).map(str::to_owned))
            .filter(|n| !n.is_empty())
            .collect();
        symbols.sort();
        symbols.dedup();

        // goblin's note iterator yields the same error forever after a malformed note (a
        // namesz past the segment): stop at the first error.
        let build_id = elf.iter_note_headers(bytes).and_then(|notes| {
            // stop at the first bad note: goblin's iterator yields the same error forever on a
            // truncated note (found by fuzz/ elf_facts; fuzz/regressions/elf_facts/)
            notes
                .map_while(Result::ok)
                .find(|n| n.n_type == goblin::elf::note::NT_GNU_BUILD_ID && n.name == "GNU")
                .map(|n| {
                    n.desc
                        .iter()
                        .map(|b| format!("{b:02x}"))
                        .collect::<String>()
                })
        });

        Some(ElfFacts {
            kind,
            class64: elf.is_64,
            machine: elf.header.e_machine,
            soname: elf.soname.map(str::to_owned),
            needed: elf.libraries.iter().map(|s| s.to_string()).collect(),
            runpath: elf
                .runpaths
                .iter()
                .chain(elf.rpaths.iter())
                .map(|s| s.to_string())
                .collect(),
            interpreter: elf.interpreter.map(str::to_owned),
            symbols,
            verdefs,
            verneeds,
            build_id,
            gnu_hash,
            sysv_hash,
            has_debug,
            debug_sections: elf.section_headers.iter().any(|s| {
                elf.shdr_strtab
                    .get_at(s.sh_name)
                    .is_some_and(|n| n.starts_with(".debug_") || n.starts_with(".zdebug_"))
            }),
            symtab: (elf.section_headers.iter())
                .any(|s| s.sh_type == goblin::elf::section_header::SHT_SYMTAB),
        })
    }

    pub fn defines(&self, symbol: &str) -> bool {
        self.symbols
            .binary_search_by(|s| s.as_str().cmp(symbol))
            .is_ok()
    }

    /// rpm's dependency marker for this file's class and machine: `(64bit)` on 64-bit
    /// architectures whose rpm uses it, empty otherwise.
    pub fn marker(&self) -> &'static str {
        // rpm's elfdeps adds "(64bit)" for ELFCLASS64, except on alpha/ia64 style arches
        // where the marker is empty; those are not targets of ours.
        if self.class64 {
            "(64bit)"
        } else {
            ""
        }
    }
}

/// The interpreter of a `#!` line, as rpm's script.req reports it (the first word).
pub fn shebang_interpreter(head: &[u8]) -> Option<String> {
    let line = head.strip_prefix(b"#!")?;
    let end = line.iter().position(|&b| b == b'\n').unwrap_or(line.len());
    let line = std::str::from_utf8(&line[..end]).ok()?;
    let interp = line.split_whitespace().next()?;
    interp.starts_with('/').then(|| interp.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shebang_takes_first_word() {
        assert_eq!(
            shebang_interpreter(b"#!/usr/bin/env python3\nx"),
            Some("/usr/bin/env".into())
        );
        assert_eq!(
            shebang_interpreter(b"#! /bin/sh -e\n"),
            Some("/bin/sh".into())
        );
        assert_eq!(shebang_interpreter(b"#!sh\n"), None);
    }

    #[test]
    fn garbage_with_elf_magic_yields_no_facts() {
        assert_eq!(ElfFacts::parse(b"\x7fELF\x02\x01garbage"), None);
    }
}
