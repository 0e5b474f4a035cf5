//! rpm's vocabulary, in one place for the readers, the writers and the audits: file flags
//! (`RPMFILE_*`), verify flags, dependency sense flags (`RPMSENSE_*`), rpmrc's architecture
//! numbers and the ISA names of `NAME(isa)` provides. Numbers as rpm's headers define them
//! (include/rpm/rpmfiles.h, rpmds.h; rpmrc.in). Imports nothing of the crate.

/// `RPMFILE_*` (FILEFLAGS).
pub mod fileflags {
    pub const CONFIG: u32 = 1 << 0;
    pub const DOC: u32 = 1 << 1;
    pub const MISSINGOK: u32 = 1 << 3;
    pub const NOREPLACE: u32 = 1 << 4;
    pub const GHOST: u32 = 1 << 6;
    pub const LICENSE: u32 = 1 << 7;
    pub const README: u32 = 1 << 8;
    pub const ARTIFACT: u32 = 1 << 12;
}

/// `RPMFILE_CONFIG | DOC | LICENSE`: rpmbuild clears these on directories.
const DIR_CLEARED_FLAGS: u32 = fileflags::CONFIG | fileflags::DOC | fileflags::LICENSE;

/// The FILEFLAGS value rpmbuild records for an entry (a directory or not) with `flags`.
pub fn header_flags(is_dir: bool, flags: u32) -> u32 {
    if is_dir {
        flags & !DIR_CLEARED_FLAGS
    } else {
        flags
    }
}

/// What `rpm -V` checks of a file (RPMVERIFY_*, `FILEVERIFYFLAGS`), as `%verify(...)` names
/// them. rpmbuild's default is every bit set; `%verify(not md5 size)` clears two.
pub mod verifyflags {
    /// The bits `%verify` names, with its words for them (rpm's build/files.c).
    pub const WORDS: [(u32, &str); 9] = [
        (1 << 0, "md5"),
        (1 << 1, "size"),
        (1 << 2, "link"),
        (1 << 3, "user"),
        (1 << 4, "group"),
        (1 << 5, "mtime"),
        (1 << 6, "mode"),
        (1 << 7, "rdev"),
        (1 << 8, "caps"),
    ];
    /// The bits `%verify` can name.
    pub const NAMED: u32 = (1 << 9) - 1;
    /// RPMVERIFY_FILEDIGEST | FILESIZE | LINKTO | MTIME: what rpmbuild clears for a `%ghost`
    /// (build/files.c).
    pub const GHOST_NOVERIFY: u32 = 1 | 2 | 4 | 32;
    /// rpmbuild's flags for a file without `%verify`.
    pub fn default_for(ghost: bool) -> u32 {
        if ghost {
            !GHOST_NOVERIFY
        } else {
            u32::MAX
        }
    }
}

/// `RPMSENSE_*` (REQUIREFLAGS and the other dependency flags).
pub mod sense {
    pub const LESS: u32 = 1 << 1;
    pub const GREATER: u32 = 1 << 2;
    pub const EQUAL: u32 = 1 << 3;
    pub const POSTTRANS: u32 = 1 << 5;
    pub const PRETRANS: u32 = 1 << 7;
    /// The requirement is a scriptlet's interpreter (rpmbuild adds it).
    pub const INTERP: u32 = 1 << 8;
    pub const SCRIPT_PRE: u32 = 1 << 9;
    pub const SCRIPT_POST: u32 = 1 << 10;
    pub const SCRIPT_PREUN: u32 = 1 << 11;
    pub const SCRIPT_POSTUN: u32 = 1 << 12;
    /// A requirement (recommends, …) a dependency generator made (rpmbuild's rpmfc:
    /// ELF, interpreter, pkg-config); `rpm -q --qf '%{REQUIREFLAGS:deptype}'` says `auto`.
    pub const FIND_REQUIRES: u32 = 1 << 14;
    /// A provide a dependency generator made (`auto`).
    pub const FIND_PROVIDES: u32 = 1 << 15;
    pub const RPMLIB: u32 = 1 << 24;
    /// `config(NAME) = EVR`, which rpmbuild adds for a package with %config files (`config`).
    pub const CONFIG: u32 = 1 << 28;

    /// The comparison bits; the others say who made a dependency and when it must hold.
    pub const COMPARISON: u32 = LESS | GREATER | EQUAL;

