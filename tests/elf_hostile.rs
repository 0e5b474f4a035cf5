//! Issue 16: ELF facts never vanish silently, and version sections cost work bounded by their
//! size. Shared libraries built by gcc, then made hostile byte by byte: a `.strtab` holding
//! Latin-1 (a source file named so), a `.strtab` overlapping `.symtab`, a `.gnu.version_r` of
//! overlapping records with counts of 65535, a `.gnu.version_d` of records at every byte.
//! rpm's elfdeps is the oracle for what such a file provides and requires.

use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use object::read::elf::{FileHeader as _, SectionHeader as _};
use rpmsplit::elf::ElfFacts;
use rpmsplit::inventory;

use crate::util::*;

/// `libvirt.so.0` built by gcc `-g` from a source file named `source` (bytes), defining
/// `virHostile` in version `LIBVIRT_0.0.1` and calling libc's `puts`.
fn libvirt_so(dir: &Path, source: &[u8]) -> Vec<u8> {
    let src = dir.join(OsStr::from_bytes(source));
    fs::write(
        &src,
        "#include <stdio.h>\nint virHostile(void) { return puts(\"x\"); }\n",
    )
    .unwrap();
    let map = dir.join("v.map");
    fs::write(&map, "LIBVIRT_0.0.1 { global: virHostile; local: *; };\n").unwrap();
    let out = dir.join("lib.so");
    run(tool("gcc")
        .args(["-g", "-shared", "-fPIC", "-o"])
        .arg(&out)
        .arg(&src)
        .arg("-Wl,-soname,libvirt.so.0")
        .arg(format!("-Wl,--version-script={}", map.display())));
    fs::read(out).unwrap()
}

/// Where the section header of the section `name` is in a 64-bit little-endian ELF file, and
/// its sh_offset and sh_size.
fn section(bytes: &[u8], name: &str) -> (usize, u64, u64) {
    let header = object::elf::FileHeader64::<object::Endianness>::parse(bytes).unwrap();
    let endian = header.endian().unwrap();
    let sections = header.sections(endian, bytes).unwrap();
    let (index, s) = sections
        .enumerate()
        .find(|(_, s)| sections.section_name(endian, s).unwrap() == name.as_bytes())
        .unwrap_or_else(|| panic!("no {name}"));
    let at = header.e_shoff.get(endian) as usize + index.0 * 64;
    (at, s.sh_offset(endian), s.sh_size(endian))
}

fn set_u64(bytes: &mut [u8], at: usize, v: u64) {
    bytes[at..at + 8].copy_from_slice(&v.to_le_bytes());
}

/// A tree holding `bytes` as /usr/lib64/libvirt.so.0: the tree's root.
fn tree_with(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let root = dir.join(name);
    crate::hardening::put(&root, "/usr/lib64/libvirt.so.0", bytes, 0o755);
    root
}

#[test]
fn a_library_whose_strtab_goblin_refuses_keeps_the_facts_elfdeps_reads() {
    let tmp = tempfile::tempdir().unwrap();
    let latin1 = libvirt_so(tmp.path(), b"caf\xe9.c");
    let mut overlap = libvirt_so(tmp.path(), b"plain.c");
    let (strtab, _, _) = section(&overlap, ".strtab");
    let (_, symtab_offset, _) = section(&overlap, ".symtab");
    set_u64(&mut overlap, strtab + 24, symtab_offset);
    for (name, bytes) in [("latin1", &latin1), ("overlap", &overlap)] {
        let root = tree_with(tmp.path(), name, bytes);
        // rpm's elfdeps reads what we read.
        let inv = inventory::scan(&root).unwrap();
        let e = inv.find(Path::new("/usr/lib64/libvirt.so.0")).unwrap();
        assert!(e.elf.is_some(), "{name}: no ELF facts");
        let mut mismatches = Vec::new();
        crate::elfdeps::compare(e, &root.join("usr/lib64/libvirt.so.0"), &mut mismatches);
        assert!(mismatches.is_empty(), "{name}: {mismatches:?}");
        // Through the CLI: libvirt-libs is x86-64 and provides and requires what the file says.
        let (doc, _) = classify_json(&[root.to_str().unwrap()]);
        let libs = package_row(&doc, "libvirt-libs");
        let provides = dep_names(libs, "provides");
        for p in [
            "libvirt-libs(x86-64)",
            "libvirt.so.0()(64bit)",
            "libvirt.so.0(LIBVIRT_0.0.1)(64bit)",
        ] {
            assert!(provides.contains(&p), "{name}: {provides:?}");
        }
        let requires = dep_names(libs, "requires");
        assert!(
            requires.contains(&"libc.so.6(GLIBC_2.2.5)(64bit)"),
            "{name}: {requires:?}"
        );
        // Debug information follows the same facts: split out into libvirt-libs-debuginfo.
        let out = tmp.path().join(format!("out-{name}"));
        split(
            &root,
            &out,
            &[
                "--format",
                "cpio",
                "--version",
                "1",
                "--release",
                "1",
                "--debuginfo",
                "packages",
            ],
        );
        assert!(
            out.join("libvirt-libs-debuginfo.cpio.zst").exists(),
            "{name}: no debuginfo package: {:?}",
            fs::read_dir(&out).unwrap().collect::<Vec<_>>()
        );
    }
}

