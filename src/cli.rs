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
    /// Manifest file (default: the built-in libvirt manifest).
    #[arg(long, short)]
    pub manifest: Option<PathBuf>,
    /// Layout profile of the input: a layout of the manifest (libvirt's: fedora, debian, usrlib), or auto.
    #[arg(long, default_value = "auto")]
    pub layout: String,
    /// At most SIZE bytes of contents (K, M, G, T suffixes) are unpacked from an RPM or cpio
    /// input into $TMPDIR; its free space bounds it in any case.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_unpacked: Option<u64>,
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
        input: PathBuf,
        #[command(flatten)]
        manifest: ManifestArgs,
        #[arg(long)]
        json: bool,
    },
    /// Explain the decision for some paths: deciding rule, ELF facts, other matching rules.
    Explain {
        input: PathBuf,
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        #[command(flatten)]
        manifest: ManifestArgs,
    },
    /// Audit ownership of an input against a manifest, and the upgrade path from a previous one.
    Verify {
        input: PathBuf,
        #[command(flatten)]
        manifest: ManifestArgs,
        /// Manifest of the previous release: files moving between packages must be covered.
        #[arg(long)]
        previous_manifest: Option<PathBuf>,
        /// Existing RPMs (e.g. a distribution's build) to audit against the manifest's split of
        /// INPUT: every file in the package the manifest gives it, with its attributes.
        #[arg(long, num_args = 1.., value_name = "RPM")]
        against: Vec<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Print the dependency graph between the packages.
    Graph {
        #[command(flatten)]
        manifest: ManifestArgs,
        /// Input whose files (and ELF dependencies) to take into account.
        #[arg(long)]
        input: Option<PathBuf>,
        #[arg(long, value_enum, default_value = "text")]
        format: GraphFormat,
    },
    /// What installing PACKAGE pulls in through Requires.
    Closure {
        #[arg(required = true)]
        packages: Vec<String>,
        #[command(flatten)]
        manifest: ManifestArgs,
        #[arg(long)]
        input: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
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
    #[arg(long)]
    pub version: Option<String>,
    /// Release of the packages (default: from the input RPM).
    #[arg(long)]
    pub release: Option<String>,
    /// Epoch of the packages (default: from the input RPM, else none).
    #[arg(long)]
    pub epoch: Option<u32>,
    /// Architecture (default: from the input RPM, else from the ELF files, else noarch).
    #[arg(long)]
    pub arch: Option<String>,
    /// Parallel jobs (default: the number of CPUs).
    #[arg(long, short)]
    pub jobs: Option<usize>,
    /// Payload compression: zstd:LEVEL, xz:LEVEL, gzip:LEVEL or none.
    #[arg(long, default_value = "zstd:19")]
    pub compress: Compression,
    /// Sign every RPM with this OpenPGP secret key (ASCII-armored or binary), as rpm 4.18's
    /// `rpmsign --addsign` does: a header signature (RSAHEADER, or DSAHEADER for DSA/EdDSA).
    #[arg(long, value_name = "FILE")]
    pub sign_key: Option<PathBuf>,
    /// The passphrase of --sign-key: the first line of FILE.
    #[arg(long, value_name = "FILE", requires = "sign_key")]
    pub sign_key_passphrase_file: Option<PathBuf>,
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
                Some(n) if !n.is_empty() => Ok(UnownedPolicy::Package(n.to_string())),
                _ => Err(format!("`{s}`: expected fail, warn or package:NAME")),
            },
        }
    }
}