    /// rpm's `deptype` words for `flags` (lib/formats.cc), comma-separated: the contexts
    /// (`pre`, `interp`, …), `auto`, `config`, `rpmlib`; `manual` when there is none.
    pub fn deptype(flags: u32) -> String {
        let words: Vec<&str> = [
            (SCRIPT_PRE, "pre"),
            (SCRIPT_POST, "post"),
            (SCRIPT_PREUN, "preun"),
            (SCRIPT_POSTUN, "postun"),
            (1 << 13, "verify"),
            (INTERP, "interp"),
            (RPMLIB, "rpmlib"),
            (FIND_REQUIRES | FIND_PROVIDES, "auto"),
            (1 << 6, "prereq"),
            (PRETRANS, "pretrans"),
            (POSTTRANS, "posttrans"),
            (1 << 20, "preuntrans"),
            (1 << 21, "postuntrans"),
            (CONFIG, "config"),
            (1 << 19, "missingok"),
            (1 << 29, "meta"),
        ]
        .into_iter()
        .filter(|(bit, _)| flags & bit != 0)
        .map(|(_, w)| w)
        .collect();
        if words.is_empty() {
            "manual".into()
        } else {
            words.join(",")
        }
    }
}

/// rpmrc's arch numbers; rpmbuild writes the build host's number, so noarch gets x86_64's.
pub fn arch_num(arch: &str) -> u16 {
    match arch {
        "x86_64" | "noarch" | "i386" | "i486" | "i586" | "i686" | "athlon" => 1,
        "s390x" => 15,
        "ppc64" | "ppc64le" => 16,
        "aarch64" => 19,
        "riscv64" => 22,
        "loongarch64" => 23,
        _ => 0,
    }
}

/// rpm's ISA suffix for an architecture (`NAME(x86-64)`), if rpm defines one.
pub fn isa(arch: &str) -> Option<String> {
    // rpm's installplatform, its `case "${ARCH}"` in order (shell globs)
    let (name, bits): (&str, u8) = match arch {
        a if a.starts_with("sparc64") => ("sparc", 64),
        a if a.starts_with("sparc") => ("sparc", 32),
        "s390" => ("s390", 32),
        "s390x" => ("s390", 64),
        "ppc64" | "ppc64p7" | "ppc64le" => ("ppc", 64),
        a if a.starts_with("ppc") => ("ppc", 32),
        "i386" | "i486" | "i586" | "i686" | "athlon" | "geode" => ("x86", 32),
        a if a.len() == 8 && a.starts_with("pentium") => ("x86", 32),
        a if a.starts_with("x86_64") || a == "amd64" || a == "ia32e" => ("x86", 64),
        "ia64" => ("ia", 64),
        a if a.starts_with("sh") => ("sh", 32),
        a if a.starts_with("armv7h") => ("armv7hl", 32),
        // `sed "s/^\([^-]*\)-.*/\1/"`: the arch up to its first `-`
        a if a.starts_with("arm") => (a.split('-').next().unwrap_or(a), 32),
        a if a.starts_with("alpha") => ("alpha", 64),
        "aarch64" => ("aarch", 64),
        "mips" | "mipsel" => ("mips", 32),
        "mips64" | "mips64el" => ("mips", 64),
        "mipsr6" | "mipsr6el" => ("mipsr6", 32),
        "mips64r6" | "mips64r6el" => ("mipsr6", 64),
        "m68k" => ("m68k", 32),
        "riscv64" => ("riscv", 64),
        "loongarch64" => ("loongarch", 64),
        a if a.starts_with("e2k") => ("e2k", 64),
        _ => return None,
    };
    Some(format!("{name}-{bits}"))
}

#[cfg(test)]
mod tests {
    use super::isa;

    #[test]
    fn isa_names_are_rpms_installplatform_ones() {
        for (arch, want) in [
            ("x86_64", "x86-64"),
            ("i686", "x86-32"),
            ("pentium4", "x86-32"),
            ("athlon", "x86-32"),
            ("aarch64", "aarch-64"),
            ("ppc64le", "ppc-64"),
            ("ppc64p7", "ppc-64"),
            ("ppc", "ppc-32"),
            ("s390x", "s390-64"),
            ("s390", "s390-32"),
            ("armv7hl", "armv7hl-32"),
            ("armv6l", "armv6l-32"),
            ("riscv64", "riscv-64"),
            ("loongarch64", "loongarch-64"),
            ("sparc64v", "sparc-64"),
            ("mips64el", "mips-64"),
        ] {
            assert_eq!(isa(arch).as_deref(), Some(want), "{arch}");
        }
        assert_eq!(isa("noarch"), None);
        assert_eq!(isa("pentium"), None);
    }
}
