//! Which ELF rewriter splits the debug information (src/debuginfo/strip.rs): `object`'s ELF
//! builder or goblin plus our own section rewriting, each measured against its input and
//! against the real `eu-strip --remove-comment -f` (what find-debuginfo runs) on a PIE
//! executable and a versioned shared library that gcc builds with `-O2 -g` here.
//!
//! `object_builder_*` state what the builder does: it keeps the program headers and every
//! allocated section's address and offset (it fails rather than move one), but it regenerates
//! the dynamic-linking tables from its model (`.dynstr` reordered, `.dynsym` names renumbered,
//! `.gnu.hash` and the version tables re-encoded, `.dynamic`'s `DT_NULL` padding dropped), so
//! bytes the loader maps change, eu-elflint rejects the result and eu-unstrip cannot join it
//! again; its debug file regenerates `.symtab` and `.strtab`. `ours_*` state that our split
//! changes no loaded byte, gives eu-strip's debug file byte for byte and its stripped section
//! table (but for `.shstrtab`'s size: elfutils shares name tails, set aside where named).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use object::build::elf::{Builder, SectionData};
use object::elf as E;

use crate::util::*;

const LIB_C: &str = r#"
int counter = 0;
static const char *names[] = {"alpha", "beta", "gamma"};
const char *greet(int i) { counter++; return names[i % 3]; }
int count(void) { return counter; }
"#;

const LIB_MAP: &str = "LIBGREET_1.0 { global: greet; count; counter; local: *; };\n";

const MAIN_C: &str = r#"
#include <stdio.h>
#include <string.h>
const char *greet(int);
int count(void);
int main(int argc, char **argv) {
  for (int i = 0; i < argc + 2; i++) printf("%s\n", greet(i));
  printf("count=%d %s\n", count(), strrchr(argv[0], '/') ? "path" : "name");
  return 0;
}
"#;

/// What the sample program prints when it runs.
const PROG_OUTPUT: &str = "alpha\nbeta\ngamma\ncount=3 path\n";

/// The gcc-built inputs: `prog` (PIE, needs `libgreet.so.1` next to it through
/// `RUNPATH=$ORIGIN`) and `libgreet.so.1` (with a version script: `.gnu.version_d`).
struct Samples {
    _dir: tempfile::TempDir,
    exe: PathBuf,
    lib: PathBuf,
}

fn samples() -> &'static Samples {
    static S: OnceLock<Samples> = OnceLock::new();
    S.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("lib.c"), LIB_C).unwrap();
        std::fs::write(d.join("lib.map"), LIB_MAP).unwrap();
        std::fs::write(d.join("main.c"), MAIN_C).unwrap();
        run(tool("gcc")
            .args([
                "-O2",
                "-g",
                "-fPIC",
                "-shared",
                "-Wl,--version-script=lib.map",
            ])
            .args(["-Wl,-soname,libgreet.so.1", "-o", "libgreet.so.1", "lib.c"])
            .current_dir(d));
        run(tool("gcc")
            .args([
                "-O2",
                "-g",
                "-fPIE",
                "-pie",
                "-o",
                "prog",
                "main.c",
                "-L.",
                "-l:libgreet.so.1",
            ])
            .arg("-Wl,-rpath,$ORIGIN")
            .current_dir(d));
        let s = Samples {
            exe: d.join("prog"),
            lib: d.join("libgreet.so.1"),
            _dir: dir,
        };
        assert_eq!(run_prog(&s.exe), PROG_OUTPUT, "the unstripped sample");
        s
    })
}

fn run_prog(exe: &Path) -> String {
    String::from_utf8(run(&mut tool(exe.to_str().unwrap()))).unwrap()
}

/// The inputs: (file name, bytes).
fn inputs() -> Vec<(&'static str, Vec<u8>)> {
    let s = samples();
    vec![
        ("prog", std::fs::read(&s.exe).unwrap()),
        ("libgreet.so.1", std::fs::read(&s.lib).unwrap()),
    ]
}

// --- A minimal reader of ELF64 little-endian headers, independent of both candidates. ---

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes(b[at..at + 2].try_into().unwrap())
}
fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}
fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap())
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Shdr {
    name: String,
    sh_type: u32,
    flags: u64,
    addr: u64,
    offset: u64,
    size: u64,
    link: u32,
    info: u32,
    align: u64,
    entsize: u64,
}

