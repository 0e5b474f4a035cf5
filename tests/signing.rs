//! `split --sign-key`: the signatures rpm verifies (`rpmkeys -K` with the public key imported),
//! the signature header `rpmsign --addsign` of rpm 4.18 writes for the same key on the same
//! package, and the usage errors of a bad key or passphrase. Keys are made by gpg in a
//! temporary GNUPGHOME, dated before the fixed SOURCE_DATE_EPOCH of the tests (a key must not be
//! younger than its signatures).

use std::path::{Path, PathBuf};
use std::process::Command;

use rpmsplit::format::rpmheader::{RawHeader, SigTag, LEAD_SIZE};

use crate::util::*;

/// `util::rpmsplit`'s SOURCE_DATE_EPOCH (2023-11-14 22:13:20 UTC), as gpg's faked time.
const SDE_AS_GPG_TIME: &str = "20231114T221320!";

/// A GNUPGHOME with one signing key; its agent is stopped on drop.
pub struct Gpg {
    pub dir: tempfile::TempDir,
    pub fingerprint: String,
}

impl Gpg {
    /// A new key: `algo` as gpg's --quick-gen-key names it (`rsa2048`, `ed25519`), protected by
    /// `passphrase` if not empty, created on 2023-01-01.
    pub fn new(algo: &str, passphrase: &str) -> Gpg {
        Gpg::made(algo, passphrase, "sign", "never", "20230101T000000!")
    }

    /// A new key for `usage` (`sign`, `cert`) that expires at `expire` (`never`, `1d`), made
    /// at gpg's `--faked-system-time` `time`.
    fn made(algo: &str, passphrase: &str, usage: &str, expire: &str, time: &str) -> Gpg {
        let dir = tempfile::Builder::new().prefix("gpg").tempdir().unwrap();
        ok(gpg_in(dir.path())
            .args(["--faked-system-time", time])
            .args(["--pinentry-mode", "loopback", "--passphrase", passphrase])
            .args([
                "--quick-gen-key",
                &format!("Test {algo} <{algo}@example.org>"),
            ])
            .args([algo, usage, expire]));
        let listing = stdout(&ok(gpg_in(dir.path()).args(["--with-colons", "-K"])));
        let fingerprint = listing
            .lines()
            .find_map(|l| l.strip_prefix("fpr:"))
            .map(|l| l.trim_matches(':').to_string())
            .expect("gpg lists the fingerprint");
        Gpg { dir, fingerprint }
    }

    pub fn gpg(&self) -> Command {
        gpg_in(self.dir.path())
    }

    /// Export into the GNUPGHOME directory: the secret key (armored or binary) or the public
    /// key (armored).
    pub fn export(&self, what: &str, armor: bool, passphrase: &str) -> PathBuf {
        let out = ok(self
            .gpg()
            .args(["--pinentry-mode", "loopback", "--passphrase", passphrase])
            .args(armor.then_some("--armor"))
            .arg(what)
            .arg(&self.fingerprint))
        .stdout;
        assert!(!out.is_empty(), "gpg {what} wrote nothing");
        let path = self
            .dir
            .path()
            .join(format!("{what}{}", if armor { ".asc" } else { ".gpg" }));
        std::fs::write(&path, out).unwrap();
        path
    }

    /// `rpmsign --addsign` with this key at SOURCE_DATE_EPOCH, SHA-256 (`%_gpg_digest_algo`,
    /// unset in Debian's macros; gpg would pick SHA-512 from the key's preferences).
    pub fn rpmsign(&self, rpms: &[PathBuf]) {
        ok(tool("rpmsign")
            .arg("--addsign")
            .args(["--define", "__gpg /usr/bin/gpg"])
            .args(["--define", &format!("_gpg_name {}", self.fingerprint)])
            .args([
                "--define",
                &format!("_gpg_path {}", self.dir.path().display()),
            ])
            .args(["--define", "_gpg_digest_algo sha256"])
            .args([
                "--define",
                &format!("_gpg_sign_cmd_extra_args --faked-system-time {SDE_AS_GPG_TIME}"),
            ])
            .args(rpms));
    }
}

