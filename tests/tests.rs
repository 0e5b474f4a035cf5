//! Integration tests: one binary, a module per area. Fixtures are built by the C compiler
//! (`rpmsplit-fixture`); external tools (rpm, cpio, dnf, createrepo_c) are real and required.

mod util;

mod chroot;
mod classify;
mod cli;
mod confinement;
mod debuginfo;
mod discover;
mod elf_hostile;
mod elfdeps;
mod fixture_tree;
mod fuzz_corpus;
mod graph;
mod hardening;
mod input;
mod input_checks;
mod libvirt_sid;
mod manifest_limits;
mod manifests;
mod naming;
mod output_dir;
mod pipeline;
mod qemu;
mod raw_tree;
mod repo;
mod resplit_flags;
mod rpm_out;
mod rpm_v6;
mod rpm_writer;
mod rpmbuild_inputs;
mod scriptlet_host;
mod scriptlets;
mod sid;
mod signing;
mod snippets;
mod split;
mod strip_choice;
mod sysusers;
mod tidy;
mod verify;
