//! ELF facts: what rules and dependency generation need to know about an ELF file, read with
//! the `object` crate's ELF structures from memory-mapped bytes, from the places rpm's elfdeps
//! reads (the dynamic section, the version sections, the string tables they link). Parsing is
//! best effort: a file with ELF magic whose headers cannot be read yields no facts (it is then
//! classified by path only, and the run warns naming it), never a failed run.
//!
//! This module reads bytes and reports facts; it decides nothing about packages.

use object::elf;
use object::read::elf::{Dyn as _, FileHeader, ProgramHeader as _, SectionHeader as _, Sym as _};
use serde::Serialize;
use std::cell::Cell;

pub mod versions;

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
    /// The base version definition's name (the file's soname, as the linker wrote it): the
    /// name elfdeps gives the version provides.
    pub verdef_base: Option<String>,
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
    /// Parse ELF facts from bytes. `None` when even the headers cannot be read ([`read`]
    /// says why).
    ///
    /// [`read`]: ElfFacts::read
    pub fn parse(bytes: &[u8]) -> Option<ElfFacts> {
        ElfFacts::read(bytes).ok()
    }

    /// Parse ELF facts from bytes, or say why there are none. The facts come from where rpm's
    /// elfdeps takes them: the section headers' `SHT_DYNAMIC`, `SHT_GNU_verdef` and
    /// `SHT_GNU_verneed` sections with the string tables they link, and `PT_INTERP`. Nothing
    /// else (`.symtab`, `.strtab`) has to be valid for them, and strings are bytes (shown as
    /// UTF-8, lossily). Work is bounded by the sizes of the sections: see
    /// [`versions`].
    pub fn read(bytes: &[u8]) -> Result<ElfFacts, String> {
        use object::elf::{FileHeader32, FileHeader64, ELFCLASS64};
        use object::Endianness;
        let facts = match bytes.get(4) {
            Some(&c) if c == ELFCLASS64.0 => read_facts::<FileHeader64<Endianness>>(bytes),
            Some(_) => read_facts::<FileHeader32<Endianness>>(bytes),
            None => return Err("too short for an ELF header".into()),
        };
        facts.map_err(|e| format!("unreadable ELF headers: {e}"))
    }

    pub fn defines(&self, symbol: &str) -> bool {
        self.symbols
            .binary_search_by(|s| s.as_str().cmp(symbol))
            .is_ok()
    }

    /// rpm's dependency marker for this file's class and machine: `(64bit)` on 64-bit
    /// architectures whose rpm uses it, empty otherwise.
    pub fn marker(&self) -> &'static str {
        // elfdeps' mkmarker: "(64bit)" for ELFCLASS64, but for EM_ALPHA and EM_FAKE_ALPHA
        const EM_ALPHA: u16 = 41;
        const EM_FAKE_ALPHA: u16 = 0x9026;
        if self.class64 && !matches!(self.machine, EM_ALPHA | EM_FAKE_ALPHA) {
            "(64bit)"
        } else {
            ""
        }
    }
}

/// The longest string taken from a string table (a version, a library name, a symbol):
/// longer ones are not names any linker wrote.
const MAX_NAME: usize = 4096;

/// A string table's bytes (`SHT_STRTAB`, else none), read as rpm's elfdeps reads one
/// (`elf_strptr`). Work and memory stay bounded by the file: a lookup reads at most
/// [`MAX_NAME`] + 1 bytes, and the names taken from one file total at most twice its size plus
/// 64 KiB (`budget`, shared by its tables), however many records point at long strings.
#[derive(Clone, Copy)]
struct Strings<'d, 'b> {
    data: &'d [u8],
    budget: &'b Cell<usize>,
}

impl Strings<'_, '_> {
    /// The string at `offset`; `None` past the table, without its NUL within [`MAX_NAME`]
    /// bytes, or past the budget.
    fn get(&self, offset: u64) -> Option<String> {
        let tail = self.data.get(usize::try_from(offset).ok()?..)?;
        let window = &tail[..tail.len().min(MAX_NAME + 1)];
        let name = &window[..window.iter().position(|&b| b == 0)?];
        self.budget.set(self.budget.get().checked_sub(name.len())?);
        Some(String::from_utf8_lossy(name).into_owned())
    }
}