fn gpg_in(home: &Path) -> Command {
    let mut c = tool("gpg");
    c.env("GNUPGHOME", home).arg("--batch");
    c
}

impl Drop for Gpg {
    fn drop(&mut self) {
        let _ = Command::new("gpgconf")
            .env("GNUPGHOME", self.dir.path())
            .args(["--kill", "gpg-agent"])
            .status();
    }
}

/// `split` of the Fedora fixture into RPMs in `out`, with `args`.
pub fn split_rpms(out: &Path, args: &[&str]) -> Vec<PathBuf> {
    let fx = &fixture(Layout::Fedora).root;
    let mut all = vec!["--format", "rpm", "--release", "1", "--jobs", "2"];
    all.extend_from_slice(args);
    split(fx, out, &all);
    let rpms = rpms_in(out);
    assert!(rpms.len() > 10, "{} RPMs", rpms.len());
    rpms
}

/// `rpmkeys -K` of every RPM in a temporary rpmdb holding the public key `key`.
fn assert_signatures_ok(key: &Path, rpms: &[PathBuf]) {
    let db = tempfile::tempdir().unwrap();
    let dbpath = db.path().to_str().unwrap();
    ok(tool("rpmkeys")
        .args(["--dbpath", dbpath, "--import"])
        .arg(key));
    let out = run_text(tool("rpmkeys").args(["--dbpath", dbpath, "-K"]).args(rpms));
    assert_eq!(out.lines().count(), rpms.len(), "{out}");
    for line in out.lines() {
        assert!(line.ends_with(": digests signatures OK"), "{line}");
    }
}

/// The signature header's index: (tag, type, count) of each entry, the region tag included.
fn signature_index(rpm: &Path) -> Vec<(u32, u32, u32)> {
    let bytes = std::fs::read(rpm).unwrap();
    let h = RawHeader::<SigTag>::read(&mut &bytes[LEAD_SIZE..], "signature header").unwrap();
    let be = |b: &[u8]| u32::from_be_bytes(b.try_into().unwrap());
    let mut index: Vec<_> = (0..h.nindex())
        .map(|i| {
            let e = &h.bytes()[16 + 16 * i..32 + 16 * i];
            (be(&e[0..4]), be(&e[4..8]), be(&e[12..16]))
        })
        .collect();
    index.sort();
    index
}

fn tags(index: &[(u32, u32, u32)]) -> Vec<u32> {
    index.iter().map(|e| e.0).collect()
}

#[test]
fn signing_rsa_with_a_passphrase_rpmkeys_says_signatures_ok() {
    let gpg = Gpg::new("rsa2048", "very secret");
    let key = gpg.export("--export-secret-keys", true, "very secret");
    let pass = gpg.dir.path().join("passphrase");
    std::fs::write(&pass, "very secret\n").unwrap();
    let out = tempfile::tempdir().unwrap();
    let rpms = split_rpms(
        &out.path().join("o"),
        &[
            "--sign-key",
            key.to_str().unwrap(),
            "--sign-key-passphrase-file",
            pass.to_str().unwrap(),
        ],
    );
    assert_signatures_ok(&gpg.export("--export", true, ""), &rpms);
    let info = rpm_qp(&rpms[0], &["--qf", "%{RSAHEADER:pgpsig}"]);
    assert!(
        info.starts_with("RSA/SHA256, Tue Nov 14 22:13:20 2023, Key ID "),
        "{info}"
    );
}

#[test]
fn signing_eddsa_from_a_binary_key_rpmkeys_says_signatures_ok() {
    let gpg = Gpg::new("ed25519", "");
    let key = gpg.export("--export-secret-keys", false, "");
    let out = tempfile::tempdir().unwrap();
    let rpms = split_rpms(
        &out.path().join("o"),
        &["--sign-key", key.to_str().unwrap()],
    );
    assert_signatures_ok(&gpg.export("--export", true, ""), &rpms);
    let info = rpm_qp(
        &rpms[0],
        &["--qf", "%{DSAHEADER:pgpsig}|%{RSAHEADER:pgpsig}"],
    );
    assert!(
        info.starts_with("EdDSA/SHA256, ") && info.ends_with("|(none)"),
        "{info}"
    );
}

