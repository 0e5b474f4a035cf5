//! Scan: turn any input (a build tree, a monolithic `.rpm`, a cpio archive) into one
//! [`Inventory`]: every entry with its metadata, a handle to its bytes and, for ELF files, the
//! [`crate::elf::ElfFacts`] that rules and dependencies need.
//!
//! This module owns reading inputs. It does not decide anything about packages: that is
//! `classify`'s job. Contents are never collected whole: an entry's bytes stay where they are (a
//! file in the tree, or a range of a spooled, decompressed payload) until a writer streams them.

pub mod cpio;
pub mod rpm;
pub mod tree;

use std::ffi::OsStr;
use std::fs::File;
use std::io::{self, Read};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::elf::ElfFacts;

/// What kind of filesystem object an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    File,
    Dir,
    Symlink,
}

impl Kind {
    pub fn type_bits(self) -> u32 {
        match self {
            Kind::File => 0o100000,
            Kind::Dir => 0o040000,
            Kind::Symlink => 0o120000,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::File => "file",
            Kind::Dir => "dir",
            Kind::Symlink => "symlink",
        }
    }
}

/// Where an entry's bytes come from.
#[derive(Debug, Clone)]
pub enum Source {
    /// No content: directories, symlinks, ghosts, empty files.
    None,
    /// A regular file on disk (build tree input), as the scan saw it.
    Path(TreeFile),
    /// A byte range of a spool file holding a decompressed payload (RPM or cpio input).
    Spool {
        spool: Arc<Spool>,
        offset: u64,
        len: u64,
    },
}

/// A regular file of a build tree as the scan saw it. Every read of its bytes goes through
/// [`TreeFile::open`]: the file is opened without following a symlink and must still be the
/// file the scan saw (type, device, inode, size), so a file swapped between the scan and a
/// write is refused, not packaged.
#[derive(Debug, Clone)]
pub struct TreeFile {
    pub path: PathBuf,
    pub dev: u64,
    pub ino: u64,
    pub size: u64,
}

impl TreeFile {
    /// The regular file at `path` as it is now (`lstat`): what later reads must find.
    pub fn stat(path: &Path) -> io::Result<TreeFile> {
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::symlink_metadata(path)?;
        if !meta.is_file() {
            return Err(io::Error::other(format!(
                "{} is not a regular file",
                display_path(path)
            )));
        }
        Ok(TreeFile {
            path: path.to_owned(),
            dev: meta.dev(),
            ino: meta.ino(),
            size: meta.len(),
        })
    }

    /// Open the file for reading: without following a symlink (`O_NOFOLLOW`), without
    /// blocking on a FIFO put in its place (`O_NONBLOCK`), and checked against the scan. A
    /// different file is an error saying "changed while reading".
    pub fn open(&self) -> io::Result<File> {
        use rustix::fs::{Mode, OFlags};
        use std::os::unix::fs::MetadataExt;
        let changed = |now: &str| {
            io::Error::other(format!(
                "{} changed while reading: the scan saw a regular file of {} bytes (inode {}), now {now}",
                display_path(&self.path),
                self.size,
                self.ino
            ))
        };
        let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
        let file = match rustix::fs::open(&self.path, flags, Mode::empty()) {
            Ok(fd) => File::from(fd),
            Err(rustix::io::Errno::LOOP) => return Err(changed("a symlink")),
            Err(rustix::io::Errno::NOENT) => return Err(changed("gone")),
            Err(e) => return Err(e.into()),
        };
        let meta = file.metadata()?;
        if !meta.is_file() {
            return Err(changed("not a regular file"));
        }
        if (meta.dev(), meta.ino()) != (self.dev, self.ino) {
            return Err(changed(&format!("another file (inode {})", meta.ino())));
        }
        if meta.len() != self.size {
            return Err(changed(&format!("{} bytes", meta.len())));
        }
        Ok(file)
    }
}

/// A temporary file holding decompressed payload bytes, shared by the entries that point into it.
#[derive(Debug)]
pub struct Spool {
    /// Unnamed (O_TMPFILE where the system has it): an interrupted run leaves no file behind.
    pub file: File,
}

/// A byte range of a spool, read by position: every reader has its own offset on the one
/// shared file.
struct SpoolRange {
    spool: Arc<Spool>,
    pos: u64,
    end: u64,
}

