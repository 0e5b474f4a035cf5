//! Command line definitions (clap derive). The contract of DESIGN.md §3: names are never
//! renamed, only extended.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::write::{Compression, Format};

#[derive(Debug, Parser)]
#[command(
    name = "rpmsplit",
    version,
    about = "Split a monolithic build tree or RPM into subpackages by manifest rules and ELF facts"
)]
pub struct Cli {
    /// No progress output on stderr.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, clap::Args)]
pub struct ManifestArgs {
    /// Manifest file, or the short name of a built-in one: libvirt (the default), libvirt-9.0, qemu.
    #[arg(long, short)]
    pub manifest: Option<PathBuf>,
    /// Layout profile of the input: a layout of the manifest (libvirt's: fedora, debian, usrlib; qemu's: fedora, debian), or auto.
    #[arg(long, default_value = "auto")]
    pub layout: String,
    /// At most SIZE bytes of contents (K, M, G, T suffixes) are unpacked from an RPM or cpio
    /// input into $TMPDIR; its free space bounds it in any case.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_unpacked: Option<u64>,
    /// Who creates the accounts the packages' files are owned by: the manifest's %pre
    /// scriptlets, or rpm from the tree's sysusers.d files.
    #[arg(long, value_enum, default_value = "pre")]
    pub accounts: crate::sysusers::Accounts,
}

/// `4G`, `512M`, `100K`, `1000`: a size in bytes (powers of 1024).
fn parse_size(s: &str) -> Result<u64, String> {
    let (digits, unit) = match s.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => s.split_at(i),
        None => (s, ""),
    };
    let shift = match unit.to_ascii_uppercase().trim_end_matches(['B', 'I']) {
        "" => 0,
        "K" => 10,
        "M" => 20,
        "G" => 30,
        "T" => 40,
        _ => return Err(format!("`{s}`: expected a size such as 4G, 512M or 1000")),
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("`{s}`: expected a size such as 4G, 512M or 1000"))?;
    n.checked_mul(1 << shift)
        .ok_or_else(|| format!("`{s}`: too large"))
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Classify the input and write each package's outputs.
    Split {
        /// Build tree (directory), .rpm, or cpio archive (plain, gzip, xz, zstd; `-` for stdin).
        input: PathBuf,
        #[command(flatten)]
        manifest: ManifestArgs,
        #[command(flatten)]
        args: SplitArgs,
    },
    /// Show which package each entry goes to, and why.
    Classify {
        /// Build tree (directory), .rpm, or cpio archive (plain, gzip, xz, zstd; `-` for stdin).
        input: PathBuf,
        #[command(flatten)]
        manifest: ManifestArgs,
        /// Print one JSON object: every entry with its package and rule, unowned entries,
        /// conflicts, the packages with their dependencies and scriptlets.
        #[arg(long)]
        json: bool,
    },
    /// Explain the decision for some paths: deciding rule, ELF facts, other matching rules.
    Explain {
        /// Build tree (directory), .rpm, or cpio archive (plain, gzip, xz, zstd; `-` for stdin).
        input: PathBuf,
        /// Paths as installed (`/usr/sbin/virtlogd`), or as in the input for a moved entry.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        #[command(flatten)]
        manifest: ManifestArgs,
    },
    /// Audit ownership of an input against a manifest, and the upgrade path from a previous one.
    Verify {
        /// Build tree (directory), .rpm, or cpio archive (plain, gzip, xz, zstd; `-` for stdin).
        input: PathBuf,
        #[command(flatten)]
        manifest: ManifestArgs,
        /// Manifest of the previous release (a file or a built-in's short name): files moving
        /// between packages must be covered.
        #[arg(long)]
        previous_manifest: Option<PathBuf>,
        /// Existing RPMs (e.g. a distribution's build) to audit against the manifest's split of
        /// INPUT: every file in the package the manifest gives it, with its attributes. What
        /// rpmbuild adds itself is not audited: -debuginfo and -debugsource packages, build-id
        /// links (%artifact), the size of an ELF file it strips.
        #[arg(long, num_args = 1.., value_name = "RPM")]
        against: Vec<PathBuf>,
        /// Print the findings as one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Print the dependency graph between the packages.
    Graph {
        #[command(flatten)]
        manifest: ManifestArgs,
        #[command(flatten)]
        graph: GraphInput,
        /// Text (a package and its edges per line) or Graphviz dot.
        #[arg(long, value_enum, default_value = "text")]
        format: GraphFormat,
    },
    /// Print a completion script for a shell (`source <(rpmsplit completions bash)`).
    Completions {
        /// The shell: bash, zsh, fish, elvish or powershell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// What installing PACKAGE pulls in through Requires.
    Closure {
        /// Packages to install (names of the manifest's packages).
        #[arg(required = true)]
        packages: Vec<String>,
        #[command(flatten)]
        manifest: ManifestArgs,
        #[command(flatten)]
        graph: GraphInput,
        /// Print the closure as one JSON object: each package and what required it.
        #[arg(long)]
        json: bool,
    },
}

/// The man page, rpmsplit(1), from the command definitions (`cargo xtask man` writes it to
/// `docs/rpmsplit.1`; a test keeps that file in step).
pub fn man_page() -> Vec<u8> {
    use clap::CommandFactory;
    let mut out = Vec::new();
    let man = clap_mangen::Man::new(Cli::command());
    // cannot fail: rendering into a Vec does no I/O that can fail
    man.render(&mut out).expect("writing to memory");
    out
}

/// What `split` writes, and how.
#[derive(Debug, Clone, clap::Args)]
pub struct SplitArgs {
    /// Output directory.
    #[arg(long, short)]
    pub output: PathBuf,
    /// Output formats (repeat or separate with commas).
    #[arg(long = "format", short, value_enum, value_delimiter = ',', default_values_t = vec![Format::Cpio, Format::Filelist])]
    pub formats: Vec<Format>,
    /// Version of the packages (default: from the input RPM or the tree's pkg-config file).
    /// Letters, digits and `._+~^`, as rpmbuild allows.
    #[arg(long, value_parser = parse_version)]
    pub version: Option<String>,
    /// Release of the packages (default: from the input RPM). Letters, digits and `._+~^`.
    #[arg(long, value_parser = parse_release)]
    pub release: Option<String>,
    /// Epoch of the packages (default: from the input RPM, else none). A number 0 to 2^32-1.
    #[arg(long, value_parser = parse_epoch)]
    pub epoch: Option<u32>,
    /// Architecture (default: from the input RPM, else from the ELF files, else noarch).
    /// Letters, digits and `_`.
    #[arg(long, value_parser = parse_arch)]
    pub arch: Option<String>,
    /// Parallel jobs (default: the number of CPUs; at most 4 × the CPUs, more is capped).
    #[arg(long, short, value_parser = parse_jobs)]
    pub jobs: Option<usize>,
    /// Payload compression: zstd:LEVEL, xz:LEVEL, gzip:LEVEL or none.
    #[arg(long, default_value = "zstd:19")]
    pub compress: Compression,
    /// The RPM package format: 4 (rpm 4.x's, as Fedora builds) or 6 (rpm 6's: 64-bit sizes,
    /// SHA-256/SHA3-256 header and SHA-512/SHA3-256 payload digests, no MD5 or SHA-1, OpenPGP
    /// signatures in the OPENPGP tag with a v4 copy). The spec asks rpmbuild for the same.
    #[arg(long, value_name = "4|6", default_value = "4")]
    pub rpm_format: crate::write::rpm::RpmFormat,
    /// Sign every RPM with this OpenPGP secret key (ASCII-armored or binary), as rpm 4.18's
    /// `rpmsign --addsign` does: a header signature (RSAHEADER, or DSAHEADER for DSA/EdDSA).
    #[arg(long, value_name = "FILE")]
    pub sign_key: Option<PathBuf>,
    /// The passphrase of --sign-key: the first line of FILE.
    #[arg(long, value_name = "FILE", requires = "sign_key")]
    pub sign_key_passphrase_file: Option<PathBuf>,
    /// Debug information of the shipped ELF files, as rpmbuild's find-debuginfo splits it: auto
    /// (when any has debug sections), packages (every unstripped one), off (ship them as they
    /// are). Split out, each file is stripped and its debug file goes to NAME-debuginfo; every
    /// format follows (RPM, cpio, tree; %files lists and the spec leave to rpmbuild what it
    /// adds itself).
    #[arg(long, value_enum, default_value = "auto")]
    pub debuginfo: crate::debuginfo::Mode,
    /// With debug information split out: also give each stripped file Fedora's mini
    /// debuginfo, its function symbols .dynsym lacks as an xz-compressed ELF file in
    /// .gnu_debugdata (find-debuginfo -m), for backtraces without the debuginfo packages.
    #[arg(long)]
    pub minidebuginfo: bool,
    /// With debug information split out: keep the input's build-ids (rpm's
    /// %_no_recompute_build_ids). By default each split file's build-id is recomputed from its
    /// contents and VERSION-RELEASE, as find-debuginfo has debugedit do (%_unique_build_ids),
    /// so two builds of one binary never share /usr/lib/debug/.build-id paths.
    #[arg(long)]
    pub no_recompute_build_ids: bool,
    /// The hash of recomputed build-ids, as debugedit's version makes it: xxh128 (5.1 and
    /// later: rpm 6, Fedora 41+) or sha1 (5.0 and earlier: Debian 12, RHEL 9; MD5 for 16-byte
    /// build-ids).
    #[arg(
        long,
        value_enum,
        default_value = "xxh128",
        conflicts_with = "no_recompute_build_ids"
    )]
    pub build_id_hash: crate::debuginfo::buildid::Hash,
    /// What to do with entries no rule claims: fail, warn (leave them out), package:NAME.
    #[arg(long, default_value = "fail")]
    pub unowned: UnownedPolicy,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
    /// Write into an output directory that holds files no earlier rpmsplit run wrote: they are
    /// left alone, and outputs of the same names replace them.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GraphFormat {
    Dot,
    Text,
}

