//! Split one ELF file into a stripped file and its debug file, as find-debuginfo's
//! `eu-strip --remove-comment -f DEBUG FILE` does, in memory.
//!
//! The stripped file keeps every byte the loader maps where it was: the file is copied up to
//! the end of its segments and allocated sections, the non-allocated sections elfutils keeps
//! (notes, `.gnu.warning.*`) follow, then a new `.gnu_debuglink` (the debug file's name and
//! CRC32), a new `.shstrtab` and the section headers. What elfutils strips goes to the debug
//! file: every section that is not allocated, not a note and not a `.gnu.warning.*` section
//! (`.debug_*`, `.symtab`, `.strtab`, `.comment`, …). The debug file keeps the input's section
//! table, indices and names, with the data of the sections the stripped file keeps left out
//! (`SHT_NOBITS`) except notes, so `.symtab`'s section indices and the build-id hold.
//!
//! goblin parses the headers (bounded: a header or table past the end of the bytes is an
//! error); the rewriting is ours, a handful of header fields. `object`'s ELF builder, the other
//! candidate, keeps sections in place but regenerates the dynamic tables from its own model
//! (`.dynstr` reordered, `.gnu.hash` and `.dynamic` shrunk, `PT_DYNAMIC` left stale), changing
//! bytes the loader maps, so that eu-elflint rejects the file and eu-unstrip cannot rejoin the
//! halves (`tests/strip_choice.rs`, `object_builder_*`).
//!
//! Where ours differs from eu-strip: `.shstrtab` of the stripped file holds every name whole,
//! in section order (elfutils shares name tails), so it is a few bytes longer and the section
//! headers after it move by as much.

use std::collections::BTreeSet;

use goblin::container::{Container, Ctx, Endian};
use goblin::elf::header::Header;
use goblin::elf::program_header::ProgramHeader;
use goblin::elf::section_header::{
    SectionHeader, SHF_ALLOC, SHF_INFO_LINK, SHT_NOBITS, SHT_NOTE, SHT_PROGBITS, SHT_REL, SHT_RELA,
    SHT_SYMTAB,
};

/// Why a file could not be split.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StripError {
    #[error("not an ELF file goblin can read: {0}")]
    Parse(String),
    #[error("{0}")]
    Unsupported(String),
}

/// The two halves of one ELF file.
#[derive(Debug)]
pub struct Split {
    pub stripped: Vec<u8>,
    pub debug: Vec<u8>,
    /// CRC32 of `debug`, as `.gnu_debuglink` carries it.
    pub crc: u32,
    /// Names of the sections moved to the debug file.
    pub moved: Vec<String>,
}

struct Parsed {
    header: Header,
    ctx: Ctx,
    sections: Vec<SectionHeader>,
    names: Vec<String>,
    phdrs: Vec<ProgramHeader>,
}