impl Read for SpoolRange {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        use std::os::unix::fs::FileExt;
        let want = buf.len().min((self.end - self.pos) as usize);
        if want == 0 {
            return Ok(0);
        }
        let n = self.spool.file.read_at(&mut buf[..want], self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl Source {
    /// Open the entry's bytes for streaming.
    pub fn open(&self) -> io::Result<Box<dyn Read + Send>> {
        match self {
            Source::None => Ok(Box::new(io::empty())),
            Source::Path(f) => Ok(Box::new(f.open()?)),
            Source::Spool { spool, offset, len } => Ok(Box::new(SpoolRange {
                spool: Arc::clone(spool),
                pos: *offset,
                end: offset + len,
            })),
        }
    }

    /// Memory-map the bytes and hand them to `f` (for ELF inspection). `None` for no content.
    pub fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> io::Result<Option<R>> {
        let opened;
        let (file, offset, len) = match self {
            Source::None => return Ok(None),
            Source::Path(f) => {
                opened = f.open()?;
                (&opened, 0, f.size)
            }
            Source::Spool { spool, offset, len } => (&spool.file, *offset, *len),
        };
        if len == 0 {
            return Ok(None);
        }
        // mmap offsets must be page aligned: map from the page start and slice.
        let start = offset / 4096 * 4096;
        // SAFETY: the file is our own spool or part of an input tree that is read-only for the
        // run; a concurrent truncation by another process is outside what we can guard.
        let map = unsafe {
            memmap2::MmapOptions::new()
                .offset(start)
                .len((offset - start + len) as usize)
                .map(file)?
        };
        Ok(Some(f(&map[(offset - start) as usize..])))
    }
}

/// One filesystem object of the input.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Absolute path as installed (`/usr/sbin/virtlogd`). Bytes, not necessarily UTF-8.
    pub path: PathBuf,
    pub kind: Kind,
    /// Permission bits including setuid/setgid/sticky (no file type bits).
    pub perms: u32,
    pub user: String,
    pub group: String,
    pub mtime: u64,
    pub size: u64,
    pub link_target: Option<PathBuf>,
    /// Entries sharing a `(dev, ino)` in the input share a hardlink group id.
    pub hardlink_group: Option<u32>,
    pub source: Source,
    pub elf: Option<Box<ElfFacts>>,
    /// `e_machine` and ELFCLASS64 of a file with ELF magic and a whole ELF header, read from
    /// the header alone (the split's architecture counts a file its facts could not be read of).
    pub elf_header: Option<(u16, bool)>,
    /// Why a file with ELF magic has no [`ElfFacts`] (its headers cannot be read): the run
    /// warns with it ([`Inventory::warnings`]).
    pub elf_unread: Option<String>,
    /// Interpreter from a `#!` line of an executable script.
    pub shebang: Option<String>,
    /// What a pkg-config file (`*/pkgconfig/*.pc`) declares.
    pub pkgconfig: Option<Box<crate::dep::PkgConfig>>,
    /// What an application's `.desktop` file (`/usr/share/applications/`) declares.
    pub desktop: Option<Box<crate::dep::DesktopEntry>>,
    /// RPMFILE_* flags from an input RPM; 0 for trees.
    pub input_flags: u32,
    /// Capabilities from an input RPM (`FILECAPS`), empty if none.
    pub caps: String,
    /// RPMVERIFY_* bits from an input RPM (`FILEVERIFYFLAGS`); `None` for rpmbuild's default.
    pub verify_flags: Option<u32>,
    /// Set for an entry a manifest `copy` added: the entry it copies.
    pub copied_from: Option<PathBuf>,
    /// Set for an entry a manifest `move` renamed: its path in the input.
    pub moved_from: Option<PathBuf>,
    /// Set when the manifest changed `perms` (a `copy`'s `source-mode`, the spec's `chmod`):
    /// the input's permissions.
    pub input_perms: Option<u32>,
}

impl Entry {
    /// An entry at `path` with nothing known yet: owned by root, mode 0, empty, no source.
    /// Readers fill in what their input says (`Entry { perms, .., ..Entry::new(path, kind) }`).
    pub fn new(path: PathBuf, kind: Kind) -> Entry {
        Entry {
            path,
            kind,
            perms: 0,
            user: "root".into(),
            group: "root".into(),
            mtime: 0,
            size: 0,
            link_target: None,
            hardlink_group: None,
            source: Source::None,
            elf: None,
            elf_unread: None,
            shebang: None,
            pkgconfig: None,
            desktop: None,
            elf_header: None,
            input_flags: 0,
            caps: String::new(),
            verify_flags: None,
            copied_from: None,
            moved_from: None,
            input_perms: None,
        }
    }