impl Shdr {
    fn alloc(&self) -> bool {
        self.flags & E::SHF_ALLOC.0 != 0
    }
    fn data<'a>(&self, b: &'a [u8]) -> &'a [u8] {
        if self.sh_type == E::SHT_NOBITS.0 {
            &[]
        } else {
            &b[self.offset as usize..(self.offset + self.size) as usize]
        }
    }
}

/// (p_offset, p_filesz) of each `PT_LOAD` program header.
fn loads(b: &[u8]) -> Vec<(u64, u64)> {
    assert_eq!(&b[..6], b"\x7fELF\x02\x01", "an ELF64 little-endian file");
    let phoff = u64_at(b, 0x20) as usize;
    (0..u16_at(b, 0x38) as usize)
        .map(|i| phoff + i * 56)
        .filter(|&at| u32_at(b, at) == E::PT_LOAD.0)
        .map(|at| (u64_at(b, at + 8), u64_at(b, at + 32)))
        .collect()
}

/// The program header table, raw.
fn phdr_table(b: &[u8]) -> &[u8] {
    let phoff = u64_at(b, 0x20) as usize;
    &b[phoff..phoff + u16_at(b, 0x38) as usize * 56]
}

fn sections(b: &[u8]) -> Vec<Shdr> {
    assert_eq!(&b[..6], b"\x7fELF\x02\x01", "an ELF64 little-endian file");
    let shoff = u64_at(b, 0x28) as usize;
    let raw: Vec<_> = (0..u16_at(b, 0x3c) as usize)
        .map(|i| {
            let at = shoff + i * 64;
            (
                u32_at(b, at),
                Shdr {
                    name: String::new(),
                    sh_type: u32_at(b, at + 4),
                    flags: u64_at(b, at + 8),
                    addr: u64_at(b, at + 16),
                    offset: u64_at(b, at + 24),
                    size: u64_at(b, at + 32),
                    link: u32_at(b, at + 40),
                    info: u32_at(b, at + 44),
                    align: u64_at(b, at + 48),
                    entsize: u64_at(b, at + 56),
                },
            )
        })
        .collect();
    let strtab = raw[u16_at(b, 0x3e) as usize].1.data(b).to_vec();
    raw.into_iter()
        .map(|(name, mut s)| {
            let n = &strtab[name as usize..];
            s.name =
                String::from_utf8(n[..n.iter().position(|&c| c == 0).unwrap()].to_vec()).unwrap();
            s
        })
        .collect()
}

fn section<'a>(secs: &'a [Shdr], name: &str) -> &'a Shdr {
    secs.iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no section {name}"))
}

/// The file offsets inside the input's `PT_LOAD` ranges whose byte differs in `out` (or lies
/// past its end), leaving out the ELF header fields every strip rewrites: e_shoff, e_shnum,
/// e_shstrndx.
fn loaded_bytes_changed(input: &[u8], out: &[u8]) -> Vec<u64> {
    let rewritten = |at: usize| (0x28..0x30).contains(&at) || (0x3c..0x40).contains(&at);
    let mut changed = Vec::new();
    for (off, filesz) in loads(input) {
        let range = off as usize..(off + filesz) as usize;
        for (at, byte) in input[range.clone()].iter().enumerate() {
            let at = range.start + at;
            if !rewritten(at) && out.get(at) != Some(byte) {
                changed.push(at as u64);
            }
        }
    }
    changed
}

/// The names of the input's sections that hold one of `offsets`.
fn sections_holding(input: &[u8], offsets: &[u64]) -> BTreeSet<String> {
    let secs = sections(input);
    offsets
        .iter()
        .filter_map(|&o| {
            secs.iter()
                .find(|s| s.sh_type != E::SHT_NOBITS.0 && s.offset <= o && o < s.offset + s.size)
                .map(|s| s.name.clone())
        })
        .collect()
}

/// Write `bytes` to `dir/name`, executable.
fn put(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    p
}

/// `.gnu_debuglink`'s contents: the name, NUL, padding to 4, the CRC (little-endian).
fn debuglink(name: &str, crc: u32) -> Vec<u8> {
    let mut v = name.as_bytes().to_vec();
    v.push(0);
    v.resize(v.len().div_ceil(4) * 4, 0);
    v.extend_from_slice(&crc.to_le_bytes());
    v
}

// --- object's ELF builder, given its best shot at what eu-strip does. ---