fn parse(bytes: &[u8]) -> Result<Parsed, StripError> {
    let err = |e: goblin::error::Error| StripError::Parse(e.to_string());
    let header = goblin::elf::Elf::parse_header(bytes).map_err(err)?;
    let container = if header.e_ident[4] == goblin::elf::header::ELFCLASS64 {
        Container::Big
    } else {
        Container::Little
    };
    let endian = Endian::from(header.e_ident[5] != goblin::elf::header::ELFDATA2MSB);
    let ctx = Ctx::new(container, endian);
    if header.e_shnum == 0 && header.e_shoff != 0 {
        return Err(StripError::Unsupported(
            "more sections than the ELF header counts (extended numbering)".into(),
        ));
    }
    let (shent, phent) = if container.is_big() {
        (64, 56)
    } else {
        (40, 32)
    };
    let ehsize = if container.is_big() { 64 } else { 52 };
    if header.e_ehsize != ehsize {
        return Err(StripError::Unsupported(format!(
            "an ELF header of {} bytes (its class has {ehsize})",
            header.e_ehsize
        )));
    }
    // room for the two sections the stripped file gains, below SHN_LORESERVE
    if header.e_shnum as usize + 2 >= 0xff00 {
        return Err(StripError::Unsupported("too many sections".into()));
    }
    if (header.e_shnum > 0 && header.e_shentsize != shent)
        || (header.e_phnum > 0 && header.e_phentsize != phent)
    {
        return Err(StripError::Unsupported(
            "unusual header table entry sizes".into(),
        ));
    }
    let phdrs = ProgramHeader::parse(bytes, header.e_phoff as usize, header.e_phnum as usize, ctx)
        .map_err(err)?;
    let sections =
        SectionHeader::parse(bytes, header.e_shoff as usize, header.e_shnum as usize, ctx)
            .map_err(err)?;
    // Every range the rewriting copies lies inside the file, and alignments are sane: what
    // follows adds and aligns without overflowing.
    let inside = |off: u64, len: u64| {
        off.checked_add(len)
            .is_some_and(|e| e <= bytes.len() as u64)
    };
    let ph_end = (header.e_phnum as u64) * (header.e_phentsize as u64);
    if !inside(0, header.e_ehsize as u64) || !inside(header.e_phoff, ph_end) {
        return Err(StripError::Parse("headers past the end of the file".into()));
    }
    if let Some(ph) = phdrs.iter().find(|ph| !inside(ph.p_offset, ph.p_filesz)) {
        return Err(StripError::Parse(format!(
            "a segment at offset {:#x} runs past the end of the file",
            ph.p_offset
        )));
    }
    for (i, s) in sections.iter().enumerate() {
        if s.sh_type != SHT_NOBITS && !inside(s.sh_offset, s.sh_size) {
            return Err(StripError::Parse(format!(
                "section {i} runs past the end of the file"
            )));
        }
        if s.sh_addralign > MAX_ALIGN {
            return Err(StripError::Unsupported(format!(
                "section {i} asks for an alignment of {:#x}",
                s.sh_addralign
            )));
        }
    }
    let strndx = header.e_shstrndx as usize;
    let shstr = sections
        .get(strndx)
        .and_then(|s| data(bytes, s))
        .ok_or_else(|| StripError::Parse("no section name table".into()))?;
    let names = sections
        .iter()
        .map(|s| String::from_utf8_lossy(c_str(shstr, s.sh_name)).into_owned())
        .collect();
    Ok(Parsed {
        header,
        ctx,
        sections,
        names,
        phdrs,
    })
}

/// The NUL-terminated string at `at` of a string table (what is left of the table, when it
/// has no NUL; nothing past its end).
fn c_str(table: &[u8], at: usize) -> &[u8] {
    let start = at.min(table.len());
    let end = table[start..]
        .iter()
        .position(|&b| b == 0)
        .map_or(table.len(), |n| start + n);
    &table[start..end]
}

/// The bytes of a section that has them, if they lie inside the file.
fn data<'a>(bytes: &'a [u8], s: &SectionHeader) -> Option<&'a [u8]> {
    if s.sh_type == SHT_NOBITS {
        return Some(&[]);
    }
    let start = usize::try_from(s.sh_offset).ok()?;
    let end = start.checked_add(usize::try_from(s.sh_size).ok()?)?;
    bytes.get(start..end)
}

/// elfutils' `SECTION_STRIP_P` with `--remove-comment`: what eu-strip moves to the debug file.
fn strip_p(s: &SectionHeader, name: &str) -> bool {
    s.sh_flags & u64::from(SHF_ALLOC) == 0
        && s.sh_type != SHT_NOTE
        && (s.sh_type != SHT_PROGBITS || !name.starts_with(".gnu.warning."))
}

/// The largest section alignment we lay out (a page is 64 KiB at most; linkers ask for less).
const MAX_ALIGN: u64 = 1 << 16;

/// How far the padding of an output may take it past its input's size: a crafted file of many
/// sections asking for large alignments would otherwise make gigabytes of zeros.
fn check_growth(at: usize, input: usize) -> Result<(), StripError> {
    if at > input.saturating_mul(2).saturating_add(1 << 24) {
        return Err(StripError::Unsupported(
            "its sections' alignments would make the output many times its size".into(),
        ));
    }
    Ok(())
}