    pub fn mode(&self) -> u32 {
        self.kind.type_bits() | self.perms
    }
    pub fn is_executable(&self) -> bool {
        self.kind == Kind::File && self.perms & 0o111 != 0
    }

    /// rpm's file color from the ELF header alone, as `getElfColor` reads it (libelf's
    /// `gelf_getehdr`): 2 for ELFCLASS64, 1 for ELFCLASS32, 0 for a BPF object or a file that
    /// is not ELF (FILECOLORS, for executable files).
    pub fn elf_color(&self) -> u8 {
        match self.elf_header {
            Some((EM_BPF, _)) | None => 0,
            Some((_, true)) => 2,
            Some((_, false)) => 1,
        }
    }
    pub fn display(&self) -> String {
        display_path(&self.path)
    }
}

/// Where the inventory came from, with what the input itself says about the package.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub kind: String,
    pub input: PathBuf,
    pub name: Option<String>,
    pub epoch: Option<u32>,
    pub version: Option<String>,
    pub release: Option<String>,
    pub arch: Option<String>,
    pub license: Option<String>,
    pub url: Option<String>,
}

/// Every entry of one input, sorted by path, paths unique.
#[derive(Debug, Default)]
pub struct Inventory {
    pub entries: Vec<Entry>,
    pub origin: Origin,
    /// The manifest `move`s made to the input, in order: (from, to).
    pub moves: Vec<(PathBuf, PathBuf)>,
}

impl Inventory {
    pub fn sort(&mut self) {
        self.entries.sort_by(|a, b| {
            a.path
                .as_os_str()
                .as_bytes()
                .cmp(b.path.as_os_str().as_bytes())
        });
    }

    /// The index of the entry at `path` (entries are sorted by path bytes).
    pub fn index(&self, path: &Path) -> Option<usize> {
        self.entries
            .binary_search_by(|e| {
                e.path
                    .as_os_str()
                    .as_bytes()
                    .cmp(path.as_os_str().as_bytes())
            })
            .ok()
    }

    pub fn find(&self, path: &Path) -> Option<&Entry> {
        self.index(path).map(|i| &self.entries[i])
    }

    /// What a generator that opens `e` reads: `e` itself, or for a symlink the entry its
    /// relative target leads to inside the input (at most 40 links, as the kernel follows). An
    /// absolute target is not followed: rpmbuild's generators would read the build host's file.
    pub fn followed<'a>(&'a self, e: &'a Entry) -> Option<&'a Entry> {
        let mut cur = e;
        for _ in 0..40 {
            if cur.kind != Kind::Symlink {
                return Some(cur);
            }
            let target = cur.link_target.as_ref().filter(|t| t.is_relative())?;
            cur = self.find(&resolve_link(&cur.path, target)?)?;
        }
        None
    }

    /// What the run should warn about: files with ELF magic and no ELF facts (classified by
    /// path only, without dependencies or an architecture).
    pub fn warnings(&self) -> impl Iterator<Item = String> + '_ {
        self.entries.iter().flat_map(|e| {
            let elf = e.elf_unread.as_ref().map(|why| {
                format!(
                    "{}: ELF magic, but no ELF facts ({why}): classified by its path only, \
                     without dependencies or an architecture",
                    e.display()
                )
            });
            let (_, refused) = crate::dep::appstream_names(&e.path, e.desktop.as_deref());
            let desktop = (!refused.is_empty()).then(|| {
                format!(
                    "{}: rpmbuild would stop on what its desktop or metainfo generator prints \
                     ({}): left out of the package's provides",
                    e.display(),
                    refused.join(" ")
                )
            });
            let big = (e.desktop.as_ref().is_some_and(|d| d.unread)).then(|| {
                format!(
                    "{}: a .desktop file over {} bytes, not read: no application() provides",
                    e.display(),
                    crate::dep::DesktopEntry::MAX_SIZE
                )
            });
            elf.into_iter().chain(desktop).chain(big)
        })
    }

    pub fn total_bytes(&self) -> u64 {
        self.entries.iter().map(|e| e.size).sum()
    }
}

