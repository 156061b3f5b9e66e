//! The command line: clap's builder (the tool takes no proc macro), with
//! the help text users see.

use crate::commands::{BtfSource, ResolveOptions};
use std::path::PathBuf;

/// The parsed command line.
pub(crate) enum Cmd {
    Inspect {
        file: PathBuf,
        src: BtfSource,
        json: bool,
    },
    Resolve {
        file: PathBuf,
        opts: ResolveOptions,
        json: bool,
    },
    Check {
        file: PathBuf,
        src: BtfSource,
        no_kernel_types: bool,
        json: bool,
    },
}

/// What `-h` says first: the package description, as clap's derive took it.
const ABOUT: &str = env!("CARGO_PKG_DESCRIPTION");

const LONG_ABOUT: &str = "Inspect, resolve and check the .BTF_ids section of ELF files.\n\n`resolve` is a drop-in for the kernel's resolve_btfids 6.12: installed as `resolve_btfids`, or given resolve_btfids' own command line (as Kbuild does with `RESOLVE_BTFIDS=btf-ids`), the binary behaves as `btf-ids resolve`. It also makes a module's own .BTF acceptable to the real kernel, which otherwise drops it silently: opaque Rust kernel types are pointed at vmlinux's, names that are not C identifiers are made so in place, struct members are put in offset order; a file made over another base, or resolved before, is refused. `check` reports all of these without changing anything.";

const RESOLVE_ABOUT: &str = "Patch BTF ids into .BTF_ids (drop-in for resolve_btfids 6.12), after
making the file's own .BTF acceptable to kernel 6.12.";

const RESOLVE_LONG: &str = "Patch BTF ids into .BTF_ids (drop-in for resolve_btfids 6.12), after
making the file's own .BTF acceptable to kernel 6.12.