/// What `graph` and `closure` build the graph from.
#[derive(Debug, Clone, clap::Args)]
pub struct GraphInput {
    /// Input whose files (and ELF dependencies) to take into account.
    #[arg(long)]
    pub input: Option<PathBuf>,
    /// Without --input: template names to assume besides those the manifest knows (its
    /// per-name variables and its `[package.X]` blocks of template instances).
    #[arg(long, value_delimiter = ',', value_name = "NAME", value_parser = parse_template_name)]
    pub assume: Vec<String>,
}

/// `--unowned`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnownedPolicy {
    Fail,
    Warn,
    Package(String),
}

impl std::str::FromStr for UnownedPolicy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "fail" => Ok(UnownedPolicy::Fail),
            "warn" => Ok(UnownedPolicy::Warn),
            _ => match s.strip_prefix("package:") {
                Some(n) => match crate::dep::check_name("the package name", n) {
                    Ok(()) => Ok(UnownedPolicy::Package(n.to_string())),
                    Err(e) => Err(with_note(
                        e,
                        "an rpm package name: letters, digits and `.-_+`",
                    )),
                },
                _ => Err(format!("`{s}`: expected fail, warn or package:NAME")),
            },
        }
    }
}

/// A value parser's message with a `note:` line under clap's `error:` line.
fn with_note(message: String, note: &str) -> String {
    format!("{message}\n\nnote: {note}")
}