/// Errors while reading an input.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("cannot read {}", display_path(.path))]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{}: {what}", display_path(.path))]
    Corrupt { path: PathBuf, what: String },
    #[error("{}: symlink escapes the tree: {} -> {}", display_path(.input), display_path(.path), display_path(.target))]
    LinkEscapes {
        input: PathBuf,
        path: PathBuf,
        target: PathBuf,
    },
    #[error(
        "{}: {} is below the symlink {} -> {}: rpm cannot unpack an entry below a symlink",
        display_path(.input),
        display_path(.path),
        display_path(.link),
        display_path(.target)
    )]
    BelowSymlink {
        input: PathBuf,
        path: PathBuf,
        link: PathBuf,
        target: PathBuf,
    },
    #[error("{}: entry path is not inside the tree: {}", display_path(.input), .name)]
    BadEntryPath { input: PathBuf, name: String },
    #[error("{}: {what}", display_path(.path))]
    Space { path: PathBuf, what: String },
}

pub type ScanResult<T> = Result<T, ScanError>;

/// How an input is read.
#[derive(Debug, Clone, Copy, Default)]
pub struct ScanOptions {
    /// At most this many bytes of contents are unpacked from an RPM or cpio input
    /// (`--max-unpacked`); the free space of `$TMPDIR` bounds it in any case.
    pub max_unpacked: Option<u64>,
}

/// Print a path for humans: non-UTF-8 bytes and control characters escaped (`\xNN`).
/// `path` as it is after `from` (a file, or a directory with its subtree) is renamed `to`;
/// `None` when `path` is not `from` or under it.
pub fn rebased(path: &Path, from: &Path, to: &Path) -> Option<PathBuf> {
    let rest = path.strip_prefix(from).ok()?;
    Some(if rest.as_os_str().is_empty() {
        to.to_owned()
    } else {
        to.join(rest)
    })
}

pub fn display_path(p: &Path) -> String {
    display_bytes(p.as_os_str().as_bytes())
}