Like resolve_btfids: ids of the `__BTF_ID__` symbols from the BTF
(the file's .BTF, or --btf; split over -b), set counts, sets sorted.

Beyond it, when the BTF is a module's own split .BTF (no --btf, a
base given with -b; vmlinux's own BTF is taken as it is), and before
resolving, in place (same size), or not at all when a check fails.
A module without .BTF_ids is repaired only when its own strings hold
bytes no C identifier has. Kbuild runs it so with
`make ... RESOLVE_BTFIDS=btf-ids` (resolve_btfids' own command line
is understood):

- kernel types: a module-local opaque struct or union (size 0, named,
  as rustc emits `#[repr(C)] pub struct task_struct {}`) whose name
  has exactly one type of its kind in the base gets every reference
  pointed at the base type and its name cleared, so that the verifier
  takes vmlinux pointers for it and `struct task_struct` in .BTF_ids
  resolves to vmlinux's id. Several base types of the name: an error.
  None, or only a FWD, or the type embedded by value: left alone.

- names: kernel 6.12 drops a module's whole BTF when a name fails its
  kind's rule (C identifiers for structs, members, funcs...). Rust
  names such as `BtfIdSet8<4>` or `&str` are rewritten in place
  (`BtfIdSet8_4_`), or cleared where the name is optional and its
  string is shared; a FUNC, TYPEDEF, VAR or FWD name that cannot be
  fixed is an error.

- layout: struct members in offset order (Rust reorders fields),
  pahole's 32-bit stand-in for `()` made 0 bits where it does not fit,
  and a field without a size at a struct's end (a closure's fn item,
  an unsized tail such as `CStr`'s) pointed at an empty struct.
  Anything else kernel 6.12 would refuse is an error naming the type.

Also refused: split BTF made over another base than -b, and a file
resolved before (a set8 whose count or ids are filled in: resolving
again moves kfunc flags). An unresolved kfunc of a BTF_SET8_KFUNCS set
in a module gets a second line with the likely cause.";

const CHECK_LONG: &str = "Verify a resolved file; non-zero exit on any failure.

Fails on zero ids outside unused slots, set counts that do not match
symbol sizes, unsorted sets, ids that do not name a type of the
declared kind and name; and, for the file's own .BTF: split BTF made
over another base than -b (an error), types kernel 6.12 would refuse
(names that are not C identifiers, members out of offset order, ...;
`btf-ids resolve` repairs most), and module-local opaque types that
still shadow a vmlinux type (`btf-ids resolve -b` points them at
it). A file without .BTF_ids gets only the .BTF checks.";

/// The command line, built with clap's builder (the tool takes no proc
/// macro).
fn command() -> clap::Command {
    use clap::{value_parser, Arg, ArgAction, Command};
    let file = || {
        Arg::new("file")
            .value_name("FILE")
            .help("ELF object or binary")
            .required(true)
            .value_parser(value_parser!(PathBuf))
    };
    let flag = |name: &'static str, help: &'static str| {
        Arg::new(name)
            .long(name)
            .help(help)
            .action(ArgAction::SetTrue)
    };
    let path = |name: &'static str, value: &'static str, help: &'static str| {
        Arg::new(name)
            .long(name)
            .value_name(value)
            .help(help)
            .value_parser(value_parser!(PathBuf))
    };
    // Where the BTF comes from, as resolve_btfids takes it.
    let btf_args = [
        path(
            "btf",
            "BTF",
            "BTF data: raw BTF or an ELF with .BTF (default: the file's own .BTF section)",
        ),
        path(
            "btf_base",
            "BTF_BASE",
            "Path of file providing base BTF, when the BTF is split BTF",
        )
        .short('b')
        .alias("btf-base"),
    ];
    let no_kernel_types = |help: &'static str| flag("no-kernel-types", help);
    Command::new("btf-ids")
        .version(env!("CARGO_PKG_VERSION"))
        .about(ABOUT)
        .long_about(LONG_ABOUT)
        .subcommand_required(true)
        .arg_required_else_help(true)
        .subcommand(
            Command::new("inspect")
                .about("Show every list, set and set8 in .BTF_ids")
                .arg(file())
                .args(btf_args.clone())
                .arg(flag("json", "Print JSON (schema: docs/inspect-json.md)")),
        )
        .subcommand(
            Command::new("resolve")
                .about(RESOLVE_ABOUT)
                .long_about(RESOLVE_LONG)
                .arg(file())
                .args(btf_args.clone())
                .arg(no_kernel_types(
                    "Leave module-local opaque structs and unions alone instead of pointing them \
                     at the base's types of the same name. For a module that really has a type of \
                     its own that is zero-sized and named like a vmlinux type, or to get the C \
                     tool's .BTF unchanged",
                ))
                .arg(
                    Arg::new("verbose")
                        .short('v')
                        .long("verbose")
                        .help("Be more verbose (repeatable)")
                        .action(ArgAction::Count),
                )
                .arg(flag(
                    "strict",
                    "Unresolved or ambiguous names, or no .BTF_ids, are errors",
                ))
                .arg(
                    path(
                        "output",
                        "OUTPUT",
                        "Write here instead of in place (`-` or /dev/stdout: standard output; a \
                         device or FIFO is written to as it is)",
                    )
                    .short('o'),
                )
                .arg(flag("json", "Print a JSON report on stdout"))
                .arg(flag(
                    "kfunc-tags",
                    "Also add bpf_kfunc / bpf_fastcall decl tags to .BTF",
                ))
                .arg(flag(
                    "fsync",
                    "Flush the output to disk (fdatasync) before renaming it into place, and the \
                     directory after: the result survives a power loss. Without it the rename is \
                     still atomic, as for ld or objcopy output",
                ))
                .arg(
                    // The default; kept so that older scripts still run.
                    flag("no-fsync", "").hide(true).conflicts_with("fsync"),
                ),
        )
        .subcommand(
            Command::new("check")
                .about("Verify a resolved file; non-zero exit on any failure.")
                .long_about(CHECK_LONG)
                .arg(file())
                .args(btf_args)
                .arg(no_kernel_types(
                    "Do not report module-local opaque types that shadow vmlinux ones",
                ))
                .arg(flag("json", "Print JSON")),
        )
}

/// Parses `args` (clap prints help, version and usage errors, and exits).
pub(crate) fn parse(args: Vec<std::ffi::OsString>) -> Cmd {
    let m = command().get_matches_from(args);
    let path = |m: &clap::ArgMatches, id: &str| m.get_one::<PathBuf>(id).cloned();
    let src = |m: &clap::ArgMatches| BtfSource {
        btf: path(m, "btf"),
        base: path(m, "btf_base"),
    };
    let file = |m: &clap::ArgMatches| path(m, "file").expect("clap requires the file");
    match m.subcommand() {
        Some(("inspect", m)) => Cmd::Inspect {
            file: file(m),
            src: src(m),
            json: m.get_flag("json"),
        },
        Some(("resolve", m)) => Cmd::Resolve {
            file: file(m),
            opts: ResolveOptions {
                src: src(m),
                verbose: m.get_count("verbose"),
                strict: m.get_flag("strict"),
                output: path(m, "output"),
                kfunc_tags: m.get_flag("kfunc-tags"),
                fsync: m.get_flag("fsync"),
                no_kernel_types: m.get_flag("no-kernel-types"),
            },
            json: m.get_flag("json"),
        },
        Some(("check", m)) => Cmd::Check {
            file: file(m),
            src: src(m),
            no_kernel_types: m.get_flag("no-kernel-types"),
            json: m.get_flag("json"),
        },
        _ => unreachable!("clap requires a subcommand"),
    }
}