fn read_facts<Elf: FileHeader<Endian = object::Endianness>>(
    bytes: &[u8],
) -> object::read::Result<ElfFacts> {
    let header = Elf::parse(bytes)?;
    let endian = header.endian()?;
    let sections = header.sections(endian, bytes)?;
    // Program headers are optional for rpm's purposes (PT_INTERP, notes): a bad table is none.
    let segments = header.program_headers(endian, bytes).unwrap_or(&[]);
    let interpreter = segments
        .iter()
        .find_map(|p| p.interpreter(endian, bytes).ok().flatten())
        .map(|i| String::from_utf8_lossy(i).into_owned());

    let mut f = ElfFacts {
        class64: header.is_class_64(),
        machine: header.e_machine(endian).0,
        interpreter,
        ..ElfFacts::default()
    };
    let mut pie_flag = false;
    let mut seen_needed = std::collections::HashSet::new();
    let mut rpaths = Vec::new();
    let budget = Cell::new(bytes.len().saturating_mul(2).saturating_add(64 << 10));
    for (index, section) in sections.enumerate() {
        let kind = section.sh_type(endian);
        let strings = || Strings {
            data: (sections.section(section.link(endian)).ok())
                .filter(|s| s.sh_type(endian) == elf::SHT_STRTAB)
                .and_then(|s| s.data(endian, bytes).ok())
                .unwrap_or_default(),
            budget: &budget,
        };
        if kind == elf::SHT_SYMTAB {
            f.symtab = true;
        } else if kind == elf::SHT_DYNAMIC {
            let Ok(Some((dyns, _))) = section.dynamic(endian, bytes) else {
                continue;
            };
            let strings = strings();
            for d in dyns {
                let (tag, val) = (d.tag(endian), d.val(endian));
                if tag == elf::DT_NULL {
                    break;
                } else if tag == elf::DT_NEEDED {
                    if let Some(n) = strings.get(val) {
                        if seen_needed.insert(n.clone()) {
                            f.needed.push(n);
                        }
                    }
                } else if tag == elf::DT_SONAME {
                    f.soname = strings.get(val).or(f.soname);
                } else if tag == elf::DT_RUNPATH || tag == elf::DT_RPATH {
                    // DT_RUNPATH entries first, then DT_RPATH ones.
                    let list = if tag == elf::DT_RUNPATH {
                        &mut f.runpath
                    } else {
                        &mut rpaths
                    };
                    list.extend(strings.get(val));
                } else if tag == elf::DT_DEBUG {
                    f.has_debug = true;
                } else if tag == elf::DT_FLAGS_1 && val & elf::DF_1_PIE.0 != 0 {
                    pie_flag = true;
                } else if tag == elf::DT_GNU_HASH {
                    f.gnu_hash = true;
                } else if tag == elf::DT_HASH {
                    f.sysv_hash = true;
                }
            }
        } else if kind == elf::SHT_DYNSYM {
            let Ok(table) = sections.symbol_table_by_index(endian, bytes, index) else {
                continue;
            };
            let names = strings();
            for sym in table.iter() {
                let bind = sym.st_bind();
                if sym.st_shndx(endian).0 != 0
                    && sym.st_value(endian).into() != 0
                    && (bind == elf::STB_GLOBAL || bind == elf::STB_WEAK)
                {
                    if let Some(name) = names.get(sym.st_name(endian).into()) {
                        if !name.is_empty() {
                            f.symbols.push(name);
                        }
                    }
                }
            }
        } else if kind == elf::SHT_GNU_VERDEF {
            let (defs, base) = (&mut f.verdefs, &mut f.verdef_base);
            versions::definitions::<Elf>(section, endian, bytes, &strings(), defs, base);
        } else if kind == elf::SHT_GNU_VERNEED {
            versions::needs::<Elf>(section, endian, bytes, &strings(), &mut f.verneeds);
        }
        if let Ok(name) = sections.section_name(endian, section) {
            if name.starts_with(b".debug_") || name.starts_with(b".zdebug_") {
                f.debug_sections = true;
            }
        }
    }
    f.runpath.extend(rpaths);
    f.symbols.sort();
    f.symbols.dedup();
    f.build_id = build_id(segments, &sections, endian, bytes);
    f.kind = match header.e_type(endian) {
        elf::ET_EXEC => ElfKind::Executable,
        elf::ET_DYN if pie_flag || (f.has_debug && f.interpreter.is_some()) => ElfKind::Pie,
        elf::ET_DYN => ElfKind::SharedObject,
        elf::ET_REL => ElfKind::Relocatable,
        _ => ElfKind::Other,
    };
    Ok(f)
}

/// The GNU build-id note, from the `PT_NOTE` segments, else the `SHT_NOTE` sections. A bad
/// note ends its list.
fn build_id<'d, Elf: FileHeader<Endian = object::Endianness>>(
    segments: &'d [Elf::ProgramHeader],
    sections: &object::read::elf::SectionTable<'d, Elf, &'d [u8]>,
    endian: object::Endianness,
    bytes: &'d [u8],
) -> Option<String> {
    let from_segments = segments
        .iter()
        .filter_map(|p| p.notes(endian, bytes).ok().flatten());
    let from_sections = sections
        .iter()
        .filter_map(|s| s.notes(endian, bytes).ok().flatten());
    for mut notes in from_segments.chain(from_sections) {
        while let Ok(Some(note)) = notes.next() {
            if note.name() == elf::ELF_NOTE_GNU && note.n_type(endian) == elf::NT_GNU_BUILD_ID {
                return Some(note.desc().iter().map(|b| format!("{b:02x}")).collect());
            }
        }
    }
    None
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
    fn strings_read_a_bounded_window_within_a_budget() {
        let budget = Cell::new(10);
        let mut data = vec![b'a'; MAX_NAME + 10];
        data.push(0);
        data.extend_from_slice(b"abcdef\0");
        let s = Strings {
            data: &data,
            budget: &budget,
        };
        // No NUL within MAX_NAME + 1 bytes: no name, and nothing spent.
        assert_eq!(s.get(0), None);
        assert_eq!(budget.get(), 10);
        let at = (MAX_NAME + 11) as u64;
        assert_eq!(s.get(at).as_deref(), Some("abcdef"));
        assert_eq!(budget.get(), 4);
        // Six more bytes would pass the budget.
        assert_eq!(s.get(at), None);
        assert_eq!(s.get(u64::MAX), None);
    }

    #[test]
    fn garbage_with_elf_magic_yields_no_facts() {
        assert_eq!(ElfFacts::parse(b"\x7fELF\x02\x01garbage"), None);
    }
}