/// rpmsign of our unsigned package and our signed package: the same signature header tags (and
/// counts: RESERVEDSPACE shrinks by the same amount), in fact the same bytes.
#[test]
fn signing_matches_rpmsign_addsign() {
    for algo in ["rsa2048", "ed25519"] {
        let gpg = Gpg::new(algo, "");
        let key = gpg.export("--export-secret-keys", true, "");
        let tmp = tempfile::tempdir().unwrap();
        let unsigned = split_rpms(&tmp.path().join("unsigned"), &[]);
        let ours = split_rpms(
            &tmp.path().join("ours"),
            &["--sign-key", key.to_str().unwrap()],
        );
        let theirs_dir = tmp.path().join("theirs");
        std::fs::create_dir(&theirs_dir).unwrap();
        let theirs: Vec<PathBuf> = unsigned
            .iter()
            .map(|p| {
                let t = theirs_dir.join(p.file_name().unwrap());
                std::fs::copy(p, &t).unwrap();
                t
            })
            .collect();
        gpg.rpmsign(&theirs);
        let signature_tag = if algo == "rsa2048" { 268 } else { 267 };
        for ((u, o), t) in unsigned.iter().zip(&ours).zip(&theirs) {
            assert_eq!(o.file_name(), t.file_name());
            let (ui, oi, ti) = (signature_index(u), signature_index(o), signature_index(t));
            assert_eq!(tags(&oi), tags(&ti), "{algo}: {}", o.display());
            assert_eq!(oi, ti, "{algo}: {}", o.display());
            let mut added = tags(&ti);
            added.retain(|t| !tags(&ui).contains(t));
            assert_eq!(added, [signature_tag], "{algo}: rpmsign added");
            assert_eq!(
                std::fs::metadata(u).unwrap().len(),
                std::fs::metadata(t).unwrap().len(),
                "rpmsign signs in place"
            );
            assert!(
                std::fs::read(o).unwrap() == std::fs::read(t).unwrap(),
                "{algo}: {} differs from rpmsign's",
                o.display()
            );
        }
    }
}

#[test]
fn signing_key_problems_are_usage_errors_before_anything_is_written() {
    let gpg = Gpg::new("rsa2048", "right");
    let key = gpg.export("--export-secret-keys", true, "right");
    let public = gpg.export("--export", true, "");
    let wrong = gpg.dir.path().join("wrong");
    std::fs::write(&wrong, "wrong\n").unwrap();
    let fx = &fixture(Layout::Fedora).root;
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("o");
    let (key, public, wrong) = (
        key.to_str().unwrap(),
        public.to_str().unwrap(),
        wrong.to_str().unwrap(),
    );
    let base = ["--format", "rpm", "--release", "1"];
    let cases: [(Vec<&str>, Vec<&str>); 5] = [
        (
            vec!["--sign-key", key, "--sign-key-passphrase-file", wrong],
            vec!["wrong passphrase", "--sign-key-passphrase-file", wrong, key],
        ),
        (
            vec!["--sign-key", key],
            vec!["--sign-key", key, "protected by a passphrase"],
        ),
        (
            vec!["--sign-key", public],
            vec![public, "is a public key; --sign-key needs a secret key"],
        ),
        (
            vec!["--sign-key", wrong],
            vec!["--sign-key", wrong, "not an OpenPGP secret key"],
        ),
        (
            vec!["--sign-key", "/nonexistent/key.asc"],
            vec!["cannot read --sign-key /nonexistent/key.asc"],
        ),
    ];
    for (args, needles) in cases {
        let mut all = base.to_vec();
        all.extend(args);
        fails(&mut split_command(fx, &out, &all), 2, &needles);
        assert!(nothing_in(&out), "{all:?} wrote something");
    }
    // Signing needs RPM output.
    fails(
        &mut split_command(fx, &out, &["--sign-key", key]),
        2,
        &["--sign-key signs RPMs", "--format rpm"],
    );
}