/// The stripped file: every section eu-strip removes (not allocated, not a note) deleted,
/// with the symbols of `.symtab`; `.gnu_debuglink` added, then a new `.shstrtab` after it (the
/// order eu-strip gives).
fn object_strip(bytes: &[u8], debug_name: &str, crc: u32) -> Vec<u8> {
    let mut b = Builder::read(bytes).expect("object reads the gcc-built file");
    for s in b.sections.iter_mut() {
        if matches!(s.data, SectionData::SectionString)
            || (!s.is_alloc() && s.sh_type != E::SHT_NOTE)
        {
            s.delete = true;
        }
    }
    for sym in b.symbols.iter_mut() {
        sym.delete = true;
    }
    let link = b.sections.add();
    link.name = ".gnu_debuglink".into();
    link.sh_type = E::SHT_PROGBITS;
    link.sh_addralign = 4;
    link.data = SectionData::Data(debuglink(debug_name, crc).into());
    let names = b.sections.add();
    names.name = ".shstrtab".into();
    names.sh_type = E::SHT_STRTAB;
    names.sh_addralign = 1;
    names.data = SectionData::SectionString;
    let mut out = Vec::new();
    b.write(&mut out).expect("object writes the stripped file");
    out
}

/// The debug file: the same section table, the allocated sections but notes made `NOBITS`
/// (the dynamic symbols go: their table has no data left).
fn object_debug(bytes: &[u8]) -> Vec<u8> {
    let mut b = Builder::read(bytes).expect("object reads the gcc-built file");
    for s in b.sections.iter_mut() {
        if s.is_alloc() && s.sh_type != E::SHT_NOTE {
            s.sh_type = E::SHT_NOBITS;
            s.data = SectionData::UninitializedData(s.sh_size);
        }
    }
    for sym in b.dynamic_symbols.iter_mut() {
        sym.delete = true;
    }
    b.version_base = None;
    for v in b.versions.iter_mut() {
        v.delete = true;
    }
    for f in b.version_files.iter_mut() {
        f.delete = true;
    }
    let mut out = Vec::new();
    b.write(&mut out).expect("object writes the debug file");
    out
}

/// The sections whose bytes the dynamic linker reads to bind symbols.
const DYNAMIC_TABLES: &[&str] = &[
    ".gnu.hash",
    ".dynsym",
    ".dynstr",
    ".gnu.version",
    ".gnu.version_d",
    ".gnu.version_r",
    ".rela.dyn",
    ".rela.plt",
    ".dynamic",
];

/// One row of `readelf -SW`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Row {
    nr: String,
    name: String,
    ty: String,
    addr: String,
    off: String,
    size: String,
    es: String,
    flg: String,
    lk: String,
    inf: String,
    al: String,
}

/// `readelf -SW FILE`'s section rows, in order.
fn readelf_rows(file: &Path) -> Vec<Row> {
    let text = run_text(tool("readelf").arg("-SW").arg(file));
    let rows: Vec<Row> = text
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix('['))
        .filter(|l| !l.starts_with("Nr]"))
        .map(|l| {
            let (nr, rest) = l.split_once(']').expect("a section row");
            let t: Vec<&str> = rest.split_whitespace().collect();
            let n = t.len();
            assert!(n >= 8, "unexpected readelf row: {l}");
            let (lk, inf, al) = (t[n - 3], t[n - 2], t[n - 1]);
            let r = &t[..n - 3];
            let nr = nr.trim().to_string();
            let (name, r) = if nr == "0" { ("", r) } else { (r[0], &r[1..]) };
            let flg = if r.len() == 6 { r[5] } else { "" };
            Row {
                nr,
                name: name.into(),
                ty: r[0].into(),
                addr: r[1].into(),
                off: r[2].into(),
                size: r[3].into(),
                es: r[4].into(),
                flg: flg.into(),
                lk: lk.into(),
                inf: inf.into(),
                al: al.into(),
            }
        })
        .collect();
    assert!(
        rows.len() > 10,
        "readelf -SW {} gave {} rows",
        file.display(),
        rows.len()
    );
    rows
}

/// The rows that differ, side by side.
fn row_diff(ours: &[Row], theirs: &[Row]) -> String {
    (0..ours.len().max(theirs.len()))
        .filter(|&i| ours.get(i) != theirs.get(i))
        .map(|i| format!("  {:?}\n  vs {:?}\n", ours.get(i), theirs.get(i)))
        .collect()
}