const VERREL_NOTE: &str = "rpmbuild refuses other characters in Version and Release \
    (`-` separates version and release); macros are not expanded: pass their value";

/// A template name (`--assume`): it becomes part of package names and paths.
fn parse_template_name(s: &str) -> Result<String, String> {
    crate::dep::check_name("a template name", s)?;
    Ok(s.to_string())
}

fn parse_version(s: &str) -> Result<String, String> {
    crate::dep::check_verrel("the version", s).map_err(|e| with_note(e, VERREL_NOTE))?;
    Ok(s.to_string())
}

fn parse_release(s: &str) -> Result<String, String> {
    crate::dep::check_verrel("the release", s).map_err(|e| with_note(e, VERREL_NOTE))?;
    Ok(s.to_string())
}

fn parse_epoch(s: &str) -> Result<u32, String> {
    s.parse::<u32>().map_err(|_| {
        with_note(
            format!(
                "the epoch `{}` is not a number from 0 to 4294967295",
                s.escape_debug()
            ),
            "rpm's Epoch is an unsigned 32-bit number; leave --epoch out for none",
        )
    })
}

fn parse_arch(s: &str) -> Result<String, String> {
    crate::dep::check_arch("the architecture", s)
        .map_err(|e| with_note(e, "an rpm architecture, such as x86_64, aarch64 or noarch"))?;
    Ok(s.to_string())
}

/// The most `--jobs` that can help: each job is a thread, and a package's compression workers
/// are its share of the jobs, so more than a few per CPU only costs memory.
pub fn max_jobs() -> usize {
    4 * std::thread::available_parallelism().map_or(1, |n| n.get())
}

fn parse_jobs(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(0) => Err(with_note(
            "0 jobs would write nothing".into(),
            "pass at least 1, or leave --jobs out for one per CPU",
        )),
        Ok(n) => Ok(n),
        Err(e) => Err(format!("`{s}`: {e}")),
    }
}