pub fn display_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if c.is_control() {
                out.extend(c.escape_default());
            } else {
                out.push(c);
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

/// Normalize a relative archive member name (`./usr/bin/x`, `usr/bin/x`) into an absolute
/// installed path. Absolute names (`/usr/bin/x`: an archive must not point outside the tree it
/// is extracted into), `..` components, empty names and NUL are refused.
pub fn normalize_member(name: &[u8]) -> Option<PathBuf> {
    if name.starts_with(b"/") {
        return None;
    }
    let mut out = Vec::with_capacity(name.len() + 1);
    for comp in name.split(|&b| b == b'/') {
        match comp {
            b"" | b"." => continue,
            b".." => return None,
            c if c.contains(&0) => return None,
            c => {
                out.push(b'/');
                out.extend_from_slice(c);
            }
        }
    }
    if out.is_empty() {
        return None;
    }
    Some(PathBuf::from(OsStr::from_bytes(&out)))
}

/// Resolve a symlink target relative to the link's directory, lexically. `None` if it climbs
/// above `/`.
pub fn resolve_link(link: &Path, target: &Path) -> Option<PathBuf> {
    let tb = target.as_os_str().as_bytes();
    let mut parts: Vec<&[u8]> = Vec::new();
    if !tb.starts_with(b"/") {
        let parent = link.parent().unwrap_or(Path::new("/"));
        parts.extend(
            parent
                .as_os_str()
                .as_bytes()
                .split(|&b| b == b'/')
                .filter(|c| !c.is_empty()),
        );
    }
    for c in tb.split(|&b| b == b'/') {
        match c {
            b"" | b"." => {}
            b".." => {
                parts.pop()?;
            }
            c => parts.push(c),
        }
    }
    let mut out = Vec::new();
    for p in parts {
        out.push(b'/');
        out.extend_from_slice(p);
    }
    if out.is_empty() {
        out.push(b'/');
    }
    Some(PathBuf::from(OsStr::from_bytes(&out)))
}

/// Read the start of a regular file's bytes and fill in ELF facts or a shebang.
pub fn inspect(entry: &mut Entry) -> io::Result<()> {
    // Every non-empty regular file is opened once, so an unreadable file fails the scan.
    if entry.kind != Kind::File || entry.size == 0 {
        return Ok(());
    }
    let mut head = [0u8; 256];
    let n = {
        let mut r = entry.source.open()?;
        read_up_to(&mut r, &mut head)?
    };
    let head = &head[..n];
    if head.starts_with(b"\x7fELF") {
        entry.elf_header = elf_header(head, entry.size);
        match entry.source.with_bytes(crate::elf::ElfFacts::read)? {
            Some(Ok(facts)) => entry.elf = Some(Box::new(facts)),
            Some(Err(why)) => entry.elf_unread = Some(why),
            None => {}
        }
    } else if head.starts_with(b"#!") && entry.is_executable() {
        entry.shebang = crate::elf::shebang_interpreter(head);
    } else if crate::dep::PkgConfig::is_pc_path(&entry.path) && entry.size <= 1 << 20 {
        // An unreadable file fails the scan; bytes that are not UTF-8 are read lossily.
        let mut bytes = Vec::new();
        entry.source.open()?.read_to_end(&mut bytes)?;
        let text = String::from_utf8_lossy(&bytes);
        entry.pkgconfig = Some(Box::new(crate::dep::PkgConfig::parse(&entry.path, &text)));
    }
    if crate::dep::DesktopEntry::is_desktop_path(&entry.path) {
        let max = crate::dep::DesktopEntry::MAX_SIZE;
        let mut bytes = Vec::new();
        entry.source.open()?.take(max + 1).read_to_end(&mut bytes)?;
        entry.desktop = Some(Box::new(if bytes.len() as u64 > max {
            crate::dep::DesktopEntry {
                unread: true,
                ..Default::default()
            }
        } else {
            crate::dep::DesktopEntry::parse(&bytes)
        }));
    }
    Ok(())
}

/// `EM_BPF`: rpm (>= 4.20) leaves BPF objects uncolored.
const EM_BPF: u16 = 247;

/// The ELF header as libelf's `gelf_getehdr` reads it for rpm's `getElfColor`
/// (build/rpmfc.c), from the first bytes of a file of `size` bytes: `e_machine` and whether
/// the class is ELFCLASS64, when the whole header is there with a known class and byte order.
fn elf_header(head: &[u8], size: u64) -> Option<(u16, bool)> {
    let (class64, ehdr_size) = match head.get(4) {
        Some(1) => (false, 52),
        Some(2) => (true, 64),
        _ => return None,
    };
    let machine = match (head.get(5), head.get(18..20)) {
        (Some(1), Some(m)) => u16::from_le_bytes([m[0], m[1]]),
        (Some(2), Some(m)) => u16::from_be_bytes([m[0], m[1]]),
        _ => return None,
    };
    // libelf's determine_kind: EI_VERSION must be EV_CURRENT
    (size >= ehdr_size && head.get(6) == Some(&1)).then_some((machine, class64))
}

fn read_up_to(r: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Read any supported input: a directory, an `.rpm`, or a cpio archive (`-` for stdin).
pub fn scan(input: &Path) -> ScanResult<Inventory> {
    scan_with(input, &ScanOptions::default())
}

/// [`scan`] with options (`--max-unpacked`). Whatever the format, an input rpm could not
/// unpack (an entry below a symlink entry) is refused ([`check_unpackable`]).
pub fn scan_with(input: &Path, opts: &ScanOptions) -> ScanResult<Inventory> {
    let mut inv = scan_format(input, opts)?;
    check_unpackable(&inv)?;
    // a symlinked .desktop file: rpm's generator reads what it leads to
    let linked: Vec<(usize, Box<crate::dep::DesktopEntry>)> = (inv.entries.iter().enumerate())
        .filter(|(_, e)| {
            e.kind == Kind::Symlink && crate::dep::DesktopEntry::is_desktop_path(&e.path)
        })
        .filter_map(|(i, e)| Some((i, inv.followed(e)?.desktop.clone()?)))
        .collect();
    for (i, d) in linked {
        inv.entries[i].desktop = Some(d);
    }
    Ok(inv)
}

/// Refuse an inventory with an entry below a symlink entry (`/usr/lib -> lib64` and
/// `/usr/lib/x`): unpacking it would follow the symlink (rpm refuses to, and a writer of ours
/// must never write through one), so neither the package rpm makes of it nor a tree means what
/// the input says. Entries are sorted: each ancestor is one binary search.
pub fn check_unpackable(inv: &Inventory) -> ScanResult<()> {
    for e in &inv.entries {
        for dir in e.path.ancestors().skip(1) {
            if let Some(link) = inv.find(dir).filter(|l| l.kind == Kind::Symlink) {
                return Err(ScanError::BelowSymlink {
                    input: inv.origin.input.clone(),
                    path: e.path.clone(),
                    link: link.path.clone(),
                    target: link.link_target.clone().unwrap_or_default(),
                });
            }
        }
    }
    Ok(())
}

fn scan_format(input: &Path, opts: &ScanOptions) -> ScanResult<Inventory> {
    if input.as_os_str() == "-" {
        return cpio::scan_reader_with(Box::new(io::stdin()), input, opts);
    }
    let meta = std::fs::metadata(input).map_err(|source| ScanError::Io {
        path: input.to_owned(),
        source,
    })?;
    if meta.is_dir() {
        return tree::scan(input);
    }
    let mut magic = [0u8; 6];
    let n = File::open(input)
        .and_then(|mut f| read_up_to(&mut f, &mut magic))
        .map_err(|source| ScanError::Io {
            path: input.to_owned(),
            source,
        })?;
    if magic[..n].starts_with(&[0xed, 0xab, 0xee, 0xdb]) {
        rpm::scan_with(input, opts)
    } else if input.extension().is_some_and(|e| e == "rpm") {
        Err(ScanError::Corrupt {
            path: input.to_owned(),
            what: "not an RPM (no lead magic edabeedb at its start)".into(),
        })
    } else {
        let f = File::open(input).map_err(|source| ScanError::Io {
            path: input.to_owned(),
            source,
        })?;
        cpio::scan_reader_with(Box::new(f), input, opts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_refuses_parent_components() {
        assert_eq!(normalize_member(b"./usr/bin/x"), Some("/usr/bin/x".into()));
        assert_eq!(normalize_member(b"usr//bin/./x"), Some("/usr/bin/x".into()));
        assert_eq!(normalize_member(b"/abs"), None);
        assert_eq!(normalize_member(b"../x"), None);
        assert_eq!(normalize_member(b"./a/../../x"), None);
        assert_eq!(normalize_member(b"."), None);
    }

    #[test]
    fn resolve_link_stays_lexical() {
        let l = Path::new("/usr/lib64/libfoo.so");
        assert_eq!(
            resolve_link(l, Path::new("libfoo.so.0")),
            Some("/usr/lib64/libfoo.so.0".into())
        );
        assert_eq!(resolve_link(l, Path::new("../../../../x")), None);
        assert_eq!(resolve_link(l, Path::new("/etc/x")), Some("/etc/x".into()));
    }

    #[test]
    fn display_escapes_bytes() {
        assert_eq!(display_bytes(b"a\xffb\n"), "a\\xffb\\n");
    }

    #[test]
    fn elf_headers_read_as_libelf_reads_them_for_rpms_colors() {
        let mut h = vec![0u8; 64];
        h[..4].copy_from_slice(b"\x7fELF");
        (h[4], h[5], h[6], h[18]) = (2, 1, 1, 62); // ELF64, LSB, EV_CURRENT, x86-64
        assert_eq!(super::elf_header(&h, 64), Some((62, true)));
        h[6] = 0;
        assert_eq!(super::elf_header(&h, 64), None, "libelf wants EV_CURRENT");
        h[6] = 1;
        assert_eq!(super::elf_header(&h, 63), None, "the header cut short");
        h[4] = 1;
        assert_eq!(super::elf_header(&h, 52), Some((62, false)));
        (h[5], h[18], h[19]) = (2, 0, 247); // MSB, EM_BPF
        assert_eq!(super::elf_header(&h, 52), Some((247, false)));
        h[4] = 3;
        assert_eq!(super::elf_header(&h, 64), None, "no such class");
    }
}