fn names(rows: &[Row]) -> Vec<&str> {
    rows.iter().map(|r| r.name.as_str()).collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    EuStrip,
    Ours,
    Object,
}

/// One sample split by one candidate.
struct Halves {
    name: &'static str,
    input: Vec<u8>,
    stripped: PathBuf,
    debug: PathBuf,
}

impl Halves {
    fn stripped_bytes(&self) -> Vec<u8> {
        std::fs::read(&self.stripped).unwrap()
    }
    fn debug_bytes(&self) -> Vec<u8> {
        std::fs::read(&self.debug).unwrap()
    }
    /// `out`, a stripped file of the sample, has the input's program headers.
    fn assert_program_headers_kept(&self, out: &[u8]) {
        assert_eq!(
            phdr_table(out),
            phdr_table(&self.input),
            "{}: program headers",
            self.name
        );
    }
    /// `out`, a stripped file of the sample (`after` its sections), has the input's section
    /// `s`: the same header and bytes.
    fn assert_section_kept(&self, out: &[u8], after: &[Shdr], s: &Shdr) {
        let t = section(after, &s.name);
        assert_eq!(t, s, "{}: {}", self.name, s.name);
        assert!(
            t.data(out) == s.data(&self.input),
            "{}: {}'s bytes",
            self.name,
            s.name
        );
    }
}

/// Each sample split by `who` beside eu-strip's split of it (eu-strip's made first), in
/// `dir`.
fn beside_eu_strip(dir: &Path, who: Who) -> Vec<(Halves, Halves)> {
    let eu = split_all(dir, Who::EuStrip);
    split_all(dir, who).into_iter().zip(eu).collect()
}

/// Two section tables (readelf rows) of the sample `h` list the same sections, in order.
fn assert_same_sections(h: &Halves, ours: &[Row], theirs: &[Row]) {
    assert_eq!(
        names(ours),
        names(theirs),
        "{}: the sections, in order",
        h.name
    );
}

/// Split each sample with `who`, into `dir/WHO/NAME` and `dir/WHO/NAME.debug` (both samples in
/// one directory, so the stripped program finds the stripped library).
fn split_all(dir: &Path, who: Who) -> Vec<Halves> {
    let out = dir.join(format!("{who:?}"));
    inputs()
        .into_iter()
        .map(|(name, input)| {
            let debug_name = format!("{name}.debug");
            let (stripped, debug) = match who {
                Who::EuStrip => {
                    let stripped = put(&out, name, &input);
                    let debug = out.join(&debug_name);
                    run(tool("eu-strip")
                        .arg("--remove-comment")
                        .arg("-f")
                        .arg(&debug)
                        .arg(&stripped));
                    (stripped, debug)
                }
                Who::Ours => {
                    let s = rpmsplit::debuginfo::strip::split(&input, &debug_name)
                        .unwrap_or_else(|e| panic!("{name}: {e}"));
                    assert_eq!(
                        s.crc,
                        crc32fast::hash(&s.debug),
                        "{name}: the CRC of the debug file"
                    );
                    (
                        put(&out, name, &s.stripped),
                        put(&out, &debug_name, &s.debug),
                    )
                }
                Who::Object => {
                    let debug = object_debug(&input);
                    let stripped = object_strip(&input, &debug_name, crc32fast::hash(&debug));
                    (put(&out, name, &stripped), put(&out, &debug_name, &debug))
                }
            };
            Halves {
                name,
                input,
                stripped,
                debug,
            }
        })
        .collect()
}

fn exe(halves: &[Halves]) -> &Halves {
    halves.iter().find(|h| h.name == "prog").unwrap()
}

/// `eu-elflint --gnu-ld --quiet [--debuginfo] FILE`: its exit status and what it says.
fn elflint(file: &Path, debuginfo: bool) -> (bool, String) {
    let mut c = tool("eu-elflint");
    c.args(["--gnu-ld", "--quiet"]);
    if debuginfo {
        c.arg("--debuginfo");
    }
    let out = c.arg(file).output().unwrap();
    (
        out.status.success(),
        format!("{}{}", stdout(&out), stderr(&out)),
    )
}