/// Issue 16: an expired, a revoked and a certify-only key (made by gpg), and a 16384-bit RSA
/// key (made here: gpg would take minutes) are refused before the input is read (it does not
/// exist), with a short message naming the key file and no backtrace.
#[test]
fn expired_revoked_and_non_signing_keys_are_refused_before_the_input_is_read() {
    let tmp = tempfile::tempdir().unwrap();
    let expired = Gpg::made("rsa2048", "", "sign", "1d", "20200101T000000!");
    let revoked = Gpg::new("rsa2048", "");
    // gpg writes a revocation certificate on key generation; importing it revokes the key.
    let cert = revoked
        .dir
        .path()
        .join(format!("openpgp-revocs.d/{}.rev", revoked.fingerprint));
    let text = std::fs::read_to_string(&cert).unwrap();
    let armored = text.replace(
        ":-----BEGIN PGP PUBLIC KEY BLOCK",
        "-----BEGIN PGP PUBLIC KEY BLOCK",
    );
    let rev = tmp.path().join("rev.asc");
    std::fs::write(&rev, armored).unwrap();
    ok(revoked.gpg().arg("--import").arg(&rev));
    let certify_only = Gpg::made("rsa2048", "", "cert", "never", "20230101T000000!");
    // A certify-only primary key whose one signing subkey has expired.
    let expired_subkey = Gpg::made("rsa2048", "", "cert", "never", "20200101T000000!");
    ok(expired_subkey
        .gpg()
        .args(["--faked-system-time", "20200101T000000!"])
        .args(["--pinentry-mode", "loopback", "--passphrase", ""])
        .args(["--quick-add-key", &expired_subkey.fingerprint])
        .args(["rsa2048", "sign", "1d"]));
    let big = tmp.path().join("rsa16384.gpg");
    std::fs::write(&big, rsa_secret_key_packet(16384)).unwrap();
    let keys = [
        (
            expired.export("--export-secret-keys", true, ""),
            "the key expired on 2020-01-02",
        ),
        (
            revoked.export("--export-secret-keys", true, ""),
            "the key is revoked",
        ),
        (
            certify_only.export("--export-secret-keys", true, ""),
            "no key of it may sign",
        ),
        (
            expired_subkey.export("--export-secret-keys", true, ""),
            "no key of it may sign: its signing subkey",
        ),
        (big, "modulus too large"),
    ];
    let out = tmp.path().join("o");
    for (key, why) in keys {
        let key = key.to_str().unwrap();
        let mut cmd = split_command(
            "/nonexistent/input",
            &out,
            &["--format", "rpm", "--sign-key", key],
        );
        let res = fails(cmd.env("RUST_BACKTRACE", "1"), 2, &[key, why]);
        let err = stderr(&res);
        assert!(err.len() < 400 && !err.contains("acktrace"), "{err}");
        assert!(
            !err.contains("/nonexistent/input"),
            "the input was read first: {err}"
        );
        assert!(nothing_in(&out));
    }
}

/// An unprotected OpenPGP v4 RSA secret key packet with a `bits`-bit modulus (made of 0xff
/// bytes: never a real key, but one its parser must read up to the modulus).
fn rsa_secret_key_packet(bits: usize) -> Vec<u8> {
    fn mpi(bits: usize) -> Vec<u8> {
        let mut m = (bits as u16).to_be_bytes().to_vec();
        m.extend(std::iter::repeat_n(0xffu8, bits.div_ceil(8)));
        m
    }
    let mut body = vec![4];
    body.extend_from_slice(&1_672_531_200u32.to_be_bytes()); // 2023-01-01
    body.push(1); // RSA
    body.extend(mpi(bits));
    body.extend_from_slice(&[0, 17, 1, 0, 1]); // e = 65537
    body.push(0); // not protected
    for b in [bits, bits / 2, bits / 2, bits / 2] {
        body.extend(mpi(b)); // d, p, q, u
    }
    body.extend_from_slice(&[0, 0]); // checksum
    let mut packet = vec![0xc5, 0xff]; // tag 5, new format, 4-byte length
    packet.extend_from_slice(&(body.len() as u32).to_be_bytes());
    packet.extend(body);
    packet
}

