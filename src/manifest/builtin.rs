//! The manifests built into the binary, by short name: `--manifest qemu` reads
//! `manifests/qemu.toml` as embedded at build time. Without `--manifest`, the first one (the
//! project's default example) is used. The one place in `src/` that names the projects whose
//! manifests ship with rpmsplit (tests/tidy.rs holds everything else to generic wording).

use std::path::Path;

use super::{Manifest, ManifestError};

/// A manifest embedded in the binary.
#[derive(Debug, Clone, Copy)]
pub struct Builtin {
    /// Its short name, as `--manifest` takes it.
    pub name: &'static str,
    /// Its path in the repository, which names it in messages.
    pub file: &'static str,
    pub text: &'static str,
}

/// libvirt's current upstream split (the default manifest).
pub const BUILTIN_LIBVIRT: &str = include_str!("../../manifests/libvirt.toml");
/// libvirt's last monolithic layout (9.0.0).
pub const BUILTIN_LIBVIRT_9_0: &str = include_str!("../../manifests/libvirt-9.0.toml");
/// Fedora's split of QEMU's x86 system emulator, tools and modules.
pub const BUILTIN_QEMU: &str = include_str!("../../manifests/qemu.toml");

/// Every built-in manifest; the first is the default.
pub const BUILTINS: &[Builtin] = &[
    Builtin {
        name: "libvirt",
        file: "manifests/libvirt.toml",
        text: BUILTIN_LIBVIRT,
    },
    Builtin {
        name: "libvirt-9.0",
        file: "manifests/libvirt-9.0.toml",
        text: BUILTIN_LIBVIRT_9_0,
    },
    Builtin {
        name: "qemu",
        file: "manifests/qemu.toml",
        text: BUILTIN_QEMU,
    },
];

/// The built-in manifest `name` names, if any.
pub fn named(name: &str) -> Option<&'static Builtin> {
    BUILTINS.iter().find(|b| b.name == name)
}

/// The built-in manifest a `--manifest` value names: a bare name (no `/`, no `.toml`) that is
/// a built-in's and not an existing file. Anything else is a path.
pub fn by_argument(arg: &Path) -> Option<&'static Builtin> {
    let s = arg.to_str()?;
    if s.contains('/') || s.ends_with(".toml") || arg.exists() {
        return None;
    }
    named(s)
}

/// Load a built-in manifest.
pub fn load(b: &Builtin) -> Result<Manifest, ManifestError> {
    Manifest::from_str(b.text, b.file)
}

/// The manifest a `--manifest` value gives (a built-in's short name, or a file), or the default.
pub fn load_argument(arg: Option<&Path>) -> Result<Manifest, ManifestError> {
    match arg {
        None => load(&BUILTINS[0]),
        Some(p) => match by_argument(p) {
            Some(b) => load(b),
            None => Manifest::from_path(p),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_loads() {
        for b in BUILTINS {
            load(b).unwrap_or_else(|e| panic!("{}: {e}", b.file));
        }
    }

    #[test]
    fn a_path_is_never_a_builtin() {
        assert!(by_argument(Path::new("qemu")).is_some());
        assert!(by_argument(Path::new("./qemu")).is_none());
        assert!(by_argument(Path::new("qemu.toml")).is_none());
        assert!(by_argument(Path::new("nonesuch")).is_none());
    }
}