/// `eu-unstrip -o OUT STRIPPED DEBUG`: the joined file, or what eu-unstrip says.
fn unstrip(h: &Halves, out: &Path) -> Result<Vec<u8>, String> {
    let o = tool("eu-unstrip")
        .arg("-o")
        .arg(out)
        .arg(&h.stripped)
        .arg(&h.debug)
        .output()
        .unwrap();
    if o.status.success() {
        Ok(std::fs::read(out).unwrap())
    } else {
        Err(stderr(&o))
    }
}

// --- object's ELF builder ---

/// It does not move sections: the program headers are copied and every allocated section
/// keeps its address and file offset (its writer fails rather than place one elsewhere); the
/// sections it does not model (code, read-only data, data) keep their bytes.
#[test]
fn object_builder_keeps_program_headers_and_section_places() {
    let tmp = tempfile::tempdir().unwrap();
    for h in split_all(tmp.path(), Who::Object) {
        let out = h.stripped_bytes();
        h.assert_program_headers_kept(&out);
        assert_eq!(loads(&out), loads(&h.input), "{}", h.name);
        let (before, after) = (sections(&h.input), sections(&out));
        for s in before.iter().filter(|s| s.alloc()) {
            let t = section(&after, &s.name);
            assert_eq!(
                (t.addr, t.offset),
                (s.addr, s.offset),
                "{}: {}",
                h.name,
                s.name
            );
            if !DYNAMIC_TABLES.contains(&s.name.as_str()) {
                h.assert_section_kept(&out, &after, s);
            }
        }
    }
}

/// But it writes the dynamic-linking tables anew from its model: `.dynstr` comes out in
/// another order, so `.dynsym`'s names and the version tables' strings are renumbered, and
/// `.dynamic` loses the `DT_NULL` padding ld leaves (its section header shrinks while
/// `PT_DYNAMIC` keeps the old size, which eu-elflint rejects). Bytes the loader maps change.
#[test]
fn object_builder_rewrites_loadable_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    for h in split_all(tmp.path(), Who::Object) {
        let out = h.stripped_bytes();
        let changed = loaded_bytes_changed(&h.input, &out);
        let holders = sections_holding(&h.input, &changed);
        println!(
            "{}: object's builder changed {} loaded bytes, in {holders:?}",
            h.name,
            changed.len()
        );
        assert!(!changed.is_empty(), "{}: every loaded byte kept", h.name);
        assert!(
            holders.iter().all(|n| DYNAMIC_TABLES.contains(&n.as_str())),
            "{}: changed bytes outside the dynamic tables: {holders:?}",
            h.name
        );
        for table in [".dynstr", ".dynsym"] {
            assert!(
                holders.contains(table),
                "{}: {table} kept: {holders:?}",
                h.name
            );
        }
        let (before, after) = (sections(&h.input), sections(&out));
        let (din, dout) = (section(&before, ".dynamic"), section(&after, ".dynamic"));
        assert!(
            dout.size < din.size,
            "{}: .dynamic {:#x} bytes, was {:#x}",
            h.name,
            dout.size,
            din.size
        );
        let (ok, said) = elflint(&h.stripped, false);
        assert!(
            !ok && said.contains("dynamic section size mismatch in program and section header"),
            "{}: eu-elflint: {said}",
            h.name
        );
    }
    // Not the input's fault: eu-strip's stripped files pass.
    for h in split_all(tmp.path(), Who::EuStrip) {
        let (ok, said) = elflint(&h.stripped, false);
        assert!(ok, "{}: eu-elflint on eu-strip's file: {said}", h.name);
    }
}

/// The regenerated tables are consistent: the stripped program, with the stripped library,
/// still runs.
#[test]
fn object_builder_stripped_program_still_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let halves = split_all(tmp.path(), Who::Object);
    assert_eq!(run_prog(&exe(&halves).stripped), PROG_OUTPUT);
}

/// Its section table is not eu-strip's: the sections it regenerates change size or alignment
/// (`.dynamic` always), and eu-unstrip cannot join its halves again.
#[test]
fn object_builder_section_table_differs_from_eu_strips() {
    let tmp = tempfile::tempdir().unwrap();
    for (h, e) in &beside_eu_strip(tmp.path(), Who::Object) {
        let (ours, theirs) = (readelf_rows(&h.stripped), readelf_rows(&e.stripped));
        assert_same_sections(h, &ours, &theirs);
        let differing: BTreeSet<&str> = ours
            .iter()
            .zip(&theirs)
            .filter(|(a, b)| a != b)
            .map(|(a, _)| a.name.as_str())
            .collect();
        println!(
            "{}: rows differing from eu-strip's:\n{}",
            h.name,
            row_diff(&ours, &theirs)
        );
        assert!(differing.contains(".dynamic"), "{}: {differing:?}", h.name);
        assert!(
            differing.iter().all(|n| DYNAMIC_TABLES.contains(n)),
            "{}: {differing:?}",
            h.name
        );
        let joined = unstrip(h, &tmp.path().join(format!("joined-{}", h.name)));
        assert!(
            joined
                .as_ref()
                .is_err_and(|e| e.contains("cannot find matching section")),
            "{}: eu-unstrip joined object's halves: {:?}",
            h.name,
            joined.map(|b| b.len())
        );
    }
}