/// Under rpm 6.1 (the Debian unstable root, `%_pkgverify_level all`): `rpmkeys -K` of the
/// split (in package format `format`) signed with `algo`'s key says `digests signatures OK`, and the packages install, are
/// erased; the same split unsigned is refused.
fn signed_split_installs_under_rpm_6_1(algo: &str, format: &str) {
    let gpg = Gpg::new(algo, "");
    let key = gpg.export("--export-secret-keys", true, "");
    let public = gpg.export("--export", true, "");
    let tmp = tempfile::tempdir().unwrap();
    let signed = split_rpms(
        &tmp.path().join("signed"),
        &["--sign-key", key.to_str().unwrap(), "--rpm-format", format],
    );
    let unsigned = split_rpms(&tmp.path().join("unsigned"), &["--rpm-format", format]);
    if format == "6" {
        // the OpenPGP signature where rpm 6 looks (OPENPGP), and its copy where rpm 4 looks,
        // which rpm 4.18 verifies
        let v4_tag = if algo.starts_with("rsa") { 268 } else { 267 };
        for rpm in &signed {
            let t = tags(&signature_index(rpm));
            assert_eq!(t, [62, v4_tag, 273, 278, 279, 999], "{}", rpm.display());
        }
        assert_signatures_ok(&public, &signed);
    }
    std::fs::copy(&public, tmp.path().join("key.asc")).unwrap();
    let mut sid = crate::sid::Sid::new();
    sid.bind(tmp.path(), "/in");
    let inside = crate::sid::inside;
    let (signed, unsigned) = (
        inside("/in/signed", &signed),
        inside("/in/unsigned", &unsigned),
    );
    let install = ["rpm", "-i", "--nodeps", "--noscripts"];
    // before the key is imported, nothing installs
    let refused = sid.output(&install, &signed[..1]);
    assert!(!refused.status.success(), "{}", stderr(&refused));
    sid.run(&["rpmkeys", "--import", "/in/key.asc"]);
    sid.assert_signatures_ok(&signed);
    // unsigned: refused under the enforcing policy, nothing installed
    sid.assert_unsigned_refused(&unsigned);
    assert_eq!(
        sid.sh("rpm -qa | wc -l").trim(),
        "1",
        "only the key: {}",
        sid.sh("rpm -qa")
    );
    // signed: installed, then erased
    let done = sid.output(&install, &signed);
    assert!(done.status.success(), "{}", stderr(&done));
    let names = sid.sh("rpm -qa --qf '%{NAME}\\n' | grep -v '^gpg-pubkey' | sort");
    assert_eq!(names.lines().count(), signed.len(), "{names}");
    let verify = sid
        .command(&["rpm", "-Va", "--nodeps", "--noscripts", "--nofiledigest"])
        .output()
        .unwrap();
    assert!(stdout(&verify).trim().is_empty(), "{}", stdout(&verify));
    let mut erase = vec!["rpm", "-e", "--nodeps", "--noscripts"];
    erase.extend(names.lines());
    sid.run(&erase);
    assert_eq!(
        sid.sh("rpm -qa | grep -vc '^gpg-pubkey' || true").trim(),
        "0"
    );
}

#[test]
fn rsa_signed_splits_install_and_unsigned_ones_are_refused_under_rpm_6_1() {
    signed_split_installs_under_rpm_6_1("rsa2048", "4");
}

#[test]
fn eddsa_signed_splits_install_and_unsigned_ones_are_refused_under_rpm_6_1() {
    signed_split_installs_under_rpm_6_1("ed25519", "4");
}

#[test]
fn rsa_signed_v6_splits_install_and_unsigned_ones_are_refused_under_rpm_6_1() {
    signed_split_installs_under_rpm_6_1("rsa2048", "6");
}

#[test]
fn eddsa_signed_v6_splits_install_and_unsigned_ones_are_refused_under_rpm_6_1() {
    signed_split_installs_under_rpm_6_1("ed25519", "6");
}