fn align(n: usize, to: u64) -> usize {
    let to = (to.max(1)) as usize;
    n.div_ceil(to) * to
}

/// Split `bytes` into a stripped file with a `.gnu_debuglink` naming `debug_name` and the
/// debug file.
pub fn split(bytes: &[u8], debug_name: &str) -> Result<Split, StripError> {
    split_with(bytes, debug_name, false)
}

/// [`split`], and with `mini` Fedora's mini debuginfo in the stripped file's `.gnu_debugdata`
/// (find-debuginfo `-m`): an xz-compressed ELF file holding the function symbols `.dynsym`
/// lacks, for backtraces without the debug file.
pub fn split_with(bytes: &[u8], debug_name: &str, mini: bool) -> Result<Split, StripError> {
    let p = parse(bytes)?;
    let n = p.sections.len();
    if n == 0 {
        return Err(StripError::Unsupported("no section headers".into()));
    }
    let shstrndx = p.header.e_shstrndx as usize;
    // What the stripped file keeps: index 0, and what elfutils does not strip, and whatever a
    // kept section links to.
    // (.shstrtab is made anew, so what it links to is not kept for it)
    let mut keep: Vec<bool> = (0..n)
        .map(|i| i == 0 || (i != shstrndx && !strip_p(&p.sections[i], &p.names[i])))
        .collect();
    loop {
        let mut changed = false;
        for i in 0..n {
            if !keep[i] {
                continue;
            }
            let s = &p.sections[i];
            let mut targets = vec![s.sh_link as usize];
            if s.sh_flags & u64::from(SHF_INFO_LINK) != 0 || matches!(s.sh_type, SHT_REL | SHT_RELA)
            {
                targets.push(s.sh_info as usize);
            }
            for t in targets {
                if t != 0 && t < n && t != shstrndx && !keep[t] {
                    keep[t] = true;
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    for i in (0..n).filter(|&i| keep[i]) {
        if data(bytes, &p.sections[i]).is_none() {
            return Err(StripError::Parse(format!(
                "section {} lies outside the file",
                p.names[i]
            )));
        }
    }
    let moved: Vec<String> = (1..n)
        .filter(|&i| !keep[i] && i != shstrndx)
        .map(|i| p.names[i].clone())
        .collect();

    let debug = debug_file(bytes, &p, &keep)?;
    let crc = crc32fast::hash(&debug);
    let debugdata = if mini {
        mini_debuginfo(bytes, &p)?
    } else {
        None
    };
    let stripped = stripped_file(bytes, &p, &keep, debug_name, crc, debugdata.as_deref())?;
    Ok(Split {
        stripped,
        debug,
        crc,
        moved,
    })
}

/// `v`'s low `width` bytes in the file's byte order.
fn put(out: &mut Vec<u8>, ctx: Ctx, v: u64, width: usize) {
    let b = v.to_le_bytes();
    if ctx.le.is_little() {
        out.extend_from_slice(&b[..width]);
    } else {
        out.extend(b[..width].iter().rev());
    }
}

/// The width of an address or offset field: 8 bytes in ELFCLASS64, 4 in ELFCLASS32.
fn word(ctx: Ctx) -> usize {
    if ctx.container.is_big() {
        8
    } else {
        4
    }
}

fn put_shdr(out: &mut Vec<u8>, ctx: Ctx, s: &SectionHeader) {
    let w = word(ctx);
    put(out, ctx, s.sh_name as u64, 4);
    put(out, ctx, s.sh_type.into(), 4);
    for v in [s.sh_flags, s.sh_addr, s.sh_offset, s.sh_size] {
        put(out, ctx, v, w);
    }
    put(out, ctx, s.sh_link.into(), 4);
    put(out, ctx, s.sh_info.into(), 4);
    put(out, ctx, s.sh_addralign, w);
    put(out, ctx, s.sh_entsize, w);
}

/// Append the section headers (aligned) to `out` and patch e_shoff, e_shnum and e_shstrndx
/// into its ELF header.
fn finish(mut out: Vec<u8>, ctx: Ctx, headers: &[SectionHeader], shstrndx: usize) -> Vec<u8> {
    let shoff = align(out.len(), word(ctx) as u64);
    out.resize(shoff, 0);
    for s in headers {
        put_shdr(&mut out, ctx, s);
    }
    let (off_at, num_at) = if ctx.container.is_big() {
        (0x28, 0x3c)
    } else {
        (0x20, 0x30)
    };
    let mut fields = Vec::new();
    put(&mut fields, ctx, shoff as u64, word(ctx));
    out[off_at..off_at + fields.len()].copy_from_slice(&fields);
    fields.clear();
    put(&mut fields, ctx, headers.len() as u64, 2);
    put(&mut fields, ctx, shstrndx as u64, 2);
    out[num_at..num_at + 4].copy_from_slice(&fields);
    out
}

/// Pad `out` to `alignment` for the next section; its offset. Bounded by [`check_growth`].
fn place(out: &mut Vec<u8>, alignment: u64, input: usize) -> Result<usize, StripError> {
    let at = align(out.len(), alignment);
    check_growth(at, input)?;
    out.resize(at, 0);
    Ok(at)
}

/// A string table being written: `add` gives each name's offset.
struct Names(Vec<u8>);

impl Names {
    fn new() -> Names {
        Names(vec![0])
    }
    fn add(&mut self, name: &[u8]) -> usize {
        let at = self.0.len();
        self.0.extend_from_slice(name);
        self.0.push(0);
        at
    }
}

/// Each section's index once the sections `keep` leaves out are gone (0 for those), and how
/// many are kept.
fn new_indices(keep: &[bool]) -> (Vec<usize>, usize) {
    let mut new_index = vec![0usize; keep.len()];
    let mut next = 0;
    for (i, &kept) in keep.iter().enumerate() {
        if kept {
            new_index[i] = next;
            next += 1;
        }
    }
    (new_index, next)
}

/// The kept sections' headers, in order with their indices, each named anew in `names` (but
/// section 0, which has no name).
fn renamed(p: &Parsed, keep: &[bool], names: &mut Names) -> Vec<(usize, SectionHeader)> {
    (0..p.sections.len())
        .filter(|&i| keep[i])
        .map(|i| {
            let mut s = p.sections[i].clone();
            if i != 0 {
                s.sh_name = names.add(p.names[i].as_bytes());
            }
            (i, s)
        })
        .collect()
}

/// Appends `body` at the end of `out` (placed by the caller) as a new section named `sh_name`,
/// and its header.
fn push_section(
    out: &mut Vec<u8>,
    headers: &mut Vec<SectionHeader>,
    sh_name: usize,
    sh_type: u32,
    sh_addralign: u64,
    body: &[u8],
) {
    headers.push(SectionHeader {
        sh_name,
        sh_type,
        sh_offset: out.len() as u64,
        sh_size: body.len() as u64,
        sh_addralign,
        ..Default::default()
    });
    out.extend_from_slice(body);
}

fn ehdr_phdr_end(p: &Parsed) -> usize {
    let ehdr = p.header.e_ehsize as usize;
    let ph = p.header.e_phoff as usize + p.header.e_phnum as usize * p.header.e_phentsize as usize;
    ehdr.max(if p.header.e_phnum > 0 { ph } else { 0 })
}

fn stripped_file(
    bytes: &[u8],
    p: &Parsed,
    keep: &[bool],
    debug_name: &str,
    crc: u32,
    debugdata: Option<&[u8]>,
) -> Result<Vec<u8>, StripError> {
    let n = p.sections.len();
    // The prefix the loader maps: headers, segments, allocated sections.
    let mut prefix = ehdr_phdr_end(p);
    for ph in &p.phdrs {
        prefix = prefix.max((ph.p_offset + ph.p_filesz) as usize);
    }
    for (i, s) in p.sections.iter().enumerate() {
        if keep[i] && s.sh_flags & u64::from(SHF_ALLOC) != 0 && s.sh_type != SHT_NOBITS {
            prefix = prefix.max((s.sh_offset + s.sh_size) as usize);
        }
    }
    if prefix > bytes.len() {
        return Err(StripError::Parse("a segment lies outside the file".into()));
    }
    // New indices: kept sections in order, then .gnu_debuglink, then .shstrtab.
    let (new_index, next) = new_indices(keep);
    if (0..n)
        .any(|i| keep[i] && new_index[i] != i && p.sections[i].sh_flags & u64::from(SHF_ALLOC) != 0)
    {
        return Err(StripError::Unsupported(
            "an allocated section follows a section that is stripped (its symbols' section \
             indices would change)"
                .into(),
        ));
    }
    let strtab_index = next + 1 + usize::from(debugdata.is_some());

    let mut out = bytes[..prefix].to_vec();
    let mut shstrtab = Names::new();
    let mut headers: Vec<SectionHeader> = Vec::new();
    for (i, mut s) in renamed(p, keep, &mut shstrtab) {
        let inside = s.sh_type == SHT_NOBITS
            || s.sh_flags & u64::from(SHF_ALLOC) != 0
            || (s.sh_offset + s.sh_size) as usize <= prefix;
        if !inside {
            // cannot fail: the data of every kept section was checked to lie inside the file
            let d = data(bytes, &p.sections[i]).expect("checked above");
            let at = place(&mut out, s.sh_addralign, bytes.len())?;
            out.extend_from_slice(d);
            s.sh_offset = at as u64;
        }
        if s.sh_link as usize >= n {
            return Err(StripError::Parse(format!(
                "{} links to no section",
                p.names[i]
            )));
        }
        s.sh_link = new_index[s.sh_link as usize] as u32;
        if (s.sh_flags & u64::from(SHF_INFO_LINK) != 0 || matches!(s.sh_type, SHT_REL | SHT_RELA))
            && (s.sh_info as usize) < n
        {
            s.sh_info = new_index[s.sh_info as usize] as u32;
        }
        headers.push(s);
    }
    // .gnu_debuglink: the name, NUL, padding to 4, the CRC in the file's byte order.
    let mut link = debug_name.as_bytes().to_vec();
    link.push(0);
    link.resize(align(link.len(), 4), 0);
    put(&mut link, p.ctx, crc.into(), 4);
    place(&mut out, 4, bytes.len())?;
    let name = shstrtab.add(b".gnu_debuglink");
    push_section(&mut out, &mut headers, name, SHT_PROGBITS, 4, &link);
    if let Some(data) = debugdata {
        let name = shstrtab.add(b".gnu_debugdata");
        push_section(&mut out, &mut headers, name, SHT_PROGBITS, 1, data);
    }
    let name = shstrtab.add(b".shstrtab");
    let sh_type = goblin::elf::section_header::SHT_STRTAB;
    push_section(&mut out, &mut headers, name, sh_type, 1, &shstrtab.0);
    debug_assert_eq!(headers.len(), strtab_index + 1);
    Ok(finish(out, p.ctx, &headers, strtab_index))
}

/// One symbol table entry, as the file's class lays it out.
fn put_sym(out: &mut Vec<u8>, ctx: Ctx, s: &goblin::elf::Sym) {
    put(out, ctx, s.st_name as u64, 4);
    if ctx.container.is_big() {
        out.extend_from_slice(&[s.st_info, s.st_other]);
        put(out, ctx, s.st_shndx as u64, 2);
        put(out, ctx, s.st_value, 8);
        put(out, ctx, s.st_size, 8);
    } else {
        put(out, ctx, s.st_value, 4);
        put(out, ctx, s.st_size, 4);
        out.extend_from_slice(&[s.st_info, s.st_other]);
        put(out, ctx, s.st_shndx as u64, 2);
    }
}

/// The symbols of the table at section `i` with their names (empty when it cannot be read).
fn symbols<'a>(bytes: &'a [u8], p: &Parsed, i: usize) -> Vec<(goblin::elf::Sym, &'a [u8])> {
    let s = &p.sections[i];
    let Some(strtab) = p
        .sections
        .get(s.sh_link as usize)
        .and_then(|t| data(bytes, t))
    else {
        return Vec::new();
    };
    let size = if p.ctx.container.is_big() { 24 } else { 16 };
    let Ok(syms) = goblin::elf::Symtab::parse(
        bytes,
        s.sh_offset as usize,
        s.sh_size as usize / size,
        p.ctx,
    ) else {
        return Vec::new();
    };
    syms.iter()
        .map(|sym| (sym, c_str(strtab, sym.st_name)))
        .collect()
}

/// Fedora's mini debuginfo of an ELF file, xz-compressed (find-debuginfo's `add_minidebug`:
/// `objcopy -S --keep-symbols` of the debug file, then `xz`): its allocated sections without
/// their data (notes keep theirs), and a `.symtab` of the defined functions (but those
/// `.dynsym` exports whose names find-debuginfo matches). `None` when the file has no `.symtab`.
fn mini_debuginfo(bytes: &[u8], p: &Parsed) -> Result<Option<Vec<u8>>, StripError> {
    use goblin::elf::section_header::{SHT_DYNSYM, SHT_STRTAB};
    use goblin::elf::sym::STT_FUNC;
    let n = p.sections.len();
    let Some(symtab) = p.sections.iter().position(|s| s.sh_type == SHT_SYMTAB) else {
        return Ok(None);
    };
    // The names `nm -D --defined-only` prints: a versioned one with its `@@VERSION`, which no
    // `.symtab` name matches, so only the unversioned count (version index 0 or 1).
    let versym: Option<&[u8]> = (p.sections.iter())
        .find(|s| s.sh_type == goblin::elf::section_header::SHT_GNU_VERSYM)
        .and_then(|s| data(bytes, s));
    let version_of = |i: usize| -> u16 {
        versym.and_then(|v| v.get(2 * i..2 * i + 2)).map_or(0, |b| {
            let b = [b[0], b[1]];
            if p.ctx.le.is_little() {
                u16::from_le_bytes(b)
            } else {
                u16::from_be_bytes(b)
            }
        }) & 0x7fff
    };
    let exported: BTreeSet<&[u8]> = (0..n)
        .filter(|&i| p.sections[i].sh_type == SHT_DYNSYM)
        .flat_map(|i| symbols(bytes, p, i).into_iter().enumerate())
        .filter(|(k, (s, _))| s.st_shndx != 0 && version_of(*k) <= 1)
        .map(|(_, (_, name))| name)
        .collect();
    let shstrndx = p.header.e_shstrndx as usize;
    let strtab = p.sections[symtab].sh_link as usize;
    // objcopy's `--remove-section` list: what is not allocated and is PROGBITS, NOTE or NOBITS
    // (the debug sections among them); .shstrtab and .strtab are made anew
    let keep: Vec<bool> = (0..n)
        .map(|i| {
            let s = &p.sections[i];
            i == 0
                || i == symtab
                || (s.sh_flags & u64::from(SHF_ALLOC) != 0)
                || (i != shstrndx
                    && i != strtab
                    && !matches!(s.sh_type, SHT_PROGBITS | SHT_NOTE | SHT_NOBITS | SHT_STRTAB))
        })
        .collect();
    let (new_index, next) = new_indices(&keep);
    let (strtab_index, shstrtab_index) = (next, next + 1);
    // the functions to keep, locals first as they come
    let mut names = Names::new();
    let mut syms: Vec<goblin::elf::Sym> = vec![goblin::elf::Sym::default()];
    let mut locals = 1;
    for (mut sym, name) in symbols(bytes, p, symtab) {
        // find-debuginfo leaves out the functions `nm -D` lists, comparing them with the names
        // of `nm --format=sysv`, which pads them to 20 columns: only an exported name of 20
        // characters or more matches. What Fedora's packages carry, so ours do the same.
        let listed = name.len() >= 20 && exported.contains(name);
        if sym.st_type() != STT_FUNC || sym.st_shndx == 0 || listed {
            continue;
        }
        if sym.st_shndx < 0xff00 {
            if sym.st_shndx >= n || !keep[sym.st_shndx] {
                continue;
            }
            sym.st_shndx = new_index[sym.st_shndx];
        }
        sym.st_name = names.add(name);
        if sym.st_bind() == goblin::elf::sym::STB_LOCAL {
            locals = syms.len() + 1;
        }
        syms.push(sym);
    }
    let mut out = bytes[..ehdr_phdr_end(p)].to_vec();
    let mut shstr = Names::new();
    let mut headers: Vec<SectionHeader> = Vec::new();
    for (i, mut s) in renamed(p, &keep, &mut shstr) {
        if i != 0 {
            s.sh_link = if (s.sh_link as usize) < n {
                new_index[s.sh_link as usize] as u32
            } else {
                0
            };
            if s.sh_flags & u64::from(SHF_INFO_LINK) != 0 && (s.sh_info as usize) < n {
                s.sh_info = new_index[s.sh_info as usize] as u32;
            }
            let body: Option<Vec<u8>> = if i == symtab {
                s.sh_link = strtab_index as u32;
                s.sh_info = locals as u32;
                let mut b = Vec::new();
                for sym in &syms {
                    put_sym(&mut b, p.ctx, sym);
                }
                Some(b)
            } else if s.sh_type == SHT_NOTE {
                data(bytes, &p.sections[i]).map(<[u8]>::to_vec)
            } else if s.sh_flags & u64::from(SHF_ALLOC) != 0 {
                None
            } else {
                data(bytes, &p.sections[i]).map(<[u8]>::to_vec)
            };
            let at = place(&mut out, s.sh_addralign, bytes.len())?;
            s.sh_offset = at as u64;
            match body {
                Some(b) => {
                    s.sh_size = b.len() as u64;
                    out.extend_from_slice(&b);
                }
                None => s.sh_type = SHT_NOBITS,
            }
        }
        headers.push(s);
    }
    let strtab_name = shstr.add(b".strtab");
    let shstrtab_name = shstr.add(b".shstrtab");
    for (sh_name, body) in [(strtab_name, names.0), (shstrtab_name, shstr.0)] {
        push_section(&mut out, &mut headers, sh_name, SHT_STRTAB, 1, &body);
    }
    debug_assert_eq!(headers.len(), shstrtab_index + 1);
    let out = finish(out, p.ctx, &headers, shstrtab_index);
    let mut xz = xz2::write::XzEncoder::new(Vec::new(), 6);
    std::io::Write::write_all(&mut xz, &out)
        .and_then(|()| xz.finish())
        .map(Some)
        .map_err(|e| StripError::Unsupported(format!("xz: {e}")))
}

fn debug_file(bytes: &[u8], p: &Parsed, keep: &[bool]) -> Result<Vec<u8>, StripError> {
    let start = ehdr_phdr_end(p);
    let mut out = bytes[..start].to_vec();
    let shstrndx = p.header.e_shstrndx as usize;
    let mut headers = Vec::with_capacity(p.sections.len());
    for (i, s) in p.sections.iter().enumerate() {
        let mut s = s.clone();
        if i != 0 {
            let has_data =
                s.sh_type != SHT_NOBITS && (!keep[i] || s.sh_type == SHT_NOTE || i == shstrndx);
            // as elfutils lays it out: a section without data still moves the offset on to
            // its alignment
            s.sh_offset = place(&mut out, s.sh_addralign, bytes.len())? as u64;
            if has_data {
                let d = data(bytes, &p.sections[i]).ok_or_else(|| {
                    StripError::Parse(format!("section {} lies outside the file", p.names[i]))
                })?;
                out.extend_from_slice(d);
            } else {
                s.sh_type = SHT_NOBITS;
            }
        }
        headers.push(s);
    }
    Ok(finish(out, p.ctx, &headers, shstrndx))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(split(b"\x7fELF\x02\x01\x01garbage", "x.debug").is_err());
    }
}