/// It can make the debug file (allocated sections but notes `NOBITS`, the dynamic symbols and
/// versions dropped): the section table and indices hold, but `.symtab` and `.strtab` are
/// written anew (eu-strip copies them), and the allocated sections (notes, `NOBITS`) stay at
/// their input offsets where eu-strip packs them after the program headers.
#[test]
fn object_builder_debug_file_regenerates_the_symbol_table() {
    let tmp = tempfile::tempdir().unwrap();
    for (h, e) in &beside_eu_strip(tmp.path(), Who::Object) {
        let (ours, theirs) = (readelf_rows(&h.debug), readelf_rows(&e.debug));
        assert_same_sections(h, &ours, &theirs);
        let input = sections(&h.input);
        let (obj, eus) = (sections(&h.debug_bytes()), sections(&e.debug_bytes()));
        let (od, ed) = (h.debug_bytes(), e.debug_bytes());
        for table in [".symtab", ".strtab"] {
            let want = section(&input, table).data(&h.input);
            assert!(
                section(&eus, table).data(&ed) == want,
                "{}: eu-strip's {table}",
                h.name
            );
            assert!(
                section(&obj, table).data(&od) != want,
                "{}: object's {table} kept",
                h.name
            );
        }
        let mut packed = 0;
        for s in input.iter().filter(|s| s.alloc()) {
            let (o, u) = (section(&obj, &s.name), section(&eus, &s.name));
            assert_eq!(
                o.offset, s.offset,
                "{}: {} in object's debug file",
                h.name, s.name
            );
            assert!(o.data(&od) == u.data(&ed), "{}: {}'s bytes", h.name, s.name);
            packed += usize::from(u.offset != s.offset);
        }
        assert!(
            packed > 0,
            "{}: eu-strip kept every allocated section's offset",
            h.name
        );
        // eu-unstrip takes it with eu-strip's stripped file.
        let mixed = Halves {
            name: h.name,
            input: Vec::new(),
            stripped: e.stripped.clone(),
            debug: h.debug.clone(),
        };
        if let Err(said) = unstrip(&mixed, &tmp.path().join(format!("mixed-{}", h.name))) {
            panic!("{}: eu-unstrip: {said}", h.name);
        }
    }
}

// --- ours: src/debuginfo/strip.rs ---

/// Every byte the loader maps and every program header stay as they were (the ELF header's
/// e_shoff, e_shnum and e_shstrndx aside), and so does each allocated section's header.
#[test]
fn ours_keeps_every_loaded_byte_and_program_header() {
    let tmp = tempfile::tempdir().unwrap();
    for h in split_all(tmp.path(), Who::Ours) {
        let out = h.stripped_bytes();
        h.assert_program_headers_kept(&out);
        let changed = loaded_bytes_changed(&h.input, &out);
        assert!(
            changed.is_empty(),
            "{}: {} loaded bytes changed, in {:?}",
            h.name,
            changed.len(),
            sections_holding(&h.input, &changed)
        );
        let rewritten = |at: usize| (0x28..0x30).contains(&at) || (0x3c..0x40).contains(&at);
        for at in (0..64).filter(|&at| !rewritten(at)) {
            assert_eq!(out[at], h.input[at], "{}: ELF header byte {at:#x}", h.name);
        }
        let (before, after) = (sections(&h.input), sections(&out));
        for s in before.iter().filter(|s| s.alloc()) {
            h.assert_section_kept(&out, &after, s);
        }
    }
}