#[test]
fn a_file_with_elf_magic_and_unreadable_headers_is_named_in_a_warning() {
    let tmp = tempfile::tempdir().unwrap();
    // An ELF header whose section table lies past the end of the file.
    let mut bytes = libvirt_so(tmp.path(), b"plain.c");
    bytes.truncate(4096);
    let root = tree_with(tmp.path(), "truncated", &bytes);
    let mut classify = rpmsplit();
    classify.arg("classify").arg(&root);
    let out = ok(&mut classify);
    let err = stderr(&out);
    assert!(
        err.contains("warning: /usr/lib64/libvirt.so.0: ELF magic, but no ELF facts"),
        "{err}"
    );
}

/// `lib` with its `section` (`.gnu.version_r` or `.gnu.version_d`) moved to `size` bytes
/// appended to the file, made of `record` repeated (a record that overlaps the next ones),
/// claiming 2^32 - 1 records.
fn with_crafted_versions(lib: &[u8], section_name: &str, record: &[u8], size: usize) -> Vec<u8> {
    let mut bytes = lib.to_vec();
    while !bytes.len().is_multiple_of(8) {
        bytes.push(0);
    }
    let start = bytes.len();
    while bytes.len() < start + size {
        bytes.extend_from_slice(record);
    }
    bytes.truncate(start + size);
    let (at, _, _) = section(&bytes, section_name);
    set_u64(&mut bytes, at + 24, start as u64);
    set_u64(&mut bytes, at + 32, size as u64);
    // sh_info: the number of records, as many as can be.
    bytes[at + 44..at + 48].copy_from_slice(&u32::MAX.to_le_bytes());
    bytes
}

#[test]
fn crafted_version_sections_cost_work_bounded_by_their_size() {
    let tmp = tempfile::tempdir().unwrap();
    let lib = libvirt_so(tmp.path(), b"plain.c");
    const SIZE: usize = 144 * 1024;
    // Verneed: version 1, 65535 auxiliary records, file name at offset 1 of .dynstr, the
    // auxiliary records at offset 0 (the record itself, read as a Vernaux named by .dynstr's
    // empty string whose next one is 16 bytes on), the next Verneed 16 bytes on: each of the
    // 9216 records starts a chain through all that follow (42 million, before).
    let mut need = Vec::new();
    need.extend_from_slice(&1u16.to_le_bytes());
    need.extend_from_slice(&0xffffu16.to_le_bytes());
    need.extend_from_slice(&1u32.to_le_bytes());
    need.extend_from_slice(&0u32.to_le_bytes());
    need.extend_from_slice(&16u32.to_le_bytes());
    let needs = with_crafted_versions(&lib, ".gnu.version_r", &need, SIZE);
    // Verdef: version 1, 65535 auxiliary records, the first at offset 0, the next Verdef one
    // byte on: a record at every byte of the section.
    let mut def = Vec::new();
    for v in [1u16, 0, 2, 0xffff] {
        def.extend_from_slice(&v.to_le_bytes());
    }
    for v in [0u32, 0, 1] {
        def.extend_from_slice(&v.to_le_bytes());
    }
    let defs = with_crafted_versions(&lib, ".gnu.version_d", &def, SIZE);
    for (name, bytes) in [("version_r", &needs), ("version_d", &defs)] {
        let facts = ElfFacts::read(bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        let versions: usize = facts.verneeds.iter().map(|n| n.versions.len() + 1).sum();
        let collected = versions + facts.verdefs.len();
        assert!(
            collected <= SIZE / 8,
            "{name}: {collected} version records collected from {SIZE} bytes"
        );
        let text: usize = (facts.verneeds.iter())
            .flat_map(|n| n.versions.iter().chain([&n.file]))
            .chain(&facts.verdefs)
            .map(String::len)
            .sum();
        assert!(text <= bytes.len(), "{name}: {text} bytes of names");
        // What it provides and requires is what rpm's elfdeps reads.
        let root = tree_with(tmp.path(), name, bytes);
        let inv = inventory::scan(&root).unwrap();
        let e = inv.find(Path::new("/usr/lib64/libvirt.so.0")).unwrap();
        let mut mismatches = Vec::new();
        crate::elfdeps::compare(e, &root.join("usr/lib64/libvirt.so.0"), &mut mismatches);
        assert!(mismatches.is_empty(), "{name}: {mismatches:?}");
        // The whole run, through the CLI, ends by itself.
        let mut classify = rpmsplit();
        classify.arg("classify").arg(&root);
        crate::hardening::ends_with(&classify, 0);
    }
}