/// The stripped file's section table is eu-strip's, row for row (name, type, address, offset,
/// size, entry size, flags, link, info, alignment, in order), but for `.shstrtab`'s size: ours
/// stores each name whole where elfutils shares a name's tail with a longer one (`.plt` in
/// `.rela.plt`, `.got` in `.plt.got`). It moves what eu-strip removes, and `.gnu_debuglink`
/// names the debug file with its CRC.
#[test]
fn ours_stripped_section_table_is_eu_strips() {
    let tmp = tempfile::tempdir().unwrap();
    for (h, e) in &beside_eu_strip(tmp.path(), Who::Ours) {
        let (ours, theirs) = (readelf_rows(&h.stripped), readelf_rows(&e.stripped));
        let shstrtab_size_aside = |rows: &[Row]| -> Vec<Row> {
            rows.iter()
                .cloned()
                .map(|mut r| {
                    if r.name == ".shstrtab" {
                        r.size.clear();
                    }
                    r
                })
                .collect()
        };
        assert!(
            shstrtab_size_aside(&ours) == shstrtab_size_aside(&theirs),
            "{}: the stripped section tables differ:\n{}",
            h.name,
            row_diff(&ours, &theirs)
        );
        let kept: BTreeSet<&str> = names(&theirs).into_iter().collect();
        let removed: Vec<String> = sections(&h.input)
            .into_iter()
            .skip(1)
            .map(|s| s.name)
            .filter(|n| !kept.contains(n.as_str()))
            .collect();
        let split = rpmsplit::debuginfo::strip::split(&h.input, "x.debug").unwrap();
        assert_eq!(split.moved, removed, "{}: the sections moved", h.name);
        let out = h.stripped_bytes();
        let link = section(&sections(&out), ".gnu_debuglink")
            .data(&out)
            .to_vec();
        let want = debuglink(
            &format!("{}.debug", h.name),
            crc32fast::hash(&h.debug_bytes()),
        );
        assert_eq!(link, want, "{}: .gnu_debuglink", h.name);
    }
}

/// The debug file is eu-strip's, byte for byte: its section table row for row, offsets
/// included (a `NOBITS` section moves the offset on to its alignment, as elfutils lays it
/// out), its program headers and every section's bytes.
#[test]
fn ours_debug_file_section_table_is_eu_strips() {
    let tmp = tempfile::tempdir().unwrap();
    for (h, e) in &beside_eu_strip(tmp.path(), Who::Ours) {
        let (ours, theirs) = (readelf_rows(&h.debug), readelf_rows(&e.debug));
        assert!(
            ours == theirs,
            "{}: the debug section tables differ:\n{}",
            h.name,
            row_diff(&ours, &theirs)
        );
        let (od, ed) = (h.debug_bytes(), e.debug_bytes());
        // laid out as elfutils lays it out: the very file eu-strip writes, so the same CRC
        assert!(od == ed, "{}: the debug files differ", h.name);
        assert_eq!(
            phdr_table(&od),
            phdr_table(&ed),
            "{}: program headers",
            h.name
        );
        for (a, b) in sections(&od).iter().zip(&sections(&ed)) {
            assert!(a.data(&od) == b.data(&ed), "{}: {}'s bytes", h.name, a.name);
        }
        let (ok, said) = elflint(&h.debug, true);
        assert!(ok, "{}: eu-elflint --debuginfo: {said}", h.name);
    }
}

/// The stripped program runs with the stripped library, eu-elflint passes the stripped
/// files, and eu-unstrip joins our halves into the very file it makes of eu-strip's.
#[test]
fn ours_stripped_program_runs_and_rejoins_as_eu_strips_does() {
    let tmp = tempfile::tempdir().unwrap();
    let halves = split_all(tmp.path(), Who::Ours);
    assert_eq!(run_prog(&exe(&halves).stripped), PROG_OUTPUT);
    let eu = split_all(tmp.path(), Who::EuStrip);
    for (h, e) in halves.iter().zip(&eu) {
        let (ok, said) = elflint(&h.stripped, false);
        assert!(ok, "{}: eu-elflint: {said}", h.name);
        let ours = unstrip(h, &tmp.path().join(format!("ours-{}", h.name)))
            .unwrap_or_else(|said| panic!("{}: eu-unstrip: {said}", h.name));
        let theirs = unstrip(e, &tmp.path().join(format!("eu-{}", h.name)))
            .unwrap_or_else(|said| panic!("{}: eu-unstrip: {said}", h.name));
        assert!(
            ours == theirs,
            "{}: eu-unstrip's joined files differ",
            h.name
        );
    }
}
